package llm

import (
	"context"
	"sync"
	"time"
)

// Limited bounds calls to one endpoint: at most Concurrency in flight and
// at most RPS started per second (0 = unlimited). Safe for concurrent use.
type Limited struct {
	next Chat
	sem  chan struct{}
	mu   sync.Mutex
	gap  time.Duration
	last time.Time
}

// Limit wraps next with a concurrency bound and a request-rate bound.
func Limit(next Chat, concurrency int, rps float64) *Limited {
	l := &Limited{next: next}
	if concurrency > 0 {
		l.sem = make(chan struct{}, concurrency)
	}
	if rps > 0 {
		l.gap = time.Duration(float64(time.Second) / rps)
	}
	return l
}

// Complete implements Chat.
func (l *Limited) Complete(ctx context.Context, req Request) (Response, error) {
	if l.sem != nil {
		select {
		case l.sem <- struct{}{}:
			defer func() { <-l.sem }()
		case <-ctx.Done():
			return Response{}, ctx.Err()
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
				return Response{}, ctx.Err()
			}
		}
	}
	return l.next.Complete(ctx, req)
}
