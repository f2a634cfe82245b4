// Package prompts is the registry of eigendata's synthesis configuration:
// every role prompt and every workflow setting, as one versioned,
// content-addressed bundle in the blob store, with an "active" pointer and
// its history (for rollback). Each synthesized instance records the
// version that made it; the self-evolution loop proposes new versions and
// activates one only when a pilot run proves it better.
//
// Layout:
//
//	prompts/<sha256>.json   a Bundle (immutable; the name is its content hash)
//	prompts/active.json     {"version": ..., "history": [older versions, newest last]}
package prompts

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Store is the blob store the registry lives in.
type Store interface {
	Put(ctx context.Context, key string, data []byte, contentType string) error
	Get(ctx context.Context, key string) ([]byte, error)
	List(ctx context.Context, prefix string) ([]string, error)
}

// Roles whose prompts a bundle holds.
var Roles = []string{"planner", "user", "agent", "checker", "judge", "evolver"}

// Settings are the synthesis workflow's tunables.
type Settings struct {
	// Stages switches optional stages (judge) on or off.
	Stages map[string]bool `json:"stages"`
	// Retries is how many more times the planner, the checker writer and
	// the judge are asked after a malformed answer (shown its parse error).
	Retries int `json:"retries"`
	// JudgeStrictness in [0,1]: the rubric score an instance needs.
	JudgeStrictness float64 `json:"judge_strictness"`
	// Temperatures per role: a model role samples at its role's
	// temperature unless the run's input sets one (non-zero).
	Temperatures map[string]float32 `json:"temperatures"`
	// Concurrency of instances in flight, unless the run's input sets it.
	Concurrency int `json:"concurrency"`
	// MaxSteps per dialogue, unless the run's input sets it.
	MaxSteps int `json:"max_steps"`
}

// Bundle is one version: all role prompts and the settings, plus lineage.
type Bundle struct {
	Prompts  map[string]string `json:"prompts"`
	Settings Settings          `json:"settings"`
	// Parent is the version this one was derived from ("" for the seed).
	Parent string `json:"parent,omitempty"`
	// Edit and Rationale describe the change from Parent.
	Edit      string `json:"edit,omitempty"`
	Rationale string `json:"rationale,omitempty"`
}

// Version is the content hash naming b.
func (b Bundle) Version() string {
	data, _ := json.Marshal(b) // maps marshal with sorted keys: canonical
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])[:16]
}

// Clone returns a deep copy of b.
func (b Bundle) Clone() Bundle {
	c := b
	c.Prompts = map[string]string{}
	for k, v := range b.Prompts {
		c.Prompts[k] = v
	}
	c.Settings.Stages = map[string]bool{}
	for k, v := range b.Settings.Stages {
		c.Settings.Stages[k] = v
	}
	c.Settings.Temperatures = map[string]float32{}
	for k, v := range b.Settings.Temperatures {
		c.Settings.Temperatures[k] = v
	}
	return c
}

// Active is the pointer file.
type Active struct {
	Version string   `json:"version"`
	History []string `json:"history"`
}

// ErrNoActive is returned before any version is activated.
var ErrNoActive = errors.New("prompts: no active version")

// Registry reads and writes bundles in a Store.
type Registry struct {
	Store Store
}

func key(version string) string { return "prompts/" + version + ".json" }

const activeKey = "prompts/active.json"

// Put stores b (idempotent) and returns its version.
func (r Registry) Put(ctx context.Context, b Bundle) (string, error) {
	v := b.Version()
	data, err := json.MarshalIndent(b, "", " ")
	if err != nil {
		return "", err
	}
	if err := r.Store.Put(ctx, key(v), data, "application/json"); err != nil {
		return "", fmt.Errorf("prompts: storing %s: %w", v, err)
	}
	return v, nil
}

// Get loads a version (a unique prefix of one is accepted).
func (r Registry) Get(ctx context.Context, version string) (Bundle, error) {
	full, err := r.resolve(ctx, version)
	if err != nil {
		return Bundle{}, err
	}
	data, err := r.Store.Get(ctx, key(full))
	if err != nil {
		return Bundle{}, fmt.Errorf("prompts: version %s: %w", version, err)
	}
	var b Bundle
	if err := json.Unmarshal(data, &b); err != nil {
		return Bundle{}, fmt.Errorf("prompts: version %s: %w", version, err)
	}
	return b, nil
}

func (r Registry) resolve(ctx context.Context, version string) (string, error) {
	if version == "" {
		return "", fmt.Errorf("prompts: empty version")
	}
	if len(version) == 16 {
		return version, nil
	}
	all, err := r.List(ctx)
	if err != nil {
		return "", err
	}
	var match []string
	for _, v := range all {
		if strings.HasPrefix(v, version) {
			match = append(match, v)
		}
	}
	if len(match) != 1 {
		return "", fmt.Errorf("prompts: version %q matches %d versions", version, len(match))
	}
	return match[0], nil
}

