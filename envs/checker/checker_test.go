package checker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.starlark.net/starlark"
)

// fakeTables is an in-memory Tables that counts record conversions.
type fakeTables struct {
	names []string
	keys  map[string][]string
	recs  map[string]map[string]json.RawMessage
	read  map[string]bool
}

func (f *fakeTables) TableNames() []string            { return f.names }
func (f *fakeTables) TableKeys(table string) []string { return f.keys[table] }
func (f *fakeTables) Record(table, key string) (any, bool) {
	r, ok := f.recs[table][key]
	if ok {
		if f.read == nil {
			f.read = map[string]bool{}
		}
		f.read[table+"/"+key] = true
	}
	return r, ok
}

func sampleTables(status string) *fakeTables {
	return &fakeTables{
		names: []string{"users", "reservations"},
		keys:  map[string][]string{"users": {"u1"}, "reservations": {"R1", "R2"}},
		recs: map[string]map[string]json.RawMessage{
			"users": {"u1": json.RawMessage(`{"user_id":"u1","name":{"first_name":"Ava","last_name":"Kim"},"payment_methods":{"gift_card_1":{"id":"gift_card_1","amount":120.5}}}`)},
			"reservations": {
				"R1": json.RawMessage(fmt.Sprintf(`{"reservation_id":"R1","status":%q,"total_baggages":2,"payment_history":[{"payment_id":"gift_card_1","amount":300},{"payment_id":"gift_card_1","amount":-300}]}`, status)),
				"R2": json.RawMessage(`{"reservation_id":"R2","status":null,"total_baggages":0,"payment_history":[]}`),
			},
		},
	}
}

func sampleTranscript() []any {
	return []any{
		map[string]any{"role": "user", "content": "Please cancel R1, my user id is u1."},
		map[string]any{"role": "assistant", "content": "", "tool_calls": []any{map[string]any{"name": "cancel_reservation", "arguments": map[string]any{"reservation_id": "R1"}}}},
		map[string]any{"role": "tool", "content": "{}", "output": "{}", "name": "cancel_reservation", "error": false},
		map[string]any{"role": "assistant", "content": "Done: a refund of $1,300 goes to your gift card."},
	}
}

const goodChecker = `
def check(state, transcript):
    r = state["reservations"]["R1"]
    if r["status"] != "cancelled":
        return (False, "R1 is %s, want cancelled" % r["status"])
    if not said(transcript, "1300"):
        return (False, "refund not communicated")
    if len(tool_calls(transcript, "cancel_reservation")) != 1:
        return (False, "want one cancel call")
    return (True, "ok")
`

func TestCheckVerdicts(t *testing.T) {
	p, err := Compile("good", goodChecker)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		state  any
		pass   bool
		reason string
	}{
		{"lazy cancelled", sampleTables("cancelled"), true, "ok"},
		{"lazy active", sampleTables("active"), false, "R1 is active, want cancelled"},
		{"json cancelled", json.RawMessage(`{"reservations":{"R1":{"status":"cancelled"}}}`), true, "ok"},
		{"map active", map[string]any{"reservations": map[string]any{"R1": map[string]any{"status": "active"}}}, false, "R1 is active, want cancelled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := p.Check(context.Background(), tc.state, sampleTranscript(), DefaultLimits())
			if v.Err != "" || v.Pass != tc.pass || v.Reason != tc.reason {
				t.Fatalf("verdict %+v, want pass=%v reason=%q", v, tc.pass, tc.reason)
			}
			if v.Steps == 0 {
				t.Errorf("no steps counted")
			}
		})
	}
}

