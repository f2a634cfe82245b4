package llm

import (
	"container/heap"
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Limited bounds calls to one endpoint: at most Concurrency in flight and
// at most RPS started per second (0 = unlimited). Safe for concurrent use.
//
// A free call slot goes to the waiting call with the lowest priority (see
// WithPriority), ties in arrival order. With many more dialogues in flight
// than slots, a fair queue would advance them all in lockstep, so they
// would all end at once and leave the slots idle while their successors
// start; priorities stagger their ends instead.
type Limited struct {
	next Chat
	mu   sync.Mutex
	cap  int // 0: no concurrency bound
	used int
	seq  uint64
	wait waiters
	gap  time.Duration
	last time.Time
}

// Limit wraps next with a concurrency bound and a request-rate bound.
func Limit(next Chat, concurrency int, rps float64) *Limited {
	l := &Limited{next: next, cap: concurrency}
	if rps > 0 {
		l.gap = time.Duration(float64(time.Second) / rps)
	}
	return l
}

type priorityKey struct{}

// callPriority is a context's priority and how many calls it has made.
type callPriority struct {
	base  int64
	calls atomic.Int64
}

// WithPriority returns a context whose model calls wait for a Limited's
// call slot by priority, lowest first: base for its first call, and a
// quarter of the limiter's slots more for each call it made before (base
// + n*max(1, concurrency/4) for its n-th call; each slot taken counts as a
// call, so a retried attempt, which takes a slot of its own, counts too).
// Calls without a priority have 0.
//
// Synthesis gives each dialogue its candidate index (the run's last
// cohort shares one: workflows.CallPriority), so earlier candidates go
// first and dialogues end one after another rather than all together. The per-call step lets later dialogues interleave with earlier
// ones: with a step of 0, cohorts of as many dialogues as slots start, run
// and end together, and each cohort's end is a burst of CPU work (checks,
// verification, the next candidates' start) between idle slots; with a
// step of a whole round of slots, every dialogue in flight advances in
// lockstep and they all end at once. On the synthesis benchmark (32 slots,
// dialogues of about 6 calls) steps of 6 to 10 did best.
func WithPriority(ctx context.Context, base int64) context.Context {
	return context.WithValue(ctx, priorityKey{}, &callPriority{base: base})
}

// step is how far back each call moves a context's next one.
func (l *Limited) step() int64 { return int64(max(1, l.cap/4)) }

// priority is the priority of ctx's next call on l.
func (l *Limited) priority(ctx context.Context) int64 {
	p, _ := ctx.Value(priorityKey{}).(*callPriority)
	if p == nil {
		return 0
	}
	return p.base + l.step()*(p.calls.Add(1)-1)
}

// NewLimiter returns a Limited used through Acquire and Release alone: by
// a client that holds a slot for each HTTP attempt, not for its retries.
func NewLimiter(concurrency int, rps float64) *Limited { return Limit(nil, concurrency, rps) }

// Acquire waits for a call slot, by ctx's priority, and for the request
// rate; Release frees the slot.
func (l *Limited) Acquire(ctx context.Context) error {
	if l.cap > 0 {
		if err := l.acquire(ctx); err != nil {
			return err
		}
	}
	if l.gap > 0 {
		l.mu.Lock()
		wait := time.Until(l.last.Add(l.gap))
		if wait < 0 {
			wait = 0
		}
		l.last = time.Now().Add(wait)
		l.mu.Unlock()
		if wait > 0 {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				l.Release()
				return ctx.Err()
			}
		}
	}
	return nil
}

// Release frees a slot taken by Acquire.
func (l *Limited) Release() {
	if l.cap > 0 {
		l.release()
	}
}

// Complete implements Chat.
func (l *Limited) Complete(ctx context.Context, req Request) (Response, error) {
	if err := l.Acquire(ctx); err != nil {
		return Response{}, err
	}
	defer l.Release()
	return l.next.Complete(ctx, req)
}

func (l *Limited) acquire(ctx context.Context) error {
	prio := l.priority(ctx)
	l.mu.Lock()
	if l.used < l.cap && len(l.wait) == 0 {
		l.used++
		l.mu.Unlock()
		return nil
	}
	l.seq++
	w := &waiter{prio: prio, seq: l.seq, ready: make(chan struct{})}
	heap.Push(&l.wait, w)
	l.mu.Unlock()
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		l.mu.Lock()
		granted := w.index < 0
		if !granted {
			heap.Remove(&l.wait, w.index)
		}
		l.mu.Unlock()
		if granted { // the slot was handed over as we gave up: pass it on
			l.release()
		}
		return ctx.Err()
	}
}

// release hands the slot to the first waiter, or frees it.
func (l *Limited) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.wait) > 0 {
		w := heap.Pop(&l.wait).(*waiter)
		close(w.ready) // the slot passes on; used is unchanged
		return
	}
	l.used--
}

type waiter struct {
	prio  int64
	seq   uint64
	index int // position in the heap; -1 once granted
	ready chan struct{}
}

// waiters is a min-heap by (prio, seq).
type waiters []*waiter

func (h waiters) Len() int { return len(h) }
func (h waiters) Less(i, j int) bool {
	if h[i].prio != h[j].prio {
		return h[i].prio < h[j].prio
	}
	return h[i].seq < h[j].seq
}
func (h waiters) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *waiters) Push(x any) {
	w := x.(*waiter)
	w.index = len(*h)
	*h = append(*h, w)
}
func (h *waiters) Pop() any {
	old := *h
	w := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	w.index = -1
	return w
}
