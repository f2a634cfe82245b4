package telecom

import (
	"encoding/json"
	"testing"

	"github.com/eigendata/eigendata/envs/pyjson"
)

func TestTOML(t *testing.T) {
	src := `# comment
title = "a \"q\" \u00e9" # trailing
n = 42
f = 5.0
neg = -1.5e-3
yes = true
list = ["a", 'b',
  "c", ]
empty = []

[t.sub]
k = 1

[[items]]
id = "x"
[items.addr]
city = "X"
[[items.tags]]
v = 1

[[items]]
id = "y"
`
	got, err := tomlToJSON(src)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"title":"a \"q\" \u00e9","n":42,"f":5.0,"neg":-0.0015,"yes":true,"list":["a","b","c"],"empty":[],"t":{"sub":{"k":1}},"items":[{"id":"x","addr":{"city":"X"},"tags":[{"v":1}]},{"id":"y"}]}`
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if !json.Valid(got) {
		t.Fatal("invalid JSON")
	}
	for _, bad := range []string{`a = `, `a = "x`, `a = 1 b`, `[t`, "a = 1\na = 2", `a = {x = 1}`, "a = 1\n[a]"} {
		if _, err := tomlToJSON(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestNumber(t *testing.T) {
	for _, c := range []struct{ in, str, typ, js string }{
		{"15", "15", "int", "15"}, {"15.0", "15.0", "float", "15.0"}, {"1e2", "100.0", "float", "100.0"},
		{"-0.5", "-0.5", "float", "-0.5"}, {"true", "True", "bool", "true"}, {`"2"`, "<str>", "str", ""}, {"null", "<NoneType>", "NoneType", ""},
	} {
		var n Number
		if err := json.Unmarshal([]byte(c.in), &n); err != nil {
			t.Fatal(err)
		}
		if n.String() != c.str || n.PyType() != c.typ {
			t.Errorf("%s: str %q type %q", c.in, n.String(), n.PyType())
		}
		b, err := json.Marshal(n)
		if err != nil {
			t.Fatal(err)
		}
		var back Number
		if err := json.Unmarshal(b, &back); err != nil || back != n {
			t.Errorf("%s: round trip %s -> %+v (%v)", c.in, b, back, err)
		}
		if c.js != "" && n.IsNumber() {
			if s, err := pyjson.Marshal(n); err != nil || s != c.js {
				t.Errorf("%s: pyjson %q %v", c.in, s, err)
			}
		}
	}
}
