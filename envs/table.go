package envs

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"iter"
	"strconv"
	"sync"
)

// hashBlock is how many consecutive keys share one digest in Table.Hash.
const hashBlock = 64

// Table is a copy-on-write collection of records keyed by string that keeps
// insertion order, as the Python dicts of tau2's databases do. Clones share
// the records (the base), and each keeps the records it writes afterwards
// in its own overlay, so a write costs the record it changes, not a copy
// of the index; cloning a table without such writes (a domain's initial
// state) is O(1). Mut copies only the record it returns. Hash digests the
// keys in blocks whose digests the base caches, so hashing a table after a
// few writes rehashes only the blocks that hold them.
//
// Get returns a pointer that must be treated as read-only: the record may be
// shared with other clones. Use Mut, Set or Delete to change the table.
type Table[T any] struct {
	base *tableBase[T]
	// over holds the records written since the last Clone (owned by this
	// table); a nil row marks a key of the base that was deleted.
	over map[string]*row[T]
	// keys is the key order once an insert or delete made it differ from
	// the base's (nil: the base's).
	keys []string
	// sum caches Hash until the next write; clones share it while unchanged.
	sum *[32]byte
}

// tableBase is records shared by clones; it never changes once made.
type tableBase[T any] struct {
	keys []string
	rows map[string]*row[T] // every row hashed before the base is made

	once   sync.Once
	pos    map[string]int // key -> index in keys
	blocks [][32]byte     // digest of keys[i*hashBlock:(i+1)*hashBlock]
}

type row[T any] struct {
	v      T
	hashed bool
	sum    [32]byte
}

func (r *row[T]) digest(k string) [32]byte {
	if !r.hashed {
		b, err := json.Marshal(r.v)
		if err != nil {
			panic(fmt.Sprintf("envs: hashing record %q: %v", k, err))
		}
		r.sum = sha256.Sum256(b)
		r.hashed = true
	}
	return r.sum
}

func (b *tableBase[T]) index() {
	b.once.Do(func() {
		b.pos = make(map[string]int, len(b.keys))
		for i, k := range b.keys {
			b.pos[k] = i
		}
		for i := 0; i < len(b.keys); i += hashBlock {
			b.blocks = append(b.blocks, blockDigest(b.keys[i:min(i+hashBlock, len(b.keys))], func(k string) [32]byte { return b.rows[k].sum }))
		}
	})
}

// blockDigest digests "<len>:<key><record digest>" for each key in order.
func blockDigest(keys []string, sum func(string) [32]byte) [32]byte {
	buf := make([]byte, 0, len(keys)*(sha256.Size+24))
	for _, k := range keys {
		buf = strconv.AppendInt(buf, int64(len(k)), 10)
		buf = append(buf, ':')
		buf = append(buf, k...)
		s := sum(k)
		buf = append(buf, s[:]...)
	}
	return sha256.Sum256(buf)
}

// Len returns the number of records.
func (t *Table[T]) Len() int { return len(t.Keys()) }

// Keys returns the keys in insertion order; the slice must not be modified.
func (t *Table[T]) Keys() []string {
	if t.keys != nil || t.base == nil {
		return t.keys
	}
	return t.base.keys
}

func (t *Table[T]) row(k string) (*row[T], bool) {
	if r, ok := t.over[k]; ok {
		return r, r != nil
	}
	if t.base == nil {
		return nil, false
	}
	r, ok := t.base.rows[k]
	return r, ok
}

// Get returns the record under k for reading.
func (t *Table[T]) Get(k string) (*T, bool) {
	r, ok := t.row(k)
	if !ok {
		return nil, false
	}
	return &r.v, true
}

// Has reports whether k is present.
func (t *Table[T]) Has(k string) bool {
	_, ok := t.row(k)
	return ok
}

// All iterates over the records in insertion order, read-only.
func (t *Table[T]) All() iter.Seq2[string, *T] {
	return func(yield func(string, *T) bool) {
		for _, k := range t.Keys() {
			r, _ := t.row(k)
			if !yield(k, &r.v) {
				return
			}
		}
	}
}

