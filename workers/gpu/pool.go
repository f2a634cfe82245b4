package gpu

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// ErrInsufficient means a request asks for more GPUs than the pool can
// ever offer (usable = healthy and not quarantined).
var ErrInsufficient = errors.New("not enough usable GPUs")

// Pool hands out healthy GPUs: one slot per GPU, leased whole. Waiting
// requests are served first come, first served, so a request for several
// GPUs is not starved by smaller ones. A Pool is safe for concurrent use.
type Pool struct {
	mu          sync.Mutex
	gpus        []GPU // all discovered, by index
	busy        map[int]bool
	quarantined map[int]string
	queue       []*waiter
}

// waiter is a blocked Acquire.
type waiter struct {
	n     int
	ready chan struct{} // closed once lease or err is set
	lease *Lease
	err   error
}

// NewPool makes a pool over gpus: every GPU is listed in Status, the
// healthy ones get a slot.
func NewPool(gpus []GPU) *Pool {
	gs := slices.Clone(gpus)
	slices.SortFunc(gs, func(a, b GPU) int { return a.Index - b.Index })
	return &Pool{gpus: gs, busy: map[int]bool{}, quarantined: map[int]string{}}
}

func (p *Pool) usableLocked(g GPU) bool { return g.Healthy && p.quarantined[g.Index] == "" }

// slotsLocked counts the usable GPUs.
func (p *Pool) slotsLocked() int {
	n := 0
	for _, g := range p.gpus {
		if p.usableLocked(g) {
			n++
		}
	}
	return n
}

// freeLocked lists the usable GPUs nobody holds, by index.
func (p *Pool) freeLocked() []GPU {
	var out []GPU
	for _, g := range p.gpus {
		if p.usableLocked(g) && !p.busy[g.Index] {
			out = append(out, g)
		}
	}
	return out
}

// Slots is the number of usable GPUs (healthy, not quarantined), held or
// not.
func (p *Pool) Slots() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.slotsLocked()
}

// Free is the number of usable GPUs nobody holds.
func (p *Pool) Free() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.freeLocked())
}

// Acquire blocks until n GPUs are free and no earlier request waits, then
// leases them (lowest indices first). It fails at once, or as soon as
// quarantine makes it so, when n exceeds the usable GPUs (ErrInsufficient),
// and with ctx.Err() when ctx ends first.
func (p *Pool) Acquire(ctx context.Context, n int) (*Lease, error) {
	if n < 1 {
		return nil, fmt.Errorf("gpu: acquire %d GPUs: want at least 1", n)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p.mu.Lock()
	if err := p.checkLocked(n); err != nil {
		p.mu.Unlock()
		return nil, err
	}
	if len(p.queue) == 0 {
		if free := p.freeLocked(); len(free) >= n {
			l := p.grantLocked(free[:n])
			p.mu.Unlock()
			return l, nil
		}
	}
	w := &waiter{n: n, ready: make(chan struct{})}
	p.queue = append(p.queue, w)
	p.mu.Unlock()

	select {
	case <-w.ready:
		return w.lease, w.err
	case <-ctx.Done():
	}
	p.mu.Lock()
	select {
	case <-w.ready: // served while we were giving up: hand it back
		p.mu.Unlock()
		if w.lease != nil {
			w.lease.Release()
		}
		return nil, ctx.Err()
	default:
	}
	p.queue = slices.DeleteFunc(p.queue, func(x *waiter) bool { return x == w })
	p.dispatchLocked() // the queue's head may have changed
	p.mu.Unlock()
	return nil, ctx.Err()
}

func (p *Pool) checkLocked(n int) error {
	if s := p.slotsLocked(); n > s {
		if len(p.gpus) == 0 {
			return fmt.Errorf("gpu: %d GPUs requested, this worker has no gpu slots: %w", n, ErrInsufficient)
		}
		return fmt.Errorf("gpu: %d GPUs requested, %d usable of %d: %w", n, s, len(p.gpus), ErrInsufficient)
	}
	return nil
}

func (p *Pool) grantLocked(gs []GPU) *Lease {
	for _, g := range gs {
		p.busy[g.Index] = true
	}
	return &Lease{p: p, gpus: slices.Clone(gs)}
}

// dispatchLocked serves the queue in order while its head can be served.
func (p *Pool) dispatchLocked() {
	for len(p.queue) > 0 {
		w := p.queue[0]
		if err := p.checkLocked(w.n); err != nil {
			w.err = err
		} else if free := p.freeLocked(); len(free) >= w.n {
			w.lease = p.grantLocked(free[:w.n])
		} else {
			return
		}
		p.queue = p.queue[1:]
		close(w.ready)
	}
}

// Quarantine marks the GPU of that index unusable for good (no further
// leases; a lease holding it keeps it until released).
func (p *Pool) Quarantine(index int, reason string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !slices.ContainsFunc(p.gpus, func(g GPU) bool { return g.Index == index }) {
		return fmt.Errorf("gpu: quarantine: no GPU %d", index)
	}
	p.quarantineLocked(index, reason)
	p.dispatchLocked()
	return nil
}

func (p *Pool) quarantineLocked(index int, reason string) {
	if reason == "" {
		reason = "quarantined"
	}
	p.quarantined[index] = reason
}

// Status is a snapshot of one GPU in the pool.
type Status struct {
	GPU
	// Slot: the GPU is healthy and not quarantined.
	Slot bool `json:"slot"`
	// Busy: a lease holds it.
	Busy bool `json:"busy"`
	// Quarantined is the reason it was taken out, if it was.
	Quarantined string `json:"quarantined,omitempty"`
}

// Status lists every GPU of the pool, by index, with its state.
func (p *Pool) Status() []Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Status, 0, len(p.gpus))
	for _, g := range p.gpus {
		out = append(out, Status{GPU: g, Slot: p.usableLocked(g), Busy: p.busy[g.Index], Quarantined: p.quarantined[g.Index]})
	}
	return out
}

