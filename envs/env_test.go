package envs

import (
	"encoding/json"
	"errors"
	"testing"
)

type toyRec struct {
	Name  string   `json:"name"`
	Items []string `json:"items"`
}

type toyState struct {
	Recs Table[toyRec]
}

func (s *toyState) Clone() State { return &toyState{Recs: s.Recs.Clone()} }
func (s *toyState) Hash() (string, string) {
	h := s.Recs.Hash()
	return Digest(h[:]), ""
}

func toyDomain() *Domain {
	st := &toyState{}
	if err := json.Unmarshal([]byte(`{"a":{"name":"A","items":["x"]},"b":{"name":"B","items":[]}}`), &st.Recs); err != nil {
		panic(err)
	}
	get := NewTool("get_rec", Read, "Get a record.", `{"properties":{"rec_id":{"type":"string"}},"required":["rec_id"],"title":"parameters","type":"object"}`,
		Bind(func(s *toyState, a struct {
			RecID string `json:"rec_id"`
		}) (any, error) {
			r, ok := s.Recs.Get(a.RecID)
			if !ok {
				return nil, errors.New("Record not found")
			}
			return *r, nil
		}))
	add := NewTool("add_item", Write, "Add an item.", `{"properties":{"rec_id":{"type":"string"},"item":{"type":"string"}},"required":["rec_id","item"],"title":"parameters","type":"object"}`,
		Bind(func(s *toyState, a struct {
			RecID string `json:"rec_id"`
			Item  string `json:"item"`
		}) (any, error) {
			r, ok := s.Recs.Mut(a.RecID)
			if !ok {
				return nil, errors.New("Record not found")
			}
			r.Items = append(r.Items, a.Item)
			return len(r.Items), nil
		}))
	return &Domain{Name: "toy", Policy: "be nice", Agent: &Toolkit{Class: "ToyTools", Tools: []*Tool{get, add}}, Initial: st}
}

func TestEnvCall(t *testing.T) {
	d := toyDomain()
	env := d.NewEnv()
	cases := []struct {
		name, tool, args string
		req              Requestor
		want             string
		isErr            bool
	}{
		{"read", "get_rec", `{"rec_id":"a"}`, Assistant, `{"name": "A", "items": ["x"]}`, false},
		{"not found", "get_rec", `{"rec_id":"z"}`, Assistant, "Error: Record not found", true},
		{"unknown tool", "nope", `{}`, Assistant, "Error: Tool 'nope' not found.", true},
		{"missing arg", "add_item", `{"rec_id":"a"}`, Assistant, "Error: ToyTools.add_item() missing 1 required positional argument: 'item'", true},
		{"missing args", "add_item", `{}`, Assistant, "Error: ToyTools.add_item() missing 2 required positional arguments: 'rec_id' and 'item'", true},
		{"extra arg", "get_rec", `{"rec_id":"a","x":1}`, Assistant, "Error: ToyTools.get_rec() got an unexpected keyword argument 'x'", true},
		{"user side", "get_rec", `{"rec_id":"a"}`, User, "Error: User tools not available", true},
		{"write returns int", "add_item", `{"rec_id":"a","item":"y"}`, Assistant, `"2"`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := env.Call(c.req, c.tool, json.RawMessage(c.args))
			if got.Content != c.want || got.Error != c.isErr {
				t.Errorf("got %q (err=%v), want %q (err=%v)", got.Content, got.Error, c.want, c.isErr)
			}
		})
	}
}

func TestCloneIsolationAndHash(t *testing.T) {
	d := toyDomain()
	h0 := d.NewEnv().StateHash()
	a := d.NewEnv()
	b := a.Clone()
	a.Call(Assistant, "add_item", json.RawMessage(`{"rec_id":"a","item":"q"}`))
	if a.StateHash() == h0 {
		t.Fatal("hash did not change after a write")
	}
	if b.StateHash() != h0 || d.NewEnv().StateHash() != h0 {
		t.Fatal("write leaked into a clone or the initial state")
	}
	b.Call(Assistant, "add_item", json.RawMessage(`{"rec_id":"a","item":"q"}`))
	if a.StateHash() != b.StateHash() {
		t.Fatal("same writes, different hashes")
	}
	r, _ := d.Initial.(*toyState).Recs.Get("a")
	if len(r.Items) != 1 {
		t.Fatalf("initial state mutated: %v", r.Items)
	}
}

func TestRender(t *testing.T) {
	cases := []struct {
		in   any
		want string
	}{
		{"x", "x"}, {true, `"True"`}, {3, `"3"`}, {2.0, `"2.0"`}, {nil, "null"},
		{[]int{1, 2}, `["1", "2"]`},
		{map[string]any{"a": 1.5, "b": false}, `{"a": "1.5", "b": "False"}`},
		{[]toyRec{{Name: "n"}}, `[{"name": "n", "items": []}]`},
	}
	for _, c := range cases {
		got, err := Render(c.in)
		if err != nil || got != c.want {
			t.Errorf("Render(%v) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}
