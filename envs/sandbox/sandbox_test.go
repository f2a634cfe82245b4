package sandbox

import (
	"context"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"
)

const good = `
def check(state, transcript):
    r = state["reservations"]["ABC123"]
    if r["status"] != "cancelled":
        return (False, "reservation ABC123 not cancelled")
    said = [m["content"] for m in transcript if m["role"] == "assistant" and m.get("content")]
    if not any([contains(s, "refund") for s in said]):
        return (False, "refund not communicated")
    return (True, "ok")
`

func sampleInput(status string) (map[string]any, []any) {
	state := map[string]any{"reservations": map[string]any{"ABC123": map[string]any{"status": status, "total_baggages": 2.0}}}
	tr := []any{map[string]any{"role": "user", "content": "cancel please"}, map[string]any{"role": "assistant", "content": "Done, your Refund is on its way."}}
	return state, tr
}

func TestCheckerVerdicts(t *testing.T) {
	p, err := Compile("good", good)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		status string
		pass   bool
	}{{"cancelled", true}, {"active", false}} {
		st, tr := sampleInput(tc.status)
		v := p.Check(context.Background(), st, tr, DefaultLimits())
		if v.Err != "" || v.Pass != tc.pass {
			t.Errorf("status %s: %+v", tc.status, v)
		}
	}
}

func TestCompileRejects(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"syntax", "def check(state, transcript)\n  return True", "syntax"},
		{"load", "load('x.star', 'y')\ndef check(s, t):\n    return (True, '')", "load() is not allowed"},
		{"no check", "def other(s, t):\n    return (True, '')", "no check"},
		{"wrong arity", "def check(s):\n    return (True, '')", "must take"},
		{"unknown builtin", "def check(s, t):\n    return open('/etc/passwd')", "undefined: open"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compile(tc.name, tc.src)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestHostileCheckersAreContained(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"infinite loop", "def check(s, t):\n    while True:\n        pass\n", "step limit exceeded"},
		{"huge string", "def check(s, t):\n    x = 'x' * (1 << 40)\n    return (True, '')\n", "exceeds the checker's bound"},
		{"huge list", "def check(s, t):\n    x = [0] * 1000000000\n    return (True, '')\n", "exceeds the checker's bound"},
		{"huge list augmented", "def check(s, t):\n    x = [0]\n    x *= 1000000000\n    return (True, '')\n", "exceeds the checker's bound"},
		{"huge range", "def check(s, t):\n    return (len(list(range(1000000000))) > 0, '')\n", "exceeds the checker's bound"},
		{"growing list", "def check(s, t):\n    x = []\n    for i in range(1000000):\n        x.append('y' * 1000)\n    return (True, '')\n", "limit exceeded"},
		{"recursion", "def f(n):\n    return f(n + 1)\ndef check(s, t):\n    return f(0)\n", "recursion"},
		{"runtime error", "def check(s, t):\n    return s['missing']\n", "runtime error"},
		{"wrong return", "def check(s, t):\n    return 42\n", "must return"},
		{"slow", "def check(s, t):\n    n = 0\n    for i in range(1000000):\n        n += i\n    return (True, '')\n", "timeout"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Compile(tc.name, tc.src)
			if err != nil {
				t.Fatal(err)
			}
			lim := DefaultLimits()
			lim.MaxMemory = 64 << 20
			if tc.name == "slow" {
				lim.Timeout, lim.MaxSteps = time.Millisecond, 1<<40
			}
			st, tr := sampleInput("active")
			v := p.Check(context.Background(), st, tr, lim)
			if v.Pass || !strings.Contains(v.Err, tc.want) {
				t.Fatalf("verdict %+v, want error containing %q", v, tc.want)
			}
		})
	}
	// The process is still healthy: memory came back, a good checker runs.
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if ms.HeapAlloc > 512<<20 {
		t.Errorf("heap still %d MB after hostile checkers", ms.HeapAlloc>>20)
	}
}

func BenchmarkCheck(b *testing.B) {
	p, err := Compile("good", good)
	if err != nil {
		b.Fatal(err)
	}
	st, tr := sampleInput("cancelled")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if v := p.Check(context.Background(), st, tr, DefaultLimits()); !v.Pass {
			b.Fatal(v)
		}
	}
}

// TestToStarlarkMatchesJSONDecode checks the direct conversion of
// JSON-shaped values against the json module's decoding of their JSON.
func TestToStarlarkMatchesJSONDecode(t *testing.T) {
	cases := []struct {
		name string
		v    any
	}{
		{"nil", nil},
		{"bool", true},
		{"string", "héllo \"x\""},
		{"integral float", 3.0},
		{"negative zero", math.Copysign(0, -1)},
		{"fraction", 2.5},
		{"small", 1e-7},
		{"large integral", 1e20},
		{"beyond int64", 5e19},
		{"exponent form", 1e21},
		{"int", 7},
		{"int64", int64(-9)},
		{"list", []any{1.0, "a", nil, []any{false}}},
		{"dict key order", map[string]any{"b": 1.0, "a": map[string]any{"z": 2.5, "y": nil}, "c": []any{}}},
		{"struct fallback", struct {
			A int    `json:"a"`
			B string `json:"b"`
		}{1, "x"}},
		{"typed slice fallback", []string{"x", "y"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := toStarlark(c.v)
			if err != nil {
				t.Fatal(err)
			}
			want, err := viaJSON(c.v)
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() || got.Type() != want.Type() {
				t.Fatalf("toStarlark(%#v) = %s (%s), json.decode gives %s (%s)", c.v, got, got.Type(), want, want.Type())
			}
		})
	}
	if _, err := toStarlark(math.NaN()); err == nil {
		t.Fatal("NaN converted without error")
	}
}