// Lease is a set of GPUs held by one activity. Release it (or Quarantine
// it) exactly once it is done; further calls are no-ops.
type Lease struct {
	p        *Pool
	gpus     []GPU
	released bool // guarded by p.mu
}

// GPUs are the leased devices, by index.
func (l *Lease) GPUs() []GPU { return slices.Clone(l.gpus) }

// Indices are the leased devices' NVML indices.
func (l *Lease) Indices() []int {
	out := make([]int, len(l.gpus))
	for i, g := range l.gpus {
		out[i] = g.Index
	}
	return out
}

// CUDAVisibleDevices is the lease's CUDA_VISIBLE_DEVICES value: the GPUs'
// UUIDs ("GPU-…"/"MIG-…", which CUDA accepts and which do not depend on
// CUDA's device ordering, unlike NVML indices), or their indices when a
// device has no such UUID (CPUSlots).
func (l *Lease) CUDAVisibleDevices() string {
	parts := make([]string, len(l.gpus))
	useUUID := true
	for i, g := range l.gpus {
		parts[i] = g.UUID
		if !strings.HasPrefix(g.UUID, "GPU-") && !strings.HasPrefix(g.UUID, "MIG-") {
			useUUID = false
		}
	}
	if !useUUID {
		for i, g := range l.gpus {
			parts[i] = strconv.Itoa(g.Index)
		}
	}
	return strings.Join(parts, ",")
}

// Env is the environment that pins a process to the lease:
// CUDA_VISIBLE_DEVICES, and CUDA_DEVICE_ORDER=PCI_BUS_ID so that indices,
// when used, mean NVML's.
func (l *Lease) Env() []string {
	return []string{"CUDA_VISIBLE_DEVICES=" + l.CUDAVisibleDevices(), "CUDA_DEVICE_ORDER=PCI_BUS_ID"}
}

// Release returns the GPUs to the pool.
func (l *Lease) Release() {
	l.p.mu.Lock()
	defer l.p.mu.Unlock()
	l.releaseLocked()
	l.p.dispatchLocked()
}

func (l *Lease) releaseLocked() {
	if l.released {
		return
	}
	l.released = true
	for _, g := range l.gpus {
		delete(l.p.busy, g.Index)
	}
}

// Quarantine marks the lease's GPUs unusable (a training step failed on
// them in a way that points at the device) and releases the lease. It
// quarantines even after Release: the failure was seen on these GPUs.
func (l *Lease) Quarantine(reason string) {
	l.p.mu.Lock()
	defer l.p.mu.Unlock()
	for _, g := range l.gpus {
		l.p.quarantineLocked(g.Index, reason)
	}
	l.releaseLocked()
	l.p.dispatchLocked()
}

// CPUSlots returns n pseudo-devices for backends that need no GPU (the
// fake trainer of the tests, CPU smoke runs): a pool over them leases
// "devices" 0..n-1 like real ones (CUDA_VISIBLE_DEVICES gets the indices).
// They are never reported as GPUs.
func CPUSlots(n int) []GPU {
	out := make([]GPU, n)
	for i := range out {
		out[i] = GPU{Index: i, UUID: fmt.Sprintf("cpu-slot-%d", i), Name: "CPU slot (no GPU)", Healthy: true}
	}
	return out
}
