package prompts

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"testing"
)

type memStore struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (s *memStore) Put(_ context.Context, k string, b []byte, _ string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string][]byte{}
	}
	s.m[k] = b
	return nil
}

func (s *memStore) Get(_ context.Context, k string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.m[k]
	if !ok {
		return nil, errors.New("not found")
	}
	return b, nil
}

func (s *memStore) List(_ context.Context, prefix string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k := range s.m {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out, nil
}

func TestRegistryVersionsActivateRollback(t *testing.T) {
	ctx := context.Background()
	r := Registry{Store: &memStore{}}
	v0, b0, err := r.Active(ctx, Builtin())
	if err != nil || v0 != Builtin().Version() || b0.Prompts["user"] == "" {
		t.Fatalf("seeding: %s %v", v0, err)
	}
	// Content addressing: the same bundle is the same version.
	if again, _ := r.Put(ctx, Builtin()); again != v0 {
		t.Errorf("same content, versions %s and %s", v0, again)
	}
	edited := Builtin().Clone()
	edited.Settings.MaxSteps = 80
	edited.Parent, edited.Edit = v0, "more steps"
	v1, err := r.Put(ctx, edited)
	if err != nil || v1 == v0 {
		t.Fatalf("%s %v", v1, err)
	}
	if Builtin().Settings.MaxSteps == 80 {
		t.Fatal("Clone shares settings with the original")
	}
	if err := r.Activate(ctx, v1[:8]); err != nil { // a unique prefix works
		t.Fatal(err)
	}
	if a, _ := r.ActivePointer(ctx); a.Version != v1 || len(a.History) != 1 || a.History[0] != v0 {
		t.Errorf("pointer %+v", a)
	}
	if d := Diff(b0, edited); !strings.Contains(d, `+ "max_steps": 80`) || !strings.Contains(d, `- "max_steps": 50`) {
		t.Errorf("diff:\n%s", d)
	}
	back, err := r.Rollback(ctx)
	if err != nil || back != v0 {
		t.Fatalf("rollback -> %s %v", back, err)
	}
	if _, err := r.Rollback(ctx); err == nil {
		t.Error("rollback past the first version succeeded")
	}
	if err := r.Activate(ctx, "ffffffffffffffff"); err == nil {
		t.Error("activated a version that does not exist")
	}
	vs, _ := r.List(ctx)
	if len(vs) != 2 {
		t.Errorf("versions %v", vs)
	}
}
