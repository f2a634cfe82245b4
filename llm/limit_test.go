package llm

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	goopenai "github.com/sashabaranov/go-openai"
)

// gateChat blocks every call until release is closed, recording the order
// in which calls entered.
type gateChat struct {
	mu      sync.Mutex
	entered []string
	arrived chan struct{}
	release chan struct{}
}

func (g *gateChat) Complete(ctx context.Context, req Request) (Response, error) {
	g.mu.Lock()
	g.entered = append(g.entered, req.Messages[0].Content)
	g.mu.Unlock()
	g.arrived <- struct{}{}
	select {
	case <-g.release:
	case <-ctx.Done():
		return Response{}, ctx.Err()
	}
	return Response{}, nil
}

func call(name string) Request {
	return Request{Messages: []goopenai.ChatCompletionMessage{{Role: goopenai.ChatMessageRoleUser, Content: name}}}
}

// waitQueued waits until n calls wait for a slot of l.
func waitQueued(t *testing.T, l *Limited, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		l.mu.Lock()
		q := len(l.wait)
		l.mu.Unlock()
		if q == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d calls queued, want %d", q, n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestLimitedServesLowestPriorityFirst(t *testing.T) {
	cases := []struct {
		name   string
		queued []struct {
			name string
			prio int64
		}
		want []string
	}{
		{"priority order", []struct {
			name string
			prio int64
		}{{"c", 30}, {"a", 10}, {"b", 20}}, []string{"holder", "a", "b", "c"}},
		{"ties in arrival order", []struct {
			name string
			prio int64
		}{{"x", 5}, {"y", 5}, {"z", 5}}, []string{"holder", "x", "y", "z"}},
		{"unset priority is 0", []struct {
			name string
			prio int64
		}{{"late", 3}, {"none", -1}}, []string{"holder", "none", "late"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := &gateChat{arrived: make(chan struct{}, 16), release: make(chan struct{})}
			l := Limit(g, 1, 0)
			var wg sync.WaitGroup
			run := func(ctx context.Context, name string) {
				defer wg.Done()
				if _, err := l.Complete(ctx, call(name)); err != nil {
					t.Error(err)
				}
			}
			wg.Add(1)
			go run(context.Background(), "holder")
			<-g.arrived
			for i, q := range c.queued {
				ctx := context.Background()
				if q.prio >= 0 {
					ctx = WithPriority(ctx, q.prio)
				}
				wg.Add(1)
				go run(ctx, q.name)
				waitQueued(t, l, i+1)
			}
			close(g.release)
			wg.Wait()
			if len(g.entered) != len(c.want) {
				t.Fatalf("entered %v, want %v", g.entered, c.want)
			}
			for i := range c.want {
				if g.entered[i] != c.want[i] {
					t.Fatalf("entered %v, want %v", g.entered, c.want)
				}
			}
		})
	}
}

func TestLimitedCancelledWaiterGivesUpItsPlace(t *testing.T) {
	g := &gateChat{arrived: make(chan struct{}, 16), release: make(chan struct{})}
	l := Limit(g, 1, 0)
	done := make(chan error, 3)
	go func() { _, err := l.Complete(context.Background(), call("holder")); done <- err }()
	<-g.arrived
	ctx, cancel := context.WithCancel(WithPriority(context.Background(), 1))
	go func() { _, err := l.Complete(ctx, call("cancelled")); done <- err }()
	waitQueued(t, l, 1)
	go func() { _, err := l.Complete(WithPriority(context.Background(), 2), call("next")); done <- err }()
	waitQueued(t, l, 2)
	cancel()
	waitQueued(t, l, 1)
	close(g.release)
	var errs []error
	for range 3 {
		errs = append(errs, <-done)
	}
	canceled := 0
	for _, err := range errs {
		if errors.Is(err, context.Canceled) {
			canceled++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if canceled != 1 || len(g.entered) != 2 || g.entered[1] != "next" {
		t.Fatalf("entered %v, %d cancelled", g.entered, canceled)
	}
	if l.used != 0 || len(l.wait) != 0 {
		t.Fatalf("slots leaked: used %d, waiting %d", l.used, len(l.wait))
	}
}

// instantChat answers at once.
type instantChat struct{}

func (instantChat) Complete(context.Context, Request) (Response, error) { return Response{}, nil }

func TestLimitedPriorityStepsBackPerCall(t *testing.T) {
	g := &gateChat{arrived: make(chan struct{}, 16), release: make(chan struct{})}
	l := Limit(g, 8, 0) // step 8/4 = 2
	a := WithPriority(context.Background(), 0)
	// a's first call (elsewhere): its next call here has priority 0 + 1*2.
	if _, err := Limit(instantChat{}, 1, 0).Complete(a, call("a1")); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	run := func(ctx context.Context, name string) {
		defer wg.Done()
		if _, err := l.Complete(ctx, call(name)); err != nil {
			t.Error(err)
		}
	}
	for i := range 8 {
		wg.Add(1)
		go run(context.Background(), fmt.Sprint("holder", i))
		<-g.arrived
	}
	for i, q := range []struct {
		name string
		ctx  context.Context
	}{{"a2", a}, {"b1", WithPriority(context.Background(), 1)}, {"c1", WithPriority(context.Background(), 3)}} {
		wg.Add(1)
		go run(q.ctx, q.name)
		waitQueued(t, l, i+1)
	}
	// Free one slot at a time: each goes to the first waiter by priority.
	for range 3 {
		g.release <- struct{}{}
		<-g.arrived
	}
	close(g.release)
	wg.Wait()
	want := []string{"b1", "a2", "c1"}
	got := g.entered[8:]
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("entered %v, want holders then %v", g.entered, want)
		}
	}
}
