package checker

import (
	"errors"
	"fmt"
	"sync/atomic"

	"go.starlark.net/starlark"
)

// limitError is a sandbox limit hit inside a guarded builtin.
type limitError struct {
	kind string // FailMemory or FailDepth
	msg  string
}

func (e *limitError) Error() string { return e.kind + ": " + e.msg }

// errStopped is returned by a guard that noticed its run was cancelled;
// the verdict reports the cancellation's cause.
var errStopped = errors.New("stopped")

func memoryError(format string, args ...any) error {
	return &limitError{kind: FailMemory, msg: fmt.Sprintf(format, args...)}
}

// meter estimates the size of a value's text rendering (str, repr,
// json.encode, % and format), walking it as a tree: a value shared many
// times is counted every time, as rendering would write it every time.
// It fails as soon as the estimate passes max or the nesting passes
// maxDepth, so it costs at most O(max) however the value is built.
type meter struct {
	max      int64
	maxDepth int
	size     int64
	path     []starlark.Value
	stop     *atomic.Bool // set when the run is cancelled
	calls    int
}

func newMeter(r *run) *meter {
	return &meter{max: r.lim.maxValueBytes(), maxDepth: r.lim.MaxDepth, stop: &r.stop}
}

func (m *meter) add(n int64) error {
	m.size += n
	if m.size > m.max {
		return memoryError("rendering a value would build over %d bytes", m.max)
	}
	if m.calls++; m.calls%4096 == 0 && m.stop.Load() {
		return errStopped
	}
	return nil
}

func (m *meter) onPath(v starlark.Value) bool {
	for _, p := range m.path {
		if p == v {
			return true
		}
	}
	return false
}

// walk adds v's rendered size.
func (m *meter) walk(v starlark.Value, depth int) error {
	if depth > m.maxDepth {
		return &limitError{kind: FailDepth, msg: fmt.Sprintf("value nested deeper than %d levels", m.maxDepth)}
	}
	switch x := v.(type) {
	case starlark.String:
		return m.add(int64(len(x)) + 2)
	case starlark.Bytes:
		return m.add(int64(len(x))*4 + 3)
	case starlark.Int:
		if _, ok := x.Int64(); ok {
			return m.add(21)
		}
		return m.add(int64(x.BigInt().BitLen()/3 + 2))
	case starlark.Tuple:
		if err := m.add(2); err != nil {
			return err
		}
		for _, e := range x {
			if err := m.child(e, depth); err != nil {
				return err
			}
		}
		return nil
	case *starlark.List:
		if m.onPath(x) {
			return m.add(5)
		}
		m.path = append(m.path, x)
		defer func() { m.path = m.path[:len(m.path)-1] }()
		if err := m.add(2); err != nil {
			return err
		}
		for i := 0; i < x.Len(); i++ {
			if err := m.child(x.Index(i), depth); err != nil {
				return err
			}
		}
		return nil
	case *starlark.Dict:
		if m.onPath(x) {
			return m.add(5)
		}
		m.path = append(m.path, x)
		defer func() { m.path = m.path[:len(m.path)-1] }()
		if err := m.add(2); err != nil {
			return err
		}
		for _, kv := range x.Items() {
			if err := m.child(kv[0], depth); err != nil {
				return err
			}
			if err := m.child(kv[1], depth); err != nil {
				return err
			}
		}
		return nil
	case *starlark.Set:
		if err := m.add(5); err != nil {
			return err
		}
		iter := x.Iterate()
		defer iter.Done()
		var e starlark.Value
		for iter.Next(&e) {
			if err := m.child(e, depth); err != nil {
				return err
			}
		}
		return nil
	}
	// None, bools, floats, functions, builtins, the lazy state: short and
	// of bounded size.
	return m.add(32)
}

func (m *meter) child(v starlark.Value, depth int) error {
	if err := m.add(2); err != nil {
		return err
	}
	return m.walk(v, depth+1)
}

// measure returns the estimated rendered size of vs together.
func measure(r *run, vs ...starlark.Value) (int64, error) {
	m := newMeter(r)
	for _, v := range vs {
		if err := m.walk(v, 0); err != nil {
			return 0, err
		}
	}
	return m.size, nil
}

// maxMeasure returns the largest estimated rendered size among vs.
func maxMeasure(r *run, vs ...starlark.Value) (int64, error) {
	var best int64
	for _, v := range vs {
		n, err := measure(r, v)
		if err != nil {
			return 0, err
		}
		best = max(best, n)
	}
	return best, nil
}