func TestResultForms(t *testing.T) {
	for _, tc := range []struct {
		ret    string
		pass   bool
		reason string
		err    string
	}{
		{`(True, "fine")`, true, "fine", ""},
		{`(False, "nope")`, false, "nope", ""},
		{`[True, "list"]`, true, "list", ""},
		{`True`, true, "", ""},
		{`(False,)`, false, "", ""},
		{`(True, None)`, true, "", ""},
		{`{"pass": True, "reason": "dict"}`, true, "dict", ""},
		{`{"pass": False}`, false, "", ""},
		{`42`, false, "", FailResult},
		{`("yes", "r")`, false, "", FailResult},
		{`(True, 3)`, false, "", FailResult},
		{`(True, "a", "b")`, false, "", FailResult},
		{`{"reason": "no pass"}`, false, "", FailResult},
		{`None`, false, "", FailResult},
	} {
		t.Run(tc.ret, func(t *testing.T) {
			v := Run(context.Background(), "r", "def check(s, t):\n    return "+tc.ret+"\n", nil, nil, Limits{})
			if tc.err != "" {
				if !v.Failed(tc.err) || v.Pass {
					t.Fatalf("verdict %+v, want %s", v, tc.err)
				}
				return
			}
			if v.Err != "" || v.Pass != tc.pass || v.Reason != tc.reason {
				t.Fatalf("verdict %+v, want pass=%v reason=%q", v, tc.pass, tc.reason)
			}
		})
	}
}

func TestCompileRejects(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"syntax", "def check(state, transcript)\n  return True", "syntax error"},
		{"load", "load('x.star', 'y')\ndef check(s, t):\n    return (True, '')", "load() is not allowed"},
		{"no check", "def other(s, t):\n    return (True, '')", "no top-level def check"},
		{"one param", "def check(s):\n    return (True, '')", "exactly two parameters"},
		{"default param", "def check(s, t=1):\n    return (True, '')", "plain names"},
		{"unknown builtin", "def check(s, t):\n    return open('/etc/passwd')", "undefined: open"},
		{"too big", "def check(s, t):\n    return True\n" + strings.Repeat("#", MaxSourceBytes), "limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compile(tc.name, tc.src)
			if err == nil || !errors.Is(err, ErrCompile) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an ErrCompile containing %q", err, tc.want)
			}
		})
	}
}

// TestGuardsKeepSemantics checks that the rewritten operators and methods
// compute what Starlark computes.
func TestGuardsKeepSemantics(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{`3 * 4`, `12`},
		{`2.5 * 2`, `5.0`},
		{`"ab" * 3`, `"ababab"`},
		{`3 * "ab"`, `"ababab"`},
		{`[1, 2] * 2`, `[1, 2, 1, 2]`},
		{`(1,) * 0`, `()`},
		{`"x" * -1`, `""`},
		{`7 % 3`, `1`},
		{`"%d-%s" % (7, "a")`, `"7-a"`},
		{`"%(k)s!" % {"k": "v"}`, `"v!"`},
		{`",".join(["a", "b", "c"])`, `"a,b,c"`},
		{`"aXbX".replace("X", "-")`, `"a-b-"`},
		{`"aXbX".replace("X", "-", 1)`, `"a-bX"`},
		{`"{}+{}={x}".format(1, 2, x=3)`, `"1+2=3"`},
		{`[1, 2, 3].index(2)`, `1`},
		{`str([1, "a"])`, `"[1, \"a\"]"`},
		{`repr("a")`, `"\"a\""`},
		{`json.encode({"a": [1, 2.5, None]})`, `"{\"a\":[1,2.5,null]}"`},
		{`json.decode("[1, {\"b\": true}]")`, `[1, {"b": True}]`},
		{`len(range(5))`, `5`},
		{`get({"a": [{"b": 4}]}, "a.0.b")`, `4`},
		{`get({"a": [{"b": 4}]}, ["a", -1, "b"])`, `4`},
		{`get({"a": 1}, "a.b.c", "none")`, `"none"`},
		{`find([{"k": 1}, {"k": 2, "v": "x"}], "k", 2)`, `{"k": 2, "v": "x"}`},
		{`find([{"k": 1}], "k", 3)`, `None`},
		{`len(find_all([{"k": 1}, {"k": 1}, {"k": 2}], "k", 1))`, `2`},
		{`contains("Refund of $1,300.50", "1300.50")`, `True`},
		{`contains("abc", "abd")`, `False`},
		{`approx(0.1 + 0.2, 0.3)`, `True`},
		{`approx(1, 1.5)`, `False`},
		{`digest({"b": 1, "a": [1.0, "x"]}) == digest({"a": [1, "x"], "b": 1.0})`, `True`},
		{`digest({"a": 1}) == digest({"a": 2})`, `False`},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			src := fmt.Sprintf("def check(s, t):\n    x = 5\n    x *= 2\n    y = 17\n    y %%= 5\n    if x != 10 or y != 2:\n        return (False, 'augmented')\n    return (True, repr(%s))\n", tc.expr)
			v := Run(context.Background(), "sem", src, nil, nil, Limits{})
			if v.Err != "" || !v.Pass || v.Reason != tc.want {
				t.Fatalf("verdict %+v, want %s", v, tc.want)
			}
		})
	}
}

