package checker

import "time"

// Limits bound one checker run. A zero field takes its DefaultLimits value.
type Limits struct {
	// MaxSteps bounds Starlark execution steps (thread.SetMaxExecutionSteps).
	MaxSteps uint64 `json:"max_steps"`
	// Timeout bounds wall time; the caller's context deadline also applies.
	Timeout time.Duration `json:"timeout"`
	// MaxMemory bounds, in bytes, the growth of the process heap while the
	// checker runs, and the size of any single value a guarded operation
	// (x*n, %, join, replace, format, str, json.encode) may build.
	MaxMemory int64 `json:"max_memory"`
	// MaxDepth bounds the nesting depth of values: the input state and
	// transcript, json.decode input, and the values str, repr, print,
	// json.encode and string formatting walk.
	MaxDepth int `json:"max_depth"`
}

// DefaultLimits returns the limits checkers run under unless told
// otherwise: 10M steps, 2 s, 64 MiB, depth 200.
func DefaultLimits() Limits {
	return Limits{MaxSteps: 10_000_000, Timeout: 2 * time.Second, MaxMemory: 64 << 20, MaxDepth: 200}
}

// withDefaults fills zero fields with their defaults.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxSteps == 0 {
		l.MaxSteps = d.MaxSteps
	}
	if l.Timeout <= 0 {
		l.Timeout = d.Timeout
	}
	if l.MaxMemory <= 0 {
		l.MaxMemory = d.MaxMemory
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	return l
}

// maxValueBytes is the largest value a single guarded operation may build.
func (l Limits) maxValueBytes() int64 { return max(l.MaxMemory/2, 1) }

// grace is how long Check waits, after cancelling a checker, for it to
// stop; a checker stuck inside one long built-in call past that is
// abandoned (see Check).
func (l Limits) grace() time.Duration {
	return min(max(l.Timeout/4, 20*time.Millisecond), 250*time.Millisecond)
}
