// Package gpu discovers NVIDIA GPUs through NVML (go-nvml) and hands them
// out as slots to training activities: one slot per healthy GPU, leases
// pinned with CUDA_VISIBLE_DEVICES, and quarantine for a GPU that fails.
// On a machine without an NVIDIA driver it reports that clearly and
// offers no slots. It has no Temporal import; the gpu worker wraps it.
package gpu

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
)

// GPU is one device as NVML reports it.
type GPU struct {
	Index       int    `json:"index"`
	UUID        string `json:"uuid"`
	Name        string `json:"name"`
	MemoryTotal uint64 `json:"memory_total"`
	MemoryUsed  uint64 `json:"memory_used"`
	Utilization uint32 `json:"utilization_percent"`
	Healthy     bool   `json:"healthy"`
	// Problem says why a GPU is unhealthy.
	Problem string `json:"problem,omitempty"`
}

// ErrNoGPU means NVML is unavailable or finds no device.
var ErrNoGPU = errors.New("no NVIDIA GPU found; this worker offers no gpu slots")

func nvErr(what string, r nvml.Return) error {
	return fmt.Errorf("%s: %s", what, nvml.ErrorString(r))
}

// Discover lists the GPUs of lib (nvml.New() on a real machine, the
// go-nvml mock in tests). Unsupported health queries count as healthy.
func Discover(lib nvml.Interface) ([]GPU, error) {
	if r := lib.Init(); r != nvml.SUCCESS {
		return nil, fmt.Errorf("%w (NVML: %s)", ErrNoGPU, nvml.ErrorString(r))
	}
	defer lib.Shutdown()
	n, r := lib.DeviceGetCount()
	if r != nvml.SUCCESS {
		return nil, fmt.Errorf("%w (%v)", ErrNoGPU, nvErr("device count", r))
	}
	if n == 0 {
		return nil, ErrNoGPU
	}
	out := make([]GPU, 0, n)
	for i := 0; i < n; i++ {
		d, r := lib.DeviceGetHandleByIndex(i)
		if r != nvml.SUCCESS {
			out = append(out, GPU{Index: i, Problem: nvErr("handle", r).Error()})
			continue
		}
		g := GPU{Index: i, Healthy: true}
		g.UUID, _ = d.GetUUID()
		g.Name, _ = d.GetName()
		if m, r := d.GetMemoryInfo(); r == nvml.SUCCESS {
			g.MemoryTotal, g.MemoryUsed = m.Total, m.Used
		} else {
			g.Healthy, g.Problem = false, nvErr("memory info", r).Error()
		}
		if u, r := d.GetUtilizationRates(); r == nvml.SUCCESS {
			g.Utilization = u.Gpu
		}
		if ecc, r := d.GetTotalEccErrors(nvml.MEMORY_ERROR_TYPE_UNCORRECTED, nvml.VOLATILE_ECC); r == nvml.SUCCESS && ecc > 0 {
			g.Healthy, g.Problem = false, fmt.Sprintf("%d uncorrected ECC errors", ecc)
		}
		if st, r := d.GetRetiredPagesPendingStatus(); r == nvml.SUCCESS && st == nvml.FEATURE_ENABLED {
			g.Healthy, g.Problem = false, "retired pages pending (reset needed)"
		}
		out = append(out, g)
	}
	return out, nil
}

// Pool hands out healthy GPUs.
type Pool struct {
	mu          sync.Mutex
	gpus        map[int]GPU
	busy        map[int]bool
	quarantined map[int]string
	wake        chan struct{}
}

// NewPool offers one slot per healthy GPU.
func NewPool(gpus []GPU) *Pool {
	p := &Pool{gpus: map[int]GPU{}, busy: map[int]bool{}, quarantined: map[int]string{}, wake: make(chan struct{})}
	for _, g := range gpus {
		if g.Healthy {
			p.gpus[g.Index] = g
		}
	}
	return p
}

// Slots is the number of usable GPUs (not quarantined).
func (p *Pool) Slots() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.gpus) - len(p.quarantined)
}

// Lease is a set of GPUs held by one activity.
type Lease struct {
	p   *Pool
	ids []int
}

// Acquire blocks until n GPUs are free, or ctx ends.
func (p *Pool) Acquire(ctx context.Context, n int) (*Lease, error) {
	for {
		p.mu.Lock()
		if n > len(p.gpus)-len(p.quarantined) {
			p.mu.Unlock()
			return nil, fmt.Errorf("gpu: %d GPUs requested, %d usable", n, p.Slots())
		}
		var free []int
		for id := range p.gpus {
			if !p.busy[id] && p.quarantined[id] == "" {
				free = append(free, id)
			}
		}
		sort.Ints(free)
		if len(free) >= n {
			free = free[:n]
			for _, id := range free {
				p.busy[id] = true
			}
			p.mu.Unlock()
			return &Lease{p: p, ids: free}, nil
		}
		wake := p.wake
		p.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-wake:
		}
	}
}

func (p *Pool) broadcast() {
	close(p.wake)
	p.wake = make(chan struct{})
}

// CUDAVisibleDevices is the lease's CUDA_VISIBLE_DEVICES value.
func (l *Lease) CUDAVisibleDevices() string {
	parts := make([]string, len(l.ids))
	for i, id := range l.ids {
		parts[i] = strconv.Itoa(id)
	}
	return strings.Join(parts, ",")
}

// Release returns the GPUs to the pool.
func (l *Lease) Release() {
	l.p.mu.Lock()
	defer l.p.mu.Unlock()
	for _, id := range l.ids {
		delete(l.p.busy, id)
	}
	l.p.broadcast()
}

// Quarantine marks the lease's GPUs unusable (a training step failed on
// them in a way that points at the device) and releases the lease.
func (l *Lease) Quarantine(reason string) {
	l.p.mu.Lock()
	for _, id := range l.ids {
		l.p.quarantined[id] = reason
	}
	l.p.mu.Unlock()
	l.Release()
}

// Status is a snapshot: every GPU with busy and quarantine state.
type Status struct {
	GPU
	Busy        bool   `json:"busy"`
	Quarantined string `json:"quarantined,omitempty"`
}

// Status lists the pool's GPUs.
func (p *Pool) Status() []Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []Status
	for id, g := range p.gpus {
		out = append(out, Status{GPU: g, Busy: p.busy[id], Quarantined: p.quarantined[id]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out
}

// CPUSlots returns n pseudo-devices for backends that need no GPU (the
// fake trainer of the tests, CPU smoke runs): a pool over them leases
// "devices" 0..n-1 like real ones. They are never reported as GPUs.
func CPUSlots(n int) []GPU {
	out := make([]GPU, n)
	for i := range out {
		out[i] = GPU{Index: i, UUID: fmt.Sprintf("cpu-slot-%d", i), Name: "CPU slot (no GPU)", Healthy: true}
	}
	return out
}
