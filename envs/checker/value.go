package checker

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"slices"
	"strings"

	"go.starlark.net/starlark"
)

// Tables is a database exposed table by table. A checker's state built
// from Tables converts a record to Starlark only when the checker reads
// it, so a check that looks at three records of a large database costs
// three conversions, not one of the whole database.
type Tables interface {
	// TableNames lists the tables, in a stable order.
	TableNames() []string
	// TableKeys lists a table's record keys, in a stable order (nil for an
	// unknown table).
	TableKeys(table string) []string
	// Record returns one record: JSON text (json.RawMessage or []byte),
	// JSON-shaped Go values, or any value encoding/json can encode.
	Record(table, key string) (any, bool)
}

// ToValue converts a Go value to a frozen Starlark value: JSON text
// (json.RawMessage, []byte) keeps its object key order; nil, bools,
// strings, numbers (integral float64 and integer json.Number become int),
// []any and map[string]any (keys sorted) map directly; a starlark.Value is
// returned as it is; Tables becomes a lazily converted read-only state
// mapping; anything else goes through encoding/json. Values nested deeper
// than maxDepth are rejected (0 means DefaultLimits().MaxDepth).
func ToValue(v any, maxDepth int) (starlark.Value, error) {
	if maxDepth <= 0 {
		maxDepth = DefaultLimits().MaxDepth
	}
	c := &converter{maxDepth: maxDepth}
	out, err := c.value(v, 0)
	if err != nil {
		return nil, err
	}
	out.Freeze()
	return out, nil
}

// FromJSON decodes JSON text into a frozen Starlark value, keeping object
// key order; integers become int, other numbers float.
func FromJSON(b []byte, maxDepth int) (starlark.Value, error) {
	return ToValue(json.RawMessage(b), maxDepth)
}

type converter struct {
	maxDepth int
}

func (c *converter) depthErr() error {
	return &limitError{kind: FailDepth, msg: fmt.Sprintf("input nested deeper than %d levels", c.maxDepth)}
}

func (c *converter) value(v any, depth int) (starlark.Value, error) {
	if depth > c.maxDepth {
		return nil, c.depthErr()
	}
	switch x := v.(type) {
	case nil:
		return starlark.None, nil
	case starlark.Value:
		return x, nil
	case Tables:
		return newLazyState(x, c), nil
	case bool:
		return starlark.Bool(x), nil
	case string:
		return starlark.String(x), nil
	case int:
		return starlark.MakeInt(x), nil
	case int64:
		return starlark.MakeInt64(x), nil
	case int32:
		return starlark.MakeInt64(int64(x)), nil
	case uint64:
		return starlark.MakeUint64(x), nil
	case float32:
		return floatValue(float64(x)), nil
	case float64:
		return floatValue(x), nil
	case json.Number:
		return numberValue(string(x))
	case json.RawMessage:
		return c.decode(x, depth)
	case []byte:
		return c.decode(x, depth)
	case []any:
		elems := make([]starlark.Value, len(x))
		for i, e := range x {
			ev, err := c.value(e, depth+1)
			if err != nil {
				return nil, err
			}
			elems[i] = ev
		}
		return starlark.NewList(elems), nil
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		d := starlark.NewDict(len(keys))
		for _, k := range keys {
			ev, err := c.value(x[k], depth+1)
			if err != nil {
				return nil, err
			}
			if err := d.SetKey(starlark.String(k), ev); err != nil {
				return nil, err
			}
		}
		return d, nil
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
		return starlark.None, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding %T: %w", v, err)
	}
	return c.decode(b, depth)
}

// floatValue maps an integral float64 (as encoding/json produces for JSON
// integers) to an int, anything else to a float.
func floatValue(f float64) starlark.Value {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return starlark.MakeInt64(int64(f))
	}
	return starlark.Float(f)
}

func numberValue(s string) (starlark.Value, error) {
	if !strings.ContainsAny(s, ".eE") {
		if i, ok := new(big.Int).SetString(s, 10); ok {
			return starlark.MakeBigInt(i), nil
		}
	}
	var f float64
	if _, err := fmt.Sscan(s, &f); err != nil {
		return nil, fmt.Errorf("bad number %q", s)
	}
	return starlark.Float(f), nil
}

// decode parses JSON text with a streaming decoder, keeping key order.
func (c *converter) decode(b []byte, depth int) (starlark.Value, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := c.decodeValue(dec, depth)
	if err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after JSON value")
	}
	return v, nil
}

