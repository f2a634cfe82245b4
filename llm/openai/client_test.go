package openai_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eigendata/eigendata/llm"
	"github.com/eigendata/eigendata/llm/openai"
)

// TestConcurrentCallsReuseConnections: rounds of concurrent calls reuse the
// first round's connections instead of dialling new ones.
func TestConcurrentCallsReuseConnections(t *testing.T) {
	const conc, rounds = 16, 3
	var dialled atomic.Int32
	var mu sync.Mutex
	arrived := 0
	all := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Hold each round's calls until all of them are in flight.
		mu.Lock()
		arrived++
		wait := all
		if arrived == conc {
			arrived = 0
			close(all)
			all = make(chan struct{})
		}
		mu.Unlock()
		select {
		case <-wait:
		case <-r.Context().Done():
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}`))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dialled.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c := openai.New(openai.Config{BaseURL: srv.URL + "/v1", MaxRetries: -1})
	for r := 0; r < rounds; r++ {
		var wg sync.WaitGroup
		errs := make(chan error, conc)
		for i := 0; i < conc; i++ {
			wg.Go(func() {
				if _, err := c.Complete(context.Background(), llm.Request{Model: "m"}); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	}
	if n := dialled.Load(); n > conc {
		t.Errorf("%d connections for %d rounds of %d concurrent calls, want at most %d", n, rounds, conc, conc)
	}
}

// TestBackoffReleasesSlot: with one call slot, a call whose first attempt
// failed waits out its backoff without the slot, so another call goes
// first.
func TestBackoffReleasesSlot(t *testing.T) {
	var mu sync.Mutex
	var order []string
	firstA := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Model string `json:"model"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		mu.Lock()
		order = append(order, req.Model)
		first := len(order) == 1
		mu.Unlock()
		if first {
			http.Error(w, `{"error":{"message":"busy"}}`, http.StatusInternalServerError)
			close(firstA)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}`))
	}))
	defer srv.Close()
	c := openai.New(openai.Config{BaseURL: srv.URL + "/v1", InitialBackoff: time.Second, MaxRetries: 2,
		Logger: slog.New(slog.DiscardHandler), Slots: llm.NewLimiter(1, 0)})
	var wg sync.WaitGroup
	for _, m := range []string{"a", "b"} {
		if m == "b" {
			<-firstA
		}
		wg.Go(func() {
			if _, err := c.Complete(context.Background(), llm.Request{Model: m}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := strings.Join(order, ","); got != "a,b,a" {
		t.Errorf("attempts reached the endpoint in order %s, want a,b,a (b during a's backoff)", got)
	}
}
