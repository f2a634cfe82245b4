package openai_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

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

// TestRequestWire: what reaches the server for each request option (a zero
// temperature is sent, not omitted; return_token_ids and response_format
// pass through), and the token trace read back from the response.
func TestRequestWire(t *testing.T) {
	var got map[string]json.RawMessage
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = nil
		if err := json.NewDecoder(r.Body).Decode(&got); err != nil {
			t.Errorf("request body: %v", err)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"x","object":"chat.completion","prompt_token_ids":[1,2,3],"weight_version":4,
			"choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"length","token_ids":[7,8],
			"logprobs":{"content":[{"token":"o","logprob":-0.5},{"token":"k","logprob":-1.25}]}}]}`))
	}))
	defer srv.Close()
	c := openai.New(openai.Config{BaseURL: srv.URL + "/v1", MaxRetries: -1})
	tests := []struct {
		name  string
		req   llm.Request
		want  map[string]string // raw JSON of fields that must be present
		none  []string          // fields that must be absent
		trace bool
	}{
		{"greedy", llm.Request{Model: "m"}, map[string]string{"temperature": "0"}, []string{"return_token_ids", "response_format"}, false},
		{"sampled", llm.Request{Model: "m", Temperature: 0.5}, map[string]string{"temperature": "0.5"}, []string{"return_token_ids"}, false},
		{"token trace", llm.Request{Model: "m", Temperature: 1, ReturnTokenIDs: true, Logprobs: true},
			map[string]string{"temperature": "1", "return_token_ids": "true", "logprobs": "true"}, nil, true},
		{"json schema", llm.Request{Model: "m", ResponseFormat: &goopenai.ChatCompletionResponseFormat{Type: goopenai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &goopenai.ChatCompletionResponseFormatJSONSchema{Name: "plan", Schema: json.RawMessage(`{"type":"object"}`)}}},
			map[string]string{"temperature": "0", "response_format": `{"type":"json_schema","json_schema":{"name":"plan","schema":{"type":"object"},"strict":false}}`}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := c.Complete(context.Background(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.want {
				var a, b any
				_ = json.Unmarshal(got[k], &a)
				_ = json.Unmarshal([]byte(v), &b)
				ja, _ := json.Marshal(a)
				jb, _ := json.Marshal(b)
				if string(ja) != string(jb) {
					t.Errorf("%s = %s, want %s", k, got[k], v)
				}
			}
			for _, k := range tt.none {
				if _, ok := got[k]; ok {
					t.Errorf("%s sent: %s", k, got[k])
				}
			}
			if resp.FinishReason != "length" {
				t.Errorf("FinishReason = %q", resp.FinishReason)
			}
			if !tt.trace {
				if resp.Tokens != nil {
					t.Errorf("token trace without asking: %+v", resp.Tokens)
				}
				return
			}
			tr := resp.Tokens
			if tr == nil {
				t.Fatal("no token trace")
			}
			if fmt.Sprintf("%v %v %v %s", tr.PromptIDs, tr.CompletionIDs, tr.Logprobs, tr.WeightVersion) != "[1 2 3] [7 8] [-0.5 -1.25] 4" {
				t.Errorf("trace = %+v", *tr)
			}
		})
	}
}