// Mut returns a private, writable copy of the record under k; the pointer is
// valid until the next Clone.
func (t *Table[T]) Mut(k string) (*T, bool) {
	r, ok := t.row(k)
	if !ok {
		return nil, false
	}
	t.sum = nil
	if _, owned := t.over[k]; !owned {
		c, err := deepCopy(r.v)
		if err != nil {
			panic(fmt.Sprintf("envs: copying record %q: %v", k, err))
		}
		r = &row[T]{v: c}
		t.setRow(k, r)
	}
	r.hashed = false
	return &r.v, true
}

func (t *Table[T]) setRow(k string, r *row[T]) {
	if t.over == nil {
		t.over = make(map[string]*row[T])
	}
	t.over[k] = r
}

// ownKeys makes t's key order its own, to change it.
func (t *Table[T]) ownKeys() {
	if t.keys == nil {
		if t.base != nil {
			t.keys = append(make([]string, 0, len(t.base.keys)+1), t.base.keys...)
		} else {
			t.keys = []string{}
		}
	}
}

// Set stores v under k: a new key goes last, an existing key keeps its place.
func (t *Table[T]) Set(k string, v T) {
	t.sum = nil
	if !t.Has(k) {
		t.ownKeys()
		t.keys = append(t.keys, k)
	}
	t.setRow(k, &row[T]{v: v})
}

// Delete removes k.
func (t *Table[T]) Delete(k string) {
	if !t.Has(k) {
		return
	}
	t.sum = nil
	t.ownKeys()
	for i, key := range t.keys {
		if key == k {
			t.keys = append(t.keys[:i:i], t.keys[i+1:]...)
			break
		}
	}
	if t.base != nil {
		if _, inBase := t.base.rows[k]; inBase {
			t.setRow(k, nil)
			return
		}
	}
	delete(t.over, k)
}

// Clone returns an independent table that shares unchanged records with t.
// When t has written records since its own last Clone, they are merged
// with the base into a new one that both share (and t's later writes go to
// a new overlay), once.
func (t *Table[T]) Clone() Table[T] {
	if len(t.over) > 0 || t.keys != nil || t.base == nil {
		keys := t.Keys()
		rows := make(map[string]*row[T], len(keys))
		for _, k := range keys {
			r, _ := t.row(k)
			r.digest(k) // shared rows are only read from now on
			rows[k] = r
		}
		t.base, t.over, t.keys = &tableBase[T]{keys: keys, rows: rows}, nil, nil
	}
	return Table[T]{base: t.base, sum: t.sum}
}

// Hash returns a digest of the keys, their order and every record's JSON.
func (t *Table[T]) Hash() [32]byte {
	if t.sum != nil {
		return *t.sum
	}
	keys := t.Keys()
	// Blocks before the first key out of the base's order, holding no
	// record written since, keep the base's digest.
	same := 0
	var dirty map[int]bool
	if b := t.base; b != nil {
		b.index()
		same = len(keys)
		if t.keys != nil {
			same = 0
			for same < len(keys) && same < len(b.keys) && keys[same] == b.keys[same] {
				same++
			}
		}
		for k, r := range t.over {
			if i, ok := b.pos[k]; ok && r != nil && i < same {
				if dirty == nil {
					dirty = map[int]bool{}
				}
				dirty[i/hashBlock] = true
			}
		}
	}
	buf := make([]byte, 0, (len(keys)/hashBlock+1)*sha256.Size)
	for i := 0; i < len(keys); i += hashBlock {
		end := min(i+hashBlock, len(keys))
		var d [32]byte
		if b := t.base; b != nil && end <= same && end == min(i+hashBlock, len(b.keys)) && !dirty[i/hashBlock] {
			d = b.blocks[i/hashBlock]
		} else {
			d = blockDigest(keys[i:end], func(k string) [32]byte {
				r, _ := t.row(k)
				return r.digest(k)
			})
		}
		buf = append(buf, d[:]...)
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
	for i, k := range t.Keys() {
		if i > 0 {
			buf.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		buf.Write(kb)
		buf.WriteByte(':')
		r, _ := t.row(k)
		vb, err := json.Marshal(r.v)
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