func TestLazyState(t *testing.T) {
	src := `
def check(state, transcript):
    names = [n for n in state]
    keys = sorted(state["reservations"].keys())
    u = state.get("users").get("u1")
    missing = state["reservations"].get("NOPE", "dflt")
    has = "R2" in state["reservations"] and not ("R9" in state["reservations"])
    return (True, "%s|%s|%s|%s|%s|%d" % (names, keys, u["name"]["first_name"], missing, has, len(state["reservations"])))
`
	tabs := sampleTables("cancelled")
	v := Run(context.Background(), "lazy", src, tabs, nil, Limits{})
	want := `["users", "reservations"]|["R1", "R2"]|Ava|dflt|True|2`
	if v.Err != "" || v.Reason != want {
		t.Fatalf("verdict %+v, want %q", v, want)
	}
	if len(tabs.read) != 2 || !tabs.read["users/u1"] || !tabs.read["reservations/R2"] {
		t.Errorf("records converted: %v, want only users/u1 and reservations/R2", tabs.read)
	}
	// The state is read-only.
	v = Run(context.Background(), "mut", "def check(s, t):\n    s['users']['u1']['x'] = 1\n    return True\n", sampleTables("x"), nil, Limits{})
	if !v.Failed(FailRuntime) || !strings.Contains(v.Err, "frozen") {
		t.Errorf("mutating the state: %+v", v)
	}
}

func TestToValue(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   any
		want string
	}{
		{"ordered json", json.RawMessage(`{"z":1,"a":[true,null,1.5,2.0,"s"]}`), `{"z": 1, "a": [True, None, 1.5, 2.0, "s"]}`},
		{"big int", json.RawMessage(`123456789012345678901234567890`), `123456789012345678901234567890`},
		{"go map sorted", map[string]any{"b": 2.0, "a": 1.5}, `{"a": 1.5, "b": 2}`},
		{"struct", struct {
			X int    `json:"x"`
			Y string `json:"y"`
		}{1, "q"}, `{"x": 1, "y": "q"}`},
		{"nil pointer", (*int)(nil), `None`},
		{"number", json.Number("3"), `3`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := ToValue(tc.in, 0)
			if err != nil {
				t.Fatal(err)
			}
			if v.String() != tc.want {
				t.Fatalf("got %s, want %s", v, tc.want)
			}
		})
	}
	deep := strings.Repeat("[", 300) + strings.Repeat("]", 300)
	if _, err := FromJSON([]byte(deep), 200); err == nil || !strings.Contains(err.Error(), "deeper than 200") {
		t.Errorf("deep input: %v", err)
	}
	v := Run(context.Background(), "deep", "def check(s, t):\n    return True\n", json.RawMessage(deep), nil, Limits{})
	if !v.Failed(FailDepth) {
		t.Errorf("deep state verdict %+v", v)
	}
}

