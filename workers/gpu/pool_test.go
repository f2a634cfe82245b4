package gpu

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func pool(t *testing.T, devs ...dev) *Pool {
	t.Helper()
	gpus, err := Discover(lib(devs...))
	if err != nil {
		t.Fatal(err)
	}
	return NewPool(gpus)
}

// acquireAsync starts Acquire in a goroutine; the channel yields its result.
type result struct {
	l   *Lease
	err error
}

func acquireAsync(ctx context.Context, p *Pool, n int) <-chan result {
	ch := make(chan result, 1)
	go func() {
		l, err := p.Acquire(ctx, n)
		ch <- result{l, err}
	}()
	return ch
}

func blocked(t *testing.T, ch <-chan result) {
	t.Helper()
	select {
	case r := <-ch:
		t.Fatalf("Acquire returned (%v, %v) while it should block", r.l, r.err)
	case <-time.After(50 * time.Millisecond):
	}
}

func got(t *testing.T, ch <-chan result) result {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(2 * time.Second):
		t.Fatal("Acquire still blocked")
	}
	return result{}
}

func TestUnhealthyGPUGetsNoSlot(t *testing.T) {
	p := pool(t, dev{uuid: "GPU-a"}, dev{uuid: "GPU-b", ecc: 2}, dev{uuid: "GPU-c"})
	if p.Slots() != 2 || p.Free() != 2 {
		t.Errorf("slots %d free %d, want 2 and 2", p.Slots(), p.Free())
	}
	st := p.Status()
	if len(st) != 3 || !st[0].Slot || st[1].Slot || !st[2].Slot || st[1].Problem == "" {
		t.Errorf("status %+v", st)
	}
	l, err := p.Acquire(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := l.Indices(); !slices.Equal(got, []int{0, 2}) {
		t.Errorf("leased %v, want [0 2] (GPU 1 is unhealthy)", got)
	}
	if _, err := p.Acquire(context.Background(), 3); !errors.Is(err, ErrInsufficient) {
		t.Errorf("got %v, want ErrInsufficient for 3 of 2 usable", err)
	}
}

func TestCUDAVisibleDevices(t *testing.T) {
	cases := []struct {
		name string
		gpus []GPU
		want string
	}{
		{"UUIDs of real GPUs", []GPU{{Index: 0, UUID: "GPU-aa", Healthy: true}, {Index: 1, UUID: "MIG-bb", Healthy: true}}, "GPU-aa,MIG-bb"},
		{"indices for CPU slots", CPUSlots(2), "0,1"},
		{"indices when a UUID is missing", []GPU{{Index: 3, UUID: "GPU-aa", Healthy: true}, {Index: 5, Healthy: true}}, "3,5"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := NewPool(tc.gpus)
			l, err := p.Acquire(context.Background(), len(tc.gpus))
			if err != nil {
				t.Fatal(err)
			}
			defer l.Release()
			if got := l.CUDAVisibleDevices(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if env := l.Env(); !slices.Contains(env, "CUDA_VISIBLE_DEVICES="+tc.want) || !slices.Contains(env, "CUDA_DEVICE_ORDER=PCI_BUS_ID") {
				t.Errorf("env %v", env)
			}
		})
	}
}

func TestAcquireBlocksUntilRelease(t *testing.T) {
	p := pool(t, dev{uuid: "GPU-a"}, dev{uuid: "GPU-b"})
	ctx := context.Background()
	l1, err := p.Acquire(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if l1.CUDAVisibleDevices() != "GPU-a,GPU-b" || p.Free() != 0 {
		t.Fatalf("lease %q, free %d", l1.CUDAVisibleDevices(), p.Free())
	}
	ch := acquireAsync(ctx, p, 1)
	blocked(t, ch)
	l1.Release()
	r := got(t, ch)
	if r.err != nil || r.l.CUDAVisibleDevices() != "GPU-a" {
		t.Fatalf("%v %v", r.l, r.err)
	}
	l1.Release() // a second release must not free GPU-a, which r.l holds
	if p.Free() != 1 {
		t.Errorf("free %d after a double release, want 1", p.Free())
	}
	st := p.Status()
	if !st[0].Busy || st[1].Busy {
		t.Errorf("status %+v", st)
	}
}

func TestAcquireIsFirstComeFirstServed(t *testing.T) {
	p := pool(t, dev{uuid: "GPU-a"}, dev{uuid: "GPU-b"})
	ctx := context.Background()
	l1, _ := p.Acquire(ctx, 1)
	l2, _ := p.Acquire(ctx, 1)
	two := acquireAsync(ctx, p, 2)
	blocked(t, two)
	one := acquireAsync(ctx, p, 1)
	blocked(t, one)
	l1.Release()
	// One GPU is free, but the request for two came first.
	blocked(t, one)
	blocked(t, two)
	l2.Release()
	r := got(t, two)
	if r.err != nil || len(r.l.Indices()) != 2 {
		t.Fatalf("%v %v", r.l, r.err)
	}
	blocked(t, one)
	r.l.Release()
	if r := got(t, one); r.err != nil {
		t.Fatal(r.err)
	}
}

func TestQuarantine(t *testing.T) {
	p := pool(t, dev{uuid: "GPU-a"}, dev{uuid: "GPU-b"})
	ctx := context.Background()
	l, err := p.Acquire(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	waiting := acquireAsync(ctx, p, 2) // needs both GPUs
	blocked(t, waiting)
	l.Quarantine("CUDA error: an illegal memory access was encountered")
	// Only one GPU is left usable: the waiting request can never be served.
	if r := got(t, waiting); !errors.Is(r.err, ErrInsufficient) {
		t.Errorf("waiting request got %v, want ErrInsufficient", r.err)
	}
	if p.Slots() != 1 || p.Free() != 1 {
		t.Errorf("slots %d free %d after quarantine, want 1 and 1", p.Slots(), p.Free())
	}
	st := p.Status()
	if st[0].Slot || !strings.Contains(st[0].Quarantined, "illegal memory access") || st[0].Busy {
		t.Errorf("status %+v", st[0])
	}
	for range 3 { // the quarantined GPU is never leased again
		l2, err := p.Acquire(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		if l2.CUDAVisibleDevices() != "GPU-b" {
			t.Fatalf("leased %s", l2.CUDAVisibleDevices())
		}
		l2.Release()
	}
	// Pool.Quarantine of a busy GPU: it stays with its lease, then is gone.
	l3, _ := p.Acquire(ctx, 1)
	if err := p.Quarantine(1, "operator"); err != nil {
		t.Fatal(err)
	}
	if p.Slots() != 0 {
		t.Errorf("slots %d, want 0", p.Slots())
	}
	l3.Release()
	if p.Free() != 0 {
		t.Errorf("a quarantined GPU came back free")
	}
	if _, err := p.Acquire(ctx, 1); !errors.Is(err, ErrInsufficient) {
		t.Errorf("got %v, want ErrInsufficient", err)
	}
	if err := p.Quarantine(7, "x"); err == nil {
		t.Error("quarantined a GPU the pool does not have")
	}
}

func TestAcquireCancelled(t *testing.T) {
	p := pool(t, dev{uuid: "GPU-a"}, dev{uuid: "GPU-b"})
	l, _ := p.Acquire(context.Background(), 2)
	ctx, cancel := context.WithCancel(context.Background())
	ch := acquireAsync(ctx, p, 1)
	blocked(t, ch)
	cancel()
	if r := got(t, ch); !errors.Is(r.err, context.Canceled) || r.l != nil {
		t.Errorf("got %v %v, want context.Canceled", r.l, r.err)
	}
	// The cancelled waiter left the queue: the next request is served.
	l.Release()
	if p.Free() != 2 {
		t.Errorf("free %d, want 2: the cancelled request kept GPUs", p.Free())
	}
	if _, err := p.Acquire(context.Background(), 2); err != nil {
		t.Errorf("after a cancelled waiter: %v", err)
	}
	// A done context fails at once even when GPUs are free.
	if _, err := NewPool(CPUSlots(1)).Acquire(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func TestCancelledHeadUnblocksTheQueue(t *testing.T) {
	p := pool(t, dev{uuid: "GPU-a"}, dev{uuid: "GPU-b"})
	l, _ := p.Acquire(context.Background(), 1)
	ctx, cancel := context.WithCancel(context.Background())
	head := acquireAsync(ctx, p, 2) // cannot be served while l is held
	blocked(t, head)
	next := acquireAsync(context.Background(), p, 1) // behind it, though a GPU is free
	blocked(t, next)
	cancel()
	if r := got(t, head); !errors.Is(r.err, context.Canceled) {
		t.Errorf("head got %v", r.err)
	}
	if r := got(t, next); r.err != nil {
		t.Errorf("next got %v", r.err)
	}
	l.Release()
}

func TestAcquireRejectsBadCounts(t *testing.T) {
	cases := []struct {
		name string
		p    *Pool
		n    int
		want string
	}{
		{"zero", NewPool(CPUSlots(2)), 0, "at least 1"},
		{"negative", NewPool(CPUSlots(2)), -1, "at least 1"},
		{"more than the pool", NewPool(CPUSlots(2)), 3, "3 GPUs requested, 2 usable of 2"},
		{"empty pool", NewPool(nil), 1, "no gpu slots"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.p.Acquire(context.Background(), tc.n); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestPoolUnderConcurrency(t *testing.T) {
	p := NewPool(CPUSlots(3))
	var mu sync.Mutex
	held := map[int]bool{}
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := p.Acquire(context.Background(), 1+i%2)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			for _, ix := range l.Indices() {
				if held[ix] {
					t.Errorf("GPU %d leased twice", ix)
				}
				held[ix] = true
			}
			mu.Unlock()
			time.Sleep(time.Millisecond)
			mu.Lock()
			for _, ix := range l.Indices() {
				delete(held, ix)
			}
			mu.Unlock()
			l.Release()
		}()
	}
	wg.Wait()
	if p.Free() != 3 {
		t.Errorf("free %d after all releases, want 3", p.Free())
	}
}
