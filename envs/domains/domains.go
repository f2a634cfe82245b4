// Package domains resolves a domain name to a loaded envs.Domain and its
// tasks: tau2-bench's airline, retail and telecom from a tau2 data
// directory, or one of eigendata's own generated domains.
package domains

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/airline"
	"github.com/eigendata/eigendata/envs/catalog"
	"github.com/eigendata/eigendata/envs/generate"
	"github.com/eigendata/eigendata/envs/retail"
	"github.com/eigendata/eigendata/envs/tau2data"
	"github.com/eigendata/eigendata/envs/telecom"
)

// Tau2 lists the tau2-bench domains.
func Tau2() []string { return catalog.Tau2() }

// Generated lists the generated domains (no tau2 files needed).
func Generated() []string { return catalog.Generated() }

// ErrUnknown is returned for a domain name that is not known.
var ErrUnknown = errors.New("unknown domain")

// IsKnown reports whether name is a known domain.
func IsKnown(name string) bool { return catalog.IsKnown(name) }

// IsGenerated reports whether name is a generated domain.
func IsGenerated(name string) bool { return catalog.IsGenerated(name) }

// Spec says where a domain comes from.
type Spec struct {
	// Name is the domain name.
	Name string
	// Tau2Data is the tau2 data root (required for tau2 domains).
	Tau2Data string
	// Seed and Size parameterise generated domains.
	Seed int64
	Size int
}

// Load builds the domain named in spec.
func Load(spec Spec) (*envs.Domain, error) {
	switch spec.Name {
	case "gen-airline":
		return generate.Airline(generate.Options{Seed: spec.Seed, Users: spec.Size}), nil
	case "gen-retail":
		return generate.Retail(generate.Options{Seed: spec.Seed, Users: spec.Size}), nil
	}
	if !slices.Contains(Tau2(), spec.Name) {
		return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknown, spec.Name, strings.Join(append(Tau2(), Generated()...), ", "))
	}
	root, err := tau2data.Resolve(spec.Tau2Data)
	if err != nil {
		return nil, err
	}
	dir := tau2data.DomainDir(root, spec.Name)
	switch spec.Name {
	case "airline":
		return airline.Load(dir)
	case "retail":
		return retail.Load(dir)
	default:
		return telecom.Load(dir)
	}
}

// Tasks loads the tau2 tasks of a domain, restricted to a split ("" or "base" = all).
func Tasks(spec Spec, split string) ([]envs.Task, error) {
	if IsGenerated(spec.Name) {
		return nil, nil
	}
	if !slices.Contains(Tau2(), spec.Name) {
		return nil, fmt.Errorf("%w %q", ErrUnknown, spec.Name)
	}
	root, err := tau2data.Resolve(spec.Tau2Data)
	if err != nil {
		return nil, err
	}
	dir := tau2data.DomainDir(root, spec.Name)
	tasks, err := envs.LoadTasks(filepath.Join(dir, "tasks.json"))
	if err != nil {
		return nil, err
	}
	ids, err := envs.LoadSplit(dir, split)
	if err != nil {
		return nil, err
	}
	if ids == nil {
		return tasks, nil
	}
	out := tasks[:0:0]
	for _, t := range tasks {
		if ids[t.ID] {
			out = append(out, t)
		}
	}
	return out, nil
}
