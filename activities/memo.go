package activities

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"

	"github.com/eigendata/eigendata/workflows"
)

// DefaultMemoBytes bounds a Synth's in-memory artifact memo.
const DefaultMemoBytes = 64 << 20

// artifactMemo keeps recently written or read artifacts by content digest,
// so the stages of one instance that run in the same worker read each
// other's artifacts without an S3 round trip. Being content-addressed, it
// can never serve a stale object: a reference whose digest is not here
// (another worker wrote it, an older workflow passed no digest) is read
// from the store. Oldest entries go first once max bytes are held.
type artifactMemo struct {
	mu    sync.Mutex
	max   int
	size  int
	m     map[string][]byte
	order []string
}

func digestOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func (m *artifactMemo) get(digest string) ([]byte, bool) {
	if m == nil || digest == "" {
		return nil, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.m[digest]
	return b, ok
}

func (m *artifactMemo) add(digest string, b []byte) {
	if m == nil || len(b) > m.max {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[string][]byte{}
	}
	if _, ok := m.m[digest]; ok {
		return
	}
	for m.size+len(b) > m.max && len(m.order) > 0 {
		old := m.order[0]
		m.order = m.order[1:]
		m.size -= len(m.m[old])
		delete(m.m, old)
	}
	m.m[digest] = b
	m.order = append(m.order, digest)
	m.size += len(b)
}

// put stores an artifact and returns its digest.
func (a *Synth) put(ctx context.Context, key string, data []byte, contentType string) (string, error) {
	if err := a.Blob.Put(ctx, key, data, contentType); err != nil {
		return "", err
	}
	d := digestOf(data)
	a.memo().add(d, data)
	return d, nil
}

func (a *Synth) putJSON(ctx context.Context, key string, v any) (string, error) {
	b, err := encodeJSON(key, v)
	if err != nil {
		return "", err
	}
	return a.put(ctx, key, b, "application/json")
}

// get reads the artifact at key, from the memo when refs carry its digest
// and this worker holds it.
func (a *Synth) get(ctx context.Context, refs workflows.StageRefs, key string) ([]byte, error) {
	return a.getDigest(ctx, key, refs.Digests[key])
}

// getDigest reads the artifact at key, from the memo when it holds digest.
func (a *Synth) getDigest(ctx context.Context, key, digest string) ([]byte, error) {
	if b, ok := a.memo().get(digest); ok {
		return b, nil
	}
	b, err := a.Blob.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	a.memo().add(digestOf(b), b)
	return b, nil
}

func (a *Synth) getJSON(ctx context.Context, refs workflows.StageRefs, key string, v any) error {
	return a.getDigestJSON(ctx, key, refs.Digests[key], v)
}

func (a *Synth) getDigestJSON(ctx context.Context, key, digest string, v any) error {
	b, err := a.getDigest(ctx, key, digest)
	if err != nil {
		return err
	}
	return decodeJSON(key, b, v)
}
