package envs

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"iter"
	"strconv"
)

// Table is a copy-on-write collection of records keyed by string that keeps
// insertion order, as the Python dicts of tau2's databases do. Clone is O(1);
// the first write after a clone copies the key index, and Mut copies only
// the record it returns. Each record's hash is cached, so hashing a table
// after a few writes costs one pass over cached digests.
//
// Get returns a pointer that must be treated as read-only: the record may be
// shared with other clones. Use Mut, Set or Delete to change the table.
type Table[T any] struct {
	keys   []string
	rows   map[string]*row[T]
	token  *int // identifies the rows and index this table owns
	shared bool // keys/rows are shared with a clone and must be copied before writing
	// sum caches Hash until the next write; clones share it while unchanged.
	sum *[32]byte
}

type row[T any] struct {
	v      T
	owner  *int
	hashed bool
	sum    [32]byte
}

// Len returns the number of records.
func (t *Table[T]) Len() int { return len(t.keys) }

// Keys returns the keys in insertion order; the slice must not be modified.
func (t *Table[T]) Keys() []string { return t.keys }

// Get returns the record under k for reading.
func (t *Table[T]) Get(k string) (*T, bool) {
	r, ok := t.rows[k]
	if !ok {
		return nil, false
	}
	return &r.v, true
}

// Has reports whether k is present.
func (t *Table[T]) Has(k string) bool {
	_, ok := t.rows[k]
	return ok
}

// All iterates over the records in insertion order, read-only.
func (t *Table[T]) All() iter.Seq2[string, *T] {
	return func(yield func(string, *T) bool) {
		for _, k := range t.keys {
			if !yield(k, &t.rows[k].v) {
				return
			}
		}
	}
}

func (t *Table[T]) own() {
	if t.token == nil {
		t.token = new(int)
	}
	if t.rows == nil {
		t.rows = make(map[string]*row[T])
	}
	if !t.shared {
		return
	}
	rows := make(map[string]*row[T], len(t.rows))
	for k, r := range t.rows {
		rows[k] = r
	}
	t.rows = rows
	t.keys = append([]string(nil), t.keys...)
	t.shared = false
}

// Mut returns a private, writable copy of the record under k; the pointer is
// valid until the next Clone.
func (t *Table[T]) Mut(k string) (*T, bool) {
	r, ok := t.rows[k]
	if !ok {
		return nil, false
	}
	t.own()
	t.sum = nil
	if r.owner != t.token {
		c, err := deepCopy(r.v)
		if err != nil {
			panic(fmt.Sprintf("envs: copying record %q: %v", k, err))
		}
		r = &row[T]{v: c, owner: t.token}
		t.rows[k] = r
	}
	r.hashed = false
	return &r.v, true
}

// Set stores v under k: a new key goes last, an existing key keeps its place.
func (t *Table[T]) Set(k string, v T) {
	t.own()
	t.sum = nil
	if _, ok := t.rows[k]; !ok {
		t.keys = append(t.keys, k)
	}
	t.rows[k] = &row[T]{v: v, owner: t.token}
}

// Delete removes k.
func (t *Table[T]) Delete(k string) {
	if _, ok := t.rows[k]; !ok {
		return
	}
	t.own()
	t.sum = nil
	delete(t.rows, k)
	for i, key := range t.keys {
		if key == k {
			t.keys = append(t.keys[:i:i], t.keys[i+1:]...)
			break
		}
	}
}

// Clone returns an independent table that shares unchanged records with t.
func (t *Table[T]) Clone() Table[T] {
	t.shared = true
	t.token = new(int) // records t owned so far are now shared too
	return Table[T]{keys: t.keys, rows: t.rows, token: new(int), shared: true, sum: t.sum}
}

// Hash returns a digest of the keys, their order and every record's JSON.
func (t *Table[T]) Hash() [32]byte {
	if t.sum != nil {
		return *t.sum
	}
	// One buffer of "<len>:<key><record digest>" entries, hashed at once.
	buf := make([]byte, 0, len(t.keys)*(sha256.Size+24))
	for _, k := range t.keys {
		r := t.rows[k]
		if !r.hashed {
			b, err := json.Marshal(r.v)
			if err != nil {
				panic(fmt.Sprintf("envs: hashing record %q: %v", k, err))
			}
			r.sum = sha256.Sum256(b)
			r.hashed = true
		}
		buf = strconv.AppendInt(buf, int64(len(k)), 10)
		buf = append(buf, ':')
		buf = append(buf, k...)
		buf = append(buf, r.sum[:]...)
	}
	h := sha256.Sum256(buf)
	t.sum = &h
	return h
}

// UnmarshalJSON decodes a JSON object of records, keeping key order.
func (t *Table[T]) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("envs: table: expected object, got %v", tok)
	}
	*t = Table[T]{}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return err
		}
		var v T
		if err := dec.Decode(&v); err != nil {
			return fmt.Errorf("envs: table record %v: %w", kt, err)
		}
		t.Set(kt.(string), v)
	}
	_, err = dec.Token()
	return err
}

// MarshalJSON encodes the table as a JSON object in insertion order.
func (t Table[T]) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, k := range t.keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		buf.Write(kb)
		buf.WriteByte(':')
		vb, err := json.Marshal(t.rows[k].v)
		if err != nil {
			return nil, err
		}
		buf.Write(vb)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

func deepCopy[T any](v T) (T, error) {
	var out T
	b, err := json.Marshal(v)
	if err != nil {
		return out, err
	}
	err = json.Unmarshal(b, &out)
	return out, err
}
