package claimcheck

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"go.temporal.io/sdk/converter"
)

type memStore struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (s *memStore) Put(_ context.Context, key string, data []byte, _ string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string][]byte{}
	}
	s.m[key] = append([]byte(nil), data...)
	return nil
}

func (s *memStore) Get(_ context.Context, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.m[key]
	if !ok {
		return nil, errors.New("not found")
	}
	return b, nil
}

func TestCodecOffloadsOnlyLargePayloads(t *testing.T) {
	store := &memStore{}
	dc := DataConverter(store, 1024)
	cases := []struct {
		name    string
		value   string
		offload bool
	}{
		{"small stays inline", "hello", false},
		{"large goes to the store", strings.Repeat("x", 4096), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := dc.ToPayload(tc.value)
			if err != nil {
				t.Fatal(err)
			}
			isRef := string(p.Metadata[converter.MetadataEncoding]) == Encoding
			if isRef != tc.offload {
				t.Fatalf("offloaded=%v, want %v", isRef, tc.offload)
			}
			if tc.offload && len(p.Data) > 100 {
				t.Errorf("reference payload is %d bytes", len(p.Data))
			}
			var back string
			if err := dc.FromPayload(p, &back); err != nil {
				t.Fatal(err)
			}
			if back != tc.value {
				t.Errorf("round trip changed the value (%d bytes back)", len(back))
			}
		})
	}
	if len(store.m) != 1 {
		t.Errorf("store holds %d objects, want 1", len(store.m))
	}
}

func TestCodecDecodeMissingObjectFails(t *testing.T) {
	store := &memStore{}
	dc := DataConverter(store, 16)
	p, err := dc.ToPayload(strings.Repeat("y", 100))
	if err != nil {
		t.Fatal(err)
	}
	store.m = nil
	var back string
	if err := dc.FromPayload(p, &back); err == nil || !strings.Contains(err.Error(), "claims/") {
		t.Fatalf("want an error naming the claim key, got %v", err)
	}
}