func (c *converter) decodeValue(dec *json.Decoder, depth int) (starlark.Value, error) {
	if depth > c.maxDepth {
		return nil, c.depthErr()
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("decoding JSON: %w", err)
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '[':
			var elems []starlark.Value
			for dec.More() {
				e, err := c.decodeValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				elems = append(elems, e)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return starlark.NewList(elems), nil
		case '{':
			d := starlark.NewDict(8)
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				e, err := c.decodeValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				if err := d.SetKey(starlark.String(k), e); err != nil {
					return nil, err
				}
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return d, nil
		}
		return nil, fmt.Errorf("unexpected %v in JSON", t)
	case nil:
		return starlark.None, nil
	case bool:
		return starlark.Bool(t), nil
	case string:
		return starlark.String(t), nil
	case json.Number:
		return numberValue(string(t))
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

// lazyState is the checker's read-only view of Tables: a mapping from
// table name to lazyTable.
type lazyState struct {
	src    Tables
	conv   *converter
	tables map[string]*lazyTable
}

func newLazyState(src Tables, c *converter) *lazyState {
	return &lazyState{src: src, conv: c, tables: map[string]*lazyTable{}}
}

var (
	_ starlark.IterableMapping = (*lazyState)(nil)
	_ starlark.Sequence        = (*lazyState)(nil)
	_ starlark.HasAttrs        = (*lazyState)(nil)
	_ starlark.IterableMapping = (*lazyTable)(nil)
	_ starlark.Sequence        = (*lazyTable)(nil)
	_ starlark.HasAttrs        = (*lazyTable)(nil)
)

func (s *lazyState) String() string {
	return "<state: " + strings.Join(s.src.TableNames(), ", ") + ">"
}
func (s *lazyState) Type() string          { return "state" }
func (s *lazyState) Freeze()               {}
func (s *lazyState) Truth() starlark.Bool  { return true }
func (s *lazyState) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: state") }
func (s *lazyState) Len() int              { return len(s.src.TableNames()) }
func (s *lazyState) Iterate() starlark.Iterator {
	return &keyIter{keys: s.src.TableNames()}
}

func (s *lazyState) table(name string) (*lazyTable, bool) {
	if t, ok := s.tables[name]; ok {
		return t, true
	}
	if !slices.Contains(s.src.TableNames(), name) {
		return nil, false
	}
	t := &lazyTable{name: name, src: s.src, conv: s.conv, cache: map[string]starlark.Value{}}
	s.tables[name] = t
	return t, true
}

func (s *lazyState) Get(k starlark.Value) (starlark.Value, bool, error) {
	name, ok := k.(starlark.String)
	if !ok {
		return nil, false, nil
	}
	t, ok := s.table(string(name))
	if !ok {
		return nil, false, nil
	}
	return t, true, nil
}

func (s *lazyState) Items() []starlark.Tuple {
	var out []starlark.Tuple
	for _, n := range s.src.TableNames() {
		t, _ := s.table(n)
		out = append(out, starlark.Tuple{starlark.String(n), t})
	}
	return out
}

func (s *lazyState) Attr(name string) (starlark.Value, error) { return mappingAttr(s, name) }
func (s *lazyState) AttrNames() []string                     { return mappingAttrNames() }

// lazyTable is one table of a lazyState: a mapping from record key to the
// record, converted on first access and cached for the run.
type lazyTable struct {
	name  string
	src   Tables
	conv  *converter
	cache map[string]starlark.Value
	keys  []string
}

func (t *lazyTable) String() string {
	return fmt.Sprintf("<table %s: %d records>", t.name, t.Len())
}
func (t *lazyTable) Type() string          { return "table" }
func (t *lazyTable) Freeze()               {}
func (t *lazyTable) Truth() starlark.Bool  { return t.Len() > 0 }
func (t *lazyTable) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: table") }

func (t *lazyTable) keyList() []string {
	if t.keys == nil {
		t.keys = t.src.TableKeys(t.name)
		if t.keys == nil {
			t.keys = []string{}
		}
	}
	return t.keys
}

func (t *lazyTable) Len() int                   { return len(t.keyList()) }
func (t *lazyTable) Iterate() starlark.Iterator { return &keyIter{keys: t.keyList()} }

func (t *lazyTable) record(key string) (starlark.Value, bool, error) {
	if v, ok := t.cache[key]; ok {
		return v, true, nil
	}
	raw, ok := t.src.Record(t.name, key)
	if !ok {
		return nil, false, nil
	}
	v, err := t.conv.value(raw, 2)
	if err != nil {
		return nil, false, fmt.Errorf("record %s[%q]: %w", t.name, key, err)
	}
	v.Freeze()
	t.cache[key] = v
	return v, true, nil
}

func (t *lazyTable) Get(k starlark.Value) (starlark.Value, bool, error) {
	key, ok := k.(starlark.String)
	if !ok {
		return nil, false, nil
	}
	return t.record(string(key))
}

func (t *lazyTable) Items() []starlark.Tuple {
	out := make([]starlark.Tuple, 0, t.Len())
	for _, k := range t.keyList() {
		v, ok, err := t.record(k)
		if err != nil || !ok {
			continue
		}
		out = append(out, starlark.Tuple{starlark.String(k), v})
	}
	return out
}

func (t *lazyTable) Attr(name string) (starlark.Value, error) { return mappingAttr(t, name) }
func (t *lazyTable) AttrNames() []string                     { return mappingAttrNames() }

// keyIter iterates over string keys.
type keyIter struct {
	keys []string
	i    int
}

func (it *keyIter) Next(p *starlark.Value) bool {
	if it.i >= len(it.keys) {
		return false
	}
	*p = starlark.String(it.keys[it.i])
	it.i++
	return true
}

func (it *keyIter) Done() {}

func mappingAttrNames() []string { return []string{"get", "items", "keys", "values"} }

// mappingAttr gives the lazy mappings dict's read-only methods.
func mappingAttr(m starlark.IterableMapping, name string) (starlark.Value, error) {
	var fn func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error)
	switch name {
	case "get":
		fn = func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var key starlark.Value
			var dflt starlark.Value = starlark.None
			if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &key, &dflt); err != nil {
				return nil, err
			}
			v, found, err := m.Get(key)
			if err != nil {
				return nil, err
			}
			if !found {
				return dflt, nil
			}
			return v, nil
		}
	case "keys", "values", "items":
		fn = func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0); err != nil {
				return nil, err
			}
			if name == "keys" {
				var out []starlark.Value
				it := m.Iterate()
				defer it.Done()
				var k starlark.Value
				for it.Next(&k) {
					out = append(out, k)
				}
				return starlark.NewList(out), nil
			}
			items := m.Items()
			out := make([]starlark.Value, len(items))
			for i, it := range items {
				switch name {
				case "keys":
					out[i] = it[0]
				case "values":
					out[i] = it[1]
				default:
					out[i] = it
				}
			}
			return starlark.NewList(out), nil
		}
	default:
		return nil, nil
	}
	return starlark.NewBuiltin(name, fn).BindReceiver(m), nil
}
