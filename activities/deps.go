// Package activities holds every side effect of eigendata's workflows,
// grouped by what it touches: episodes (environments + models), scoring,
// artifacts and reports. Activities are idempotent: each writes its outputs
// under deterministic keys of the run (runs/<workflow-id>/...), so a retry
// after a worker crash rewrites the same objects.
package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/domains"
	"github.com/eigendata/eigendata/envs/generate"
)

// Artifacts is the blob store activities write runs to.
type Artifacts interface {
	Put(ctx context.Context, key string, data []byte, contentType string) error
	Get(ctx context.Context, key string) ([]byte, error)
}

func putJSON(ctx context.Context, a Artifacts, key string, v any) error {
	b, err := encodeJSON(key, v)
	if err != nil {
		return err
	}
	return a.Put(ctx, key, b, "application/json")
}

func getJSON(ctx context.Context, a Artifacts, key string, v any) error {
	b, err := a.Get(ctx, key)
	if err != nil {
		return err
	}
	return decodeJSON(key, b, v)
}

// encodeJSON is an artifact's stored JSON, compact: indenting took 1.5% of
// a synthesis run's CPU and made every object larger (jq indents one).
func encodeJSON(key string, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding %s: %w", key, err)
	}
	return b, nil
}

func decodeJSON(key string, b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decoding %s: %w", key, err)
	}
	return nil
}

// DomainKey identifies a loaded domain.
type DomainKey struct {
	Name     string
	Tau2Data string
	Seed     int64
}

// LoadedDomain is a domain with its tasks indexed by id.
type LoadedDomain struct {
	Domain *envs.Domain
	Tasks  map[string]*envs.Task
	Order  []string
}

// Domains caches loaded domains per worker process: loading airline's
// 7 MB database once, then cloning it per episode copy-on-write.
type Domains struct {
	mu    sync.Mutex
	cache map[DomainKey]*LoadedDomain
	// GenTasks is how many tasks a generated domain offers (default 20).
	GenTasks int
}

// Get loads (once) and returns the domain.
func (d *Domains) Get(k DomainKey) (*LoadedDomain, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if ld, ok := d.cache[k]; ok {
		return ld, nil
	}
	spec := domains.Spec{Name: k.Name, Tau2Data: k.Tau2Data, Seed: k.Seed}
	dom, err := domains.Load(spec)
	if err != nil {
		return nil, err
	}
	var tasks []envs.Task
	if domains.IsGenerated(k.Name) {
		n := d.GenTasks
		if n == 0 {
			n = 20
		}
		tasks, err = generate.Tasks(k.Name, generate.Options{Seed: k.Seed}, n, k.Seed)
	} else {
		tasks, err = domains.Tasks(spec, "")
	}
	if err != nil {
		return nil, err
	}
	ld := &LoadedDomain{Domain: dom, Tasks: map[string]*envs.Task{}}
	for i := range tasks {
		ld.Tasks[tasks[i].ID] = &tasks[i]
		ld.Order = append(ld.Order, tasks[i].ID)
	}
	if d.cache == nil {
		d.cache = map[DomainKey]*LoadedDomain{}
	}
	d.cache[k] = ld
	return ld, nil
}

// Logger returns l or the default logger.
func Logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.Default()
	}
	return l
}
