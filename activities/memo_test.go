package activities

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/eigendata/eigendata/workflows"
)

// countingStore is an in-memory Store that counts reads.
type countingStore struct {
	mu    sync.Mutex
	objs  map[string][]byte
	reads int
}

func (s *countingStore) Put(_ context.Context, key string, data []byte, _ string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.objs == nil {
		s.objs = map[string][]byte{}
	}
	s.objs[key] = append([]byte(nil), data...)
	return nil
}

func (s *countingStore) Get(_ context.Context, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	b, ok := s.objs[key]
	if !ok {
		return nil, errors.New("no such key: " + key)
	}
	return b, nil
}

func (s *countingStore) List(_ context.Context, prefix string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k := range s.objs {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	return out, nil
}

func (s *countingStore) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.objs, key)
	return nil
}

func TestArtifactMemo(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name      string
		memoBytes int
		// overwrite rewrites the key behind the worker's back (another
		// worker's retry) before the read.
		overwrite bool
		digest    func(written string) string
		want      string
		wantReads int
	}{
		{"digest held: no store read", 0, false, func(d string) string { return d }, "v1", 0},
		{"no digest (older workflow): store read", 0, false, func(string) string { return "" }, "v1", 1},
		{"rewritten elsewhere: new digest misses, store read", 0, true, func(string) string { return digestOf([]byte("v2")) }, "v2", 1},
		{"memo disabled: store read", -1, false, func(d string) string { return d }, "v1", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := &countingStore{}
			a := &Synth{Blob: st, MemoBytes: c.memoBytes}
			d, err := a.put(ctx, "k", []byte("v1"), "text/plain")
			if err != nil {
				t.Fatal(err)
			}
			if d != digestOf([]byte("v1")) {
				t.Fatalf("digest %s", d)
			}
			if c.overwrite {
				_ = st.Put(ctx, "k", []byte("v2"), "text/plain")
			}
			got, err := a.get(ctx, workflows.StageRefs{Digests: map[string]string{"k": c.digest(d)}}, "k")
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want || st.reads != c.wantReads {
				t.Fatalf("got %q with %d store reads, want %q with %d", got, st.reads, c.want, c.wantReads)
			}
		})
	}
}

func TestArtifactMemoEvictsOldestBeyondItsBound(t *testing.T) {
	m := &artifactMemo{max: 10}
	for _, v := range []string{"aaaa", "bbbb", "cccc"} {
		m.add(digestOf([]byte(v)), []byte(v))
	}
	if _, ok := m.get(digestOf([]byte("aaaa"))); ok {
		t.Fatal("oldest entry kept beyond the bound")
	}
	for _, v := range []string{"bbbb", "cccc"} {
		if b, ok := m.get(digestOf([]byte(v))); !ok || string(b) != v {
			t.Fatalf("%s: %q %v", v, b, ok)
		}
	}
	m.add(digestOf([]byte("too large for the memo")), []byte("too large for the memo"))
	if m.size > m.max {
		t.Fatalf("size %d over max %d", m.size, m.max)
	}
}
