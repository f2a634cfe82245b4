package pyjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
)

// OrderedMap is a string-keyed map that remembers insertion order, like a
// Python dict. It is the Go type for every dict-valued field of tau2's models
// whose order shows in tool outputs.
type OrderedMap[V any] struct {
	keys []string
	m    map[string]V
}

// Len returns the number of entries.
func (o *OrderedMap[V]) Len() int { return len(o.keys) }

// Keys returns the keys in insertion order. The slice must not be modified.
func (o *OrderedMap[V]) Keys() []string { return o.keys }

// Get returns the value stored under k.
func (o *OrderedMap[V]) Get(k string) (V, bool) {
	v, ok := o.m[k]
	return v, ok
}

// Set stores v under k; a new key goes last, an existing key keeps its place.
func (o *OrderedMap[V]) Set(k string, v V) {
	if o.m == nil {
		o.m = make(map[string]V)
	}
	if _, ok := o.m[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.m[k] = v
}

// Delete removes k, keeping the order of the other keys.
func (o *OrderedMap[V]) Delete(k string) {
	if _, ok := o.m[k]; !ok {
		return
	}
	delete(o.m, k)
	for i, key := range o.keys {
		if key == k {
			o.keys = append(o.keys[:i:i], o.keys[i+1:]...)
			break
		}
	}
}

// Clone returns a copy whose key list and map are independent of o's; the
// values themselves are copied shallowly.
func (o *OrderedMap[V]) Clone() OrderedMap[V] {
	c := OrderedMap[V]{keys: append([]string(nil), o.keys...), m: make(map[string]V, len(o.m))}
	for k, v := range o.m {
		c.m[k] = v
	}
	return c
}

// UnmarshalJSON decodes a JSON object, keeping its key order.
func (o *OrderedMap[V]) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		*o = OrderedMap[V]{}
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("pyjson: expected object, got %v", tok)
	}
	*o = OrderedMap[V]{m: make(map[string]V)}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return err
		}
		var v V
		if err := dec.Decode(&v); err != nil {
			return err
		}
		o.Set(kt.(string), v)
	}
	_, err = dec.Token()
	return err
}

// MarshalJSON encodes the map as a JSON object in insertion order.
func (o OrderedMap[V]) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		buf.Write(kb)
		buf.WriteByte(':')
		vb, err := json.Marshal(o.m[k])
		if err != nil {
			return nil, err
		}
		buf.Write(vb)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// MarshalPyJSON encodes the map in Python style, in insertion order.
func (o OrderedMap[V]) MarshalPyJSON(buf *bytes.Buffer) error {
	buf.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			buf.WriteString(", ")
		}
		WriteString(buf, k)
		buf.WriteString(": ")
		if err := encode(buf, reflect.ValueOf(o.m[k])); err != nil {
			return err
		}
	}
	buf.WriteByte('}')
	return nil
}