func TestPrintLog(t *testing.T) {
	v := Run(context.Background(), "p", "def check(s, t):\n    print('hello', 42, sep='-')\n    for i in range(1000):\n        print('x' * 100)\n    return True\n", nil, nil, Limits{})
	if v.Err != "" || !strings.HasPrefix(v.Log, "hello-42\n") || len(v.Log) > maxLogBytes {
		t.Fatalf("verdict %+v (log %d bytes)", v.Err, len(v.Log))
	}
}

func TestConcurrentChecks(t *testing.T) {
	p, err := Compile("good", goodChecker)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 32)
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			status := "cancelled"
			if i%2 == 1 {
				status = "active"
			}
			v := p.Check(context.Background(), sampleTables(status), sampleTranscript(), DefaultLimits())
			if v.Err != "" || v.Pass != (i%2 == 0) {
				errs <- fmt.Sprintf("run %d: %+v", i, v)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// panicky is a state value whose lookups panic, standing for a bug in Go
// code a checker reaches.
type panicky struct{ starlark.Dict }

func (p *panicky) Get(starlark.Value) (starlark.Value, bool, error) { panic("boom in Go") }

// TestHostileCheckers runs each hostile checker as its own case: every one
// must come back, quickly, as a failed verdict with a clear error.
func TestHostileCheckers(t *testing.T) {
	quick := Limits{Timeout: 100 * time.Millisecond}
	for _, tc := range []struct {
		name  string
		src   string
		state any
		ctx   func() (context.Context, context.CancelFunc)
		lim   Limits
		want  string // Fail* kind
		msg   string // and this substring
	}{
		{name: "infinite loop", src: "def check(s, t):\n    while True:\n        pass\n", want: FailSteps},
		{name: "infinite for over growing list", src: "def check(s, t):\n    x = [1]\n    for i in x:\n        x.append(i)\n", want: FailRuntime, msg: "during iteration"},
		{name: "huge string", src: "def check(s, t):\n    x = 'x' * (1 << 40)\n    return (True, '')\n", want: FailMemory, msg: "repeating a string"},
		{name: "huge list", src: "def check(s, t):\n    x = [0] * 1000000000\n    return (True, '')\n", want: FailMemory, msg: "repeating a list"},
		{name: "huge list augmented", src: "def check(s, t):\n    x = [0]\n    x *= 1000000000\n    return (True, '')\n", want: FailMemory},
		{name: "huge range", src: "def check(s, t):\n    return (len(list(range(1000000000))) > 0, '')\n", want: FailMemory, msg: "range"},
		{name: "growing list loop", src: "def check(s, t):\n    x = []\n    while True:\n        x.append('y' * 1000 + str(len(x)))\n", want: FailMemory, msg: "heap grew"},
		{name: "doubling string", src: "def check(s, t):\n    x = 'ab'\n    while True:\n        x = x + x\n", want: FailMemory},
		{name: "integer squaring", src: "def check(s, t):\n    x = 3\n    for i in range(64):\n        x = x * x\n    return (True, '')\n", want: FailMemory, msg: "integer"},
		{name: "join bomb", src: "def check(s, t):\n    return (True, ','.join(['x' * 100000] * 1000))\n", want: FailMemory, msg: "join"},
		{name: "replace bomb", src: "def check(s, t):\n    return (True, ('x' * 100000).replace('', 'y' * 1000))\n", want: FailMemory, msg: "replace"},
		{name: "format bomb", src: "def check(s, t):\n    x = [1]\n    for i in range(40):\n        x = [x, x]\n    return (True, '%s' % (x,))\n", want: FailMemory},
		{name: "str of shared structure", src: "def check(s, t):\n    x = [1]\n    for i in range(60):\n        x = [x, x]\n    return (True, str(x))\n", want: FailMemory, msg: "rendering"},
		{name: "recursion", src: "def f(n):\n    return f(n + 1)\ndef check(s, t):\n    return f(0)\n", want: FailDepth, msg: "called recursively"},
		{name: "mutual recursion", src: "def f(n):\n    return g(n)\ndef g(n):\n    return f(n)\ndef check(s, t):\n    return f(0)\n", want: FailDepth, msg: "recursion"},
		{name: "deep nesting", src: "def check(s, t):\n    x = []\n    for i in range(100000):\n        x = [x]\n    return (True, str(x))\n", want: FailDepth, msg: "nested deeper"},
		{name: "deep json", src: "def check(s, t):\n    return json.decode('[' * 5000 + ']' * 5000)\n", want: FailDepth, msg: "json.decode"},
		{name: "missing builtin", src: "def check(s, t):\n    return open('/etc/passwd')\n", want: FailCompile, msg: "undefined: open"},
		{name: "missing method", src: "def check(s, t):\n    return s.read_file('x')\n", state: sampleTables("x"), want: FailRuntime, msg: "read_file"},
		{name: "missing key", src: "def check(s, t):\n    return s['reservations']['NOPE']['status'] == 'x'\n", state: sampleTables("x"), want: FailRuntime, msg: "NOPE"},
		{name: "fail builtin", src: "def check(s, t):\n    fail('checker gave up')\n", want: FailRuntime, msg: "checker gave up"},
		{name: "wrong return type", src: "def check(s, t):\n    return 42\n", want: FailResult, msg: "int"},
		{name: "wrong tuple", src: "def check(s, t):\n    return ('yes', 'r')\n", want: FailResult},
		{name: "load", src: "load('os.star', 'system')\ndef check(s, t):\n    return True\n", want: FailCompile, msg: "load"},
		{name: "Go-side panic", src: "def check(s, t):\n    return (s['x'] == 1, '')\n", state: &panicky{}, want: FailInternal, msg: "boom in Go"},
		{name: "top-level error", src: "X = 1 // 0\ndef check(s, t):\n    return True\n", want: FailRuntime, msg: "division"},
		{name: "timeout", src: "def check(s, t):\n    n = 0\n    for i in range(1000000):\n        for j in range(1000000):\n            n += 1\n", lim: Limits{MaxSteps: 1 << 62, Timeout: 50 * time.Millisecond}, want: FailTimeout},
		{name: "cancelled context", src: "def check(s, t):\n    return True\n", ctx: func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx, cancel
		}, want: FailCancelled},
		{name: "stuck in a builtin", src: "def check(s, t):\n    x = (1,)\n    for i in range(27):\n        x = (x, x)\n    return ({x: 1} != None, '')\n", lim: Limits{Timeout: 50 * time.Millisecond}, want: FailTimeout, msg: "abandoned"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			if tc.ctx != nil {
				ctx, cancel = tc.ctx()
			}
			defer cancel()
			lim := tc.lim
			if lim == (Limits{}) {
				lim = quick
				lim.Timeout = 5 * time.Second
			}
			start := time.Now()
			v := Run(ctx, tc.name, tc.src, tc.state, sampleTranscript(), lim)
			if v.Pass || !v.Failed(tc.want) || !strings.Contains(v.Err, tc.msg) {
				t.Fatalf("verdict %+v, want failure %q containing %q", v, tc.want, tc.msg)
			}
			if el := time.Since(start); el > 3*time.Second {
				t.Errorf("took %s", el)
			}
		})
	}
}

// BenchmarkCheck times a typical hand-written checker on a lazily
// converted state and reports the median run time.
func BenchmarkCheck(b *testing.B) {
	p, err := Compile("good", goodChecker)
	if err != nil {
		b.Fatal(err)
	}
	tr := sampleTranscript()
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if v := p.Check(context.Background(), sampleTables("cancelled"), tr, DefaultLimits()); !v.Pass {
			b.Fatal(v)
		}
		times = append(times, time.Since(start))
	}
	b.ReportMetric(float64(median(times).Nanoseconds())/1e3, "median-µs")
}

func median(ts []time.Duration) time.Duration {
	s := slices.Clone(ts)
	slices.Sort(s)
	return s[len(s)/2]
}
