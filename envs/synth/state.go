package synth

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/checker"
	"github.com/eigendata/eigendata/envs/pyjson"
)

// table is one envs.Table field of a domain state, reached by reflection
// so that every domain's state (airline, retail, telecom, generated) works.
type table struct {
	name string
	keys func() []string
	// get returns the record, its identity (the pointer the table hands
	// out, shared between clones until the record is written) and whether
	// it exists.
	get func(key string) (any, uintptr, bool)
}

// tablesOf lists the tables of st: the fields of its struct that have
// Keys() []string and Get(string) (*T, bool) methods, named by json tag.
func tablesOf(st envs.State) []table {
	v := reflect.ValueOf(st)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	v = v.Elem()
	var out []table
	for i := 0; i < v.NumField(); i++ {
		sf := v.Type().Field(i)
		if !sf.IsExported() {
			continue
		}
		f := v.Field(i).Addr()
		keysM, getM := f.MethodByName("Keys"), f.MethodByName("Get")
		if !keysM.IsValid() || !getM.IsValid() || keysM.Type().NumIn() != 0 || getM.Type().NumIn() != 1 ||
			getM.Type().NumOut() != 2 || getM.Type().Out(0).Kind() != reflect.Pointer {
			continue
		}
		name := strings.Split(sf.Tag.Get("json"), ",")[0]
		if name == "" {
			name = sf.Name
		}
		out = append(out, table{
			name: name,
			keys: func() []string { return keysM.Call(nil)[0].Interface().([]string) },
			get: func(key string) (any, uintptr, bool) {
				r := getM.Call([]reflect.Value{reflect.ValueOf(key)})
				if !r[1].Bool() {
					return nil, 0, false
				}
				return r[0].Interface(), r[0].Pointer(), true
			},
		})
	}
	return out
}

// StateTables exposes a domain state to checkers table by table, each
// record encoded as the domain's JSON dump encodes it (field order kept).
func StateTables(st envs.State) checker.Tables {
	ts := tablesOf(st)
	byName := make(map[string]table, len(ts))
	names := make([]string, len(ts))
	for i, t := range ts {
		byName[t.name], names[i] = t, t.name
	}
	return &stateTables{names: names, byName: byName}
}

type stateTables struct {
	names  []string
	byName map[string]table
}

func (s *stateTables) TableNames() []string { return s.names }

func (s *stateTables) TableKeys(name string) []string {
	t, ok := s.byName[name]
	if !ok {
		return nil
	}
	return t.keys()
}

func (s *stateTables) Record(name, key string) (any, bool) {
	t, ok := s.byName[name]
	if !ok {
		return nil, false
	}
	rec, _, ok := t.get(key)
	if !ok {
		return nil, false
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return nil, false
	}
	return json.RawMessage(b), true
}

// RecordJSON returns one record of st as JSON.
func RecordJSON(st envs.State, table, key string) (json.RawMessage, bool) {
	rec, ok := StateTables(st).Record(table, key)
	if !ok {
		return nil, false
	}
	return rec.(json.RawMessage), true
}

// Change is one field-level difference between two states. Field is ""
// when a whole record was added (Old is null) or removed (New is null).
type Change struct {
	Table string          `json:"table"`
	Key   string          `json:"key"`
	Field string          `json:"field,omitempty"`
	Old   json.RawMessage `json:"old"`
	New   json.RawMessage `json:"new"`
}

// Path returns "table/key.field".
func (c Change) Path() string {
	if c.Field == "" {
		return c.Table + "/" + c.Key
	}
	return c.Table + "/" + c.Key + "." + c.Field
}

func null() json.RawMessage { return json.RawMessage("null") }

// Diff lists the field-level differences from before to after (two states
// of one domain, typically the initial state and a clone changed by
// tools). Records the two states still share are skipped without being
// encoded, so a diff costs in proportion to what changed.
func Diff(before, after envs.State) []Change {
	bt, at := tablesOf(before), tablesOf(after)
	var out []Change
	for i := range at {
		if i >= len(bt) || bt[i].name != at[i].name {
			continue
		}
		b, a := bt[i], at[i]
		seen := map[string]bool{}
		for _, k := range a.keys() {
			seen[k] = true
			ar, ap, _ := a.get(k)
			br, bp, ok := b.get(k)
			if !ok {
				out = append(out, Change{Table: a.name, Key: k, Old: null(), New: mustJSON(ar)})
				continue
			}
			if ap == bp {
				continue
			}
			out = append(out, recordDiff(a.name, k, mustJSON(br), mustJSON(ar))...)
		}
		for _, k := range b.keys() {
			if !seen[k] {
				br, _, _ := b.get(k)
				out = append(out, Change{Table: a.name, Key: k, Old: mustJSON(br), New: null()})
			}
		}
	}
	return out
}

// recordDiff compares two encodings of one record field by field.
func recordDiff(tab, key string, before, after json.RawMessage) []Change {
	if bytes.Equal(before, after) {
		return nil
	}
	var bm, am pyjson.OrderedMap[json.RawMessage]
	if json.Unmarshal(before, &bm) != nil || json.Unmarshal(after, &am) != nil {
		return []Change{{Table: tab, Key: key, Old: before, New: after}}
	}
	var out []Change
	for _, f := range am.Keys() {
		nv, _ := am.Get(f)
		ov, ok := bm.Get(f)
		if !ok {
			ov = null()
		}
		if !bytes.Equal(ov, nv) {
			out = append(out, Change{Table: tab, Key: key, Field: f, Old: ov, New: nv})
		}
	}
	for _, f := range bm.Keys() {
		if _, ok := am.Get(f); !ok {
			ov, _ := bm.Get(f)
			out = append(out, Change{Table: tab, Key: key, Field: f, Old: ov, New: null()})
		}
	}
	return out
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return null()
	}
	return b
}

// Transcript renders messages as checkers read them: a list of dicts with
// role, content, and tool_calls [{id, name, arguments}] for messages that
// call tools; tool messages also carry id (the call's), name (the tool's),
// output (= content), error and requestor.
func Transcript(msgs []envs.Message) []any {
	names := map[string]string{}
	out := make([]any, 0, len(msgs))
	for _, m := range msgs {
		e := map[string]any{"role": string(m.Role), "content": m.Content}
		if len(m.ToolCalls) > 0 {
			calls := make([]any, 0, len(m.ToolCalls))
			for _, tc := range m.ToolCalls {
				names[tc.ID] = tc.Name
				var args any
				if json.Unmarshal(tc.Arguments, &args) != nil {
					args = string(tc.Arguments)
				}
				calls = append(calls, map[string]any{"id": tc.ID, "name": tc.Name, "arguments": args, "requestor": string(tc.Requestor)})
			}
			e["tool_calls"] = calls
		}
		if m.Role == envs.RoleTool {
			e["id"], e["name"], e["output"], e["error"], e["requestor"] = m.ID, names[m.ID], m.Content, m.Error, string(m.Requestor)
		}
		out = append(out, e)
	}
	return out
}
