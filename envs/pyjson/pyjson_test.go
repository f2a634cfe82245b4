package pyjson

import (
	"encoding/json"
	"testing"
)

var pointOne = 0.1

func TestFormatFloat(t *testing.T) {
	cases := []struct {
		in   float64
		want string
	}{
		{0, "0.0"}, {1, "1.0"}, {100, "100.0"}, {0.1, "0.1"}, {1234.5, "1234.5"},
		{-2.5, "-2.5"}, {1e-05, "1e-05"}, {0.0001, "0.0001"}, {1e16, "1e+16"},
		{123456789012345.0, "123456789012345.0"}, {1.5e16, "1.5e+16"}, {pointOne + 0.2, "0.30000000000000004"},
	}
	for _, c := range cases {
		if got := FormatFloat(c.in); got != c.want {
			t.Errorf("FormatFloat(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestRound(t *testing.T) {
	cases := []struct {
		in   float64
		n    int
		want float64
	}{{2.675, 2, 2.67}, {0.125, 2, 0.12}, {0.375, 2, 0.38}, {1.005, 2, 1.0}, {10.0 / 3, 2, 3.33}}
	for _, c := range cases {
		if got := Round(c.in, c.n); got != c.want {
			t.Errorf("Round(%v,%d) = %v, want %v", c.in, c.n, got, c.want)
		}
	}
}

type inner struct {
	B float64 `json:"b"`
	A *int    `json:"a"`
}

type outer struct {
	Name  string              `json:"name"`
	Items []inner             `json:"items"`
	Tags  []string            `json:"tags"`
	Dict  OrderedMap[float64] `json:"dict"`
	Skip  int                 `json:"-"`
}

func TestMarshal(t *testing.T) {
	var o outer
	if err := json.Unmarshal([]byte(`{"name":"café \"x\"\n<&>","items":[{"b":3,"a":null}],"dict":{"z":1,"a":2.5}}`), &o); err != nil {
		t.Fatal(err)
	}
	got := MustMarshal(o)
	want := `{"name": "caf\u00e9 \"x\"\n<&>", "items": [{"b": 3.0, "a": null}], "tags": [], "dict": {"z": 1.0, "a": 2.5}}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestReencode(t *testing.T) {
	got := MustMarshal(json.RawMessage(`{"b":[1,2.0,"😀"],"a":{"x":null,"y":true}}`))
	want := `{"b": [1, 2.0, "\ud83d\ude00"], "a": {"x": null, "y": true}}`
	if got != want {
		t.Errorf("got %s want %s", got, want)
	}
}

func TestOrderedMapDelete(t *testing.T) {
	var m OrderedMap[int]
	m.Set("a", 1)
	m.Set("b", 2)
	m.Set("c", 3)
	c := m.Clone()
	m.Delete("b")
	m.Set("a", 9)
	if got := MustMarshal(m); got != `{"a": 9, "c": 3}` {
		t.Errorf("got %s", got)
	}
	if got := MustMarshal(c); got != `{"a": 1, "b": 2, "c": 3}` {
		t.Errorf("clone changed: %s", got)
	}
}