// List returns every stored version, sorted.
func (r Registry) List(ctx context.Context) ([]string, error) {
	keys, err := r.Store.List(ctx, "prompts/")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, k := range keys {
		name := strings.TrimSuffix(strings.TrimPrefix(k, "prompts/"), ".json")
		if k != activeKey && len(name) == 16 {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out, nil
}

// ActivePointer reads the active pointer.
func (r Registry) ActivePointer(ctx context.Context) (Active, error) {
	data, err := r.Store.Get(ctx, activeKey)
	if err != nil {
		return Active{}, ErrNoActive
	}
	var a Active
	if err := json.Unmarshal(data, &a); err != nil {
		return Active{}, fmt.Errorf("prompts: active pointer: %w", err)
	}
	return a, nil
}

// Active returns the active version and its bundle. With no active version
// yet it stores and activates seed (the built-in defaults).
func (r Registry) Active(ctx context.Context, seed Bundle) (string, Bundle, error) {
	a, err := r.ActivePointer(ctx)
	if errors.Is(err, ErrNoActive) {
		v, err := r.Put(ctx, seed)
		if err != nil {
			return "", Bundle{}, err
		}
		if err := r.Activate(ctx, v); err != nil {
			return "", Bundle{}, err
		}
		return v, seed, nil
	}
	if err != nil {
		return "", Bundle{}, err
	}
	b, err := r.Get(ctx, a.Version)
	return a.Version, b, err
}

// Activate points active at version, pushing the current one on the history.
func (r Registry) Activate(ctx context.Context, version string) error {
	full, err := r.resolve(ctx, version)
	if err != nil {
		return err
	}
	if _, err := r.Get(ctx, full); err != nil {
		return err
	}
	a, err := r.ActivePointer(ctx)
	if err != nil && !errors.Is(err, ErrNoActive) {
		return err
	}
	if a.Version == full {
		return nil
	}
	if a.Version != "" {
		a.History = append(a.History, a.Version)
	}
	a.Version = full
	return r.writeActive(ctx, a)
}

// Rollback re-activates the previous version and returns it.
func (r Registry) Rollback(ctx context.Context) (string, error) {
	a, err := r.ActivePointer(ctx)
	if err != nil {
		return "", err
	}
	if len(a.History) == 0 {
		return "", fmt.Errorf("prompts: nothing to roll back to (active %s has no predecessor)", a.Version)
	}
	a.Version, a.History = a.History[len(a.History)-1], a.History[:len(a.History)-1]
	return a.Version, r.writeActive(ctx, a)
}

func (r Registry) writeActive(ctx context.Context, a Active) error {
	data, err := json.MarshalIndent(a, "", " ")
	if err != nil {
		return err
	}
	return r.Store.Put(ctx, activeKey, data, "application/json")
}

// Diff describes how b differs from a, one line per changed prompt line or
// setting ("- old" / "+ new").
func Diff(a, b Bundle) string {
	var out strings.Builder
	roles := map[string]bool{}
	for k := range a.Prompts {
		roles[k] = true
	}
	for k := range b.Prompts {
		roles[k] = true
	}
	names := make([]string, 0, len(roles))
	for k := range roles {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, role := range names {
		if a.Prompts[role] == b.Prompts[role] {
			continue
		}
		fmt.Fprintf(&out, "prompt %s:\n", role)
		old, nw := lineSet(a.Prompts[role]), lineSet(b.Prompts[role])
		for _, l := range strings.Split(a.Prompts[role], "\n") {
			if !nw[l] {
				fmt.Fprintf(&out, "- %s\n", l)
			}
		}
		for _, l := range strings.Split(b.Prompts[role], "\n") {
			if !old[l] {
				fmt.Fprintf(&out, "+ %s\n", l)
			}
		}
	}
	sa, _ := json.MarshalIndent(a.Settings, "", " ")
	sb, _ := json.MarshalIndent(b.Settings, "", " ")
	if string(sa) != string(sb) {
		out.WriteString("settings:\n")
		old, nw := lineSet(string(sa)), lineSet(string(sb))
		for _, l := range strings.Split(string(sa), "\n") {
			if !nw[l] {
				fmt.Fprintf(&out, "- %s\n", strings.TrimSpace(l))
			}
		}
		for _, l := range strings.Split(string(sb), "\n") {
			if !old[l] {
				fmt.Fprintf(&out, "+ %s\n", strings.TrimSpace(l))
			}
		}
	}
	return out.String()
}

func lineSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, l := range strings.Split(s, "\n") {
		m[l] = true
	}
	return m
}
