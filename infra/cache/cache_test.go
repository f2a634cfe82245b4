package cache

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	goopenai "github.com/sashabaranov/go-openai"

	"github.com/eigendata/eigendata/llm"
)

// fakeChat answers every request with a response naming the call number,
// or with err when set.
type fakeChat struct {
	calls atomic.Int64
	err   error
}

func (f *fakeChat) Complete(_ context.Context, req llm.Request) (llm.Response, error) {
	n := f.calls.Add(1)
	if f.err != nil {
		return llm.Response{}, f.err
	}
	return llm.Response{
		Message: goopenai.ChatCompletionMessage{Role: goopenai.ChatMessageRoleAssistant,
			Content: req.Model + " answer " + string(rune('0'+n))},
		Usage: goopenai.Usage{PromptTokens: 10, CompletionTokens: int(n), TotalTokens: 10 + int(n)},
	}, nil
}

func seed(n int) *int { return &n }

func baseRequest() llm.Request {
	return llm.Request{
		Model: "m1",
		Messages: []goopenai.ChatCompletionMessage{
			{Role: goopenai.ChatMessageRoleSystem, Content: "be brief"},
			{Role: goopenai.ChatMessageRoleUser, Content: "hi"},
		},
		Tools: []goopenai.Tool{{Type: goopenai.ToolTypeFunction, Function: &goopenai.FunctionDefinition{
			Name: "get_user", Parameters: json.RawMessage(`{"type":"object","properties":{"id":{"type":"string"}}}`)}}},
		MaxTokens: 256,
	}
}

// logBuffer is a concurrency-safe sink for a text logger.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newMini(t *testing.T, opts Options) (*Cache, *miniredis.Miniredis) {
	t.Helper()
	m := miniredis.RunT(t)
	rc := redis.NewClient(&redis.Options{Addr: m.Addr()})
	t.Cleanup(func() { rc.Close() })
	return New(rc, opts), m
}

func TestWrapHitAfterIdenticalRequest(t *testing.T) {
	c, _ := newMini(t, Options{})
	inner := &fakeChat{}
	chat := c.Wrap("http://llm", inner)
	ctx := context.Background()
	first, err := chat.Complete(ctx, baseRequest())
	if err != nil {
		t.Fatal(err)
	}
	second, err := chat.Complete(ctx, baseRequest())
	if err != nil {
		t.Fatal(err)
	}
	if got := inner.calls.Load(); got != 1 {
		t.Errorf("inner calls = %d, want 1", got)
	}
	a, _ := json.Marshal(first)
	b, _ := json.Marshal(second)
	if !bytes.Equal(a, b) {
		t.Errorf("cached response differs:\n%s\n%s", a, b)
	}
	if got, want := c.Stats(), (Stats{Hits: 1, Misses: 1}); got != want {
		t.Errorf("Stats = %+v, want %+v", got, want)
	}
}

func TestWrapCachingPolicy(t *testing.T) {
	tests := []struct {
		name        string
		temperature float32
		seed        *int
		trace       bool
		cached      bool
	}{
		{"greedy", 0, nil, false, true},
		{"greedy with seed", 0, seed(7), false, true},
		{"sampled with seed", 0.7, seed(7), false, true},
		{"sampled without seed", 0.7, nil, false, false},
		{"sampled hot without seed", 1.5, nil, false, false},
		{"greedy token trace", 0, nil, true, false},
		{"seeded token trace", 1, seed(7), true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Cacheable(llm.Request{Temperature: tt.temperature, Seed: tt.seed, ReturnTokenIDs: tt.trace, Logprobs: tt.trace}); got != tt.cached {
				t.Errorf("Cacheable = %v, want %v", got, tt.cached)
			}
			c, m := newMini(t, Options{})
			inner := &fakeChat{}
			chat := c.Wrap("http://llm", inner)
			req := baseRequest()
			req.Temperature, req.Seed = tt.temperature, tt.seed
			req.ReturnTokenIDs, req.Logprobs = tt.trace, tt.trace
			for range 3 {
				if _, err := chat.Complete(context.Background(), req); err != nil {
					t.Fatal(err)
				}
			}
			wantCalls, want := int64(3), Stats{Bypassed: 3}
			if tt.cached {
				wantCalls, want = 1, Stats{Hits: 2, Misses: 1}
			}
			if got := inner.calls.Load(); got != wantCalls {
				t.Errorf("inner calls = %d, want %d", got, wantCalls)
			}
			if got := c.Stats(); got != want {
				t.Errorf("Stats = %+v, want %+v", got, want)
			}
			if got := m.Exists(c.Key("http://llm", req)); got != tt.cached {
				t.Errorf("key stored = %v, want %v", got, tt.cached)
			}
		})
	}
}

func TestKeyDistinguishesRequests(t *testing.T) {
	c := New(nil, Options{})
	base := c.Key("http://a", baseRequest())
	tests := []struct {
		name     string
		endpoint string
		mutate   func(*llm.Request)
	}{
		{"endpoint", "http://b", func(*llm.Request) {}},
		{"model", "http://a", func(r *llm.Request) { r.Model = "m2" }},
		{"message content", "http://a", func(r *llm.Request) { r.Messages[1].Content = "hello" }},
		{"message role", "http://a", func(r *llm.Request) { r.Messages[1].Role = goopenai.ChatMessageRoleAssistant }},
		{"extra message", "http://a", func(r *llm.Request) {
			r.Messages = append(r.Messages, goopenai.ChatCompletionMessage{Role: "user", Content: "more"})
		}},
		{"no tools", "http://a", func(r *llm.Request) { r.Tools = nil }},
		{"tool name", "http://a", func(r *llm.Request) { r.Tools[0].Function.Name = "get_order" }},
		{"tool parameters", "http://a", func(r *llm.Request) {
			r.Tools[0].Function.Parameters = json.RawMessage(`{"type":"object"}`)
		}},
		{"temperature", "http://a", func(r *llm.Request) { r.Temperature = 0.5 }},
		{"seed", "http://a", func(r *llm.Request) { r.Seed = seed(1) }},
		{"other seed", "http://a", func(r *llm.Request) { r.Seed = seed(2) }},
		{"seed zero", "http://a", func(r *llm.Request) { r.Seed = seed(0) }},
		{"max tokens", "http://a", func(r *llm.Request) { r.MaxTokens = 512 }},
		{"json object", "http://a", func(r *llm.Request) {
			r.ResponseFormat = &goopenai.ChatCompletionResponseFormat{Type: goopenai.ChatCompletionResponseFormatTypeJSONObject}
		}},
		{"json schema", "http://a", func(r *llm.Request) {
			r.ResponseFormat = &goopenai.ChatCompletionResponseFormat{Type: goopenai.ChatCompletionResponseFormatTypeJSONSchema,
				JSONSchema: &goopenai.ChatCompletionResponseFormatJSONSchema{Name: "plan", Schema: json.RawMessage(`{"type":"object"}`)}}
		}},
	}
	seen := map[string]string{base: "base"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := baseRequest()
			tt.mutate(&req)
			k := c.Key(tt.endpoint, req)
			if k == "" {
				t.Fatal("Key is empty")
			}
			if other, dup := seen[k]; dup {
				t.Errorf("key equals that of %q", other)
			}
			seen[k] = tt.name
		})
	}
}

func TestKeyIsCanonical(t *testing.T) {
	c := New(nil, Options{Prefix: "p:"})
	k := c.Key("http://a", baseRequest())
	if !regexp.MustCompile(`^p:[0-9a-f]{64}$`).MatchString(k) {
		t.Fatalf("Key = %q, want p: and 64 hex digits", k)
	}
	tests := []struct {
		name   string
		params any
	}{
		{"reformatted raw schema", json.RawMessage("{ \"properties\": {\"id\": {\"type\": \"string\"}},\n \"type\": \"object\" }")},
		{"schema as a map", map[string]any{"type": "object", "properties": map[string]any{"id": map[string]any{"type": "string"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := baseRequest()
			req.Tools[0].Function.Parameters = tt.params
			if got := c.Key("http://a", req); got != k {
				t.Errorf("Key = %q, want %q", got, k)
			}
		})
	}
	bad := baseRequest()
	bad.Messages[0].MultiContent = []goopenai.ChatMessagePart{{Type: goopenai.ChatMessagePartTypeText, Text: "x"}}
	if got := c.Key("http://a", bad); got != "" {
		t.Errorf("Key of an unencodable request = %q, want empty", got)
	}
}

func TestWrapUnencodableRequestBypasses(t *testing.T) {
	c, _ := newMini(t, Options{})
	inner := &fakeChat{}
	req := baseRequest()
	req.Messages[0].MultiContent = []goopenai.ChatMessagePart{{Type: goopenai.ChatMessagePartTypeText, Text: "x"}}
	if _, err := c.Wrap("e", inner).Complete(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if got, want := c.Stats(), (Stats{Bypassed: 1}); got != want {
		t.Errorf("Stats = %+v, want %+v", got, want)
	}
}

func TestWrapInnerErrorNotCached(t *testing.T) {
	c, m := newMini(t, Options{})
	boom := errors.New("boom")
	inner := &fakeChat{err: boom}
	chat := c.Wrap("e", inner)
	if _, err := chat.Complete(context.Background(), baseRequest()); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if keys := m.Keys(); len(keys) != 0 {
		t.Fatalf("stored %v after an error", keys)
	}
	inner.err = nil
	if _, err := chat.Complete(context.Background(), baseRequest()); err != nil {
		t.Fatal(err)
	}
	if got := inner.calls.Load(); got != 2 {
		t.Errorf("inner calls = %d, want 2", got)
	}
	if got, want := c.Stats(), (Stats{Misses: 2}); got != want {
		t.Errorf("Stats = %+v, want %+v", got, want)
	}
}

func TestTTL(t *testing.T) {
	tests := []struct {
		name string
		opt  time.Duration
		want time.Duration
	}{
		{"default", 0, DefaultTTL},
		{"custom", time.Hour, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, m := newMini(t, Options{TTL: tt.opt})
			inner := &fakeChat{}
			chat := c.Wrap("e", inner)
			if _, err := chat.Complete(context.Background(), baseRequest()); err != nil {
				t.Fatal(err)
			}
			key := c.Key("e", baseRequest())
			if got := m.TTL(key); got != tt.want {
				t.Fatalf("TTL = %v, want %v", got, tt.want)
			}
			m.FastForward(tt.want - time.Second)
			if !m.Exists(key) {
				t.Fatal("key expired early")
			}
			m.FastForward(2 * time.Second)
			if m.Exists(key) {
				t.Fatal("key did not expire")
			}
			if _, err := chat.Complete(context.Background(), baseRequest()); err != nil {
				t.Fatal(err)
			}
			if got := inner.calls.Load(); got != 2 {
				t.Errorf("inner calls = %d, want 2 (expired value served)", got)
			}
		})
	}
}

// hungServer accepts connections and never answers.
func hungServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				_, _ = io.Copy(io.Discard, conn)
			}()
		}
	}()
	return l.Addr().String()
}

func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestRedisUnavailableIsMiss(t *testing.T) {
	tests := []struct {
		name string
		addr func(t *testing.T) string
	}{
		{"stopped server", func(t *testing.T) string {
			m := miniredis.RunT(t)
			addr := m.Addr()
			m.Close()
			return addr
		}},
		{"closed port", closedPort},
		// The client has no ContextTimeoutEnabled and a 3 s read timeout:
		// only the cache's own bound keeps the call fast.
		{"hung server", hungServer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs logBuffer
			rc := redis.NewClient(&redis.Options{Addr: tt.addr(t), ReadTimeout: 3 * time.Second, MaxRetries: -1})
			t.Cleanup(func() { rc.Close() })
			c := New(rc, Options{Timeout: 100 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			inner := &fakeChat{}
			start := time.Now()
			resp, err := c.Wrap("e", inner).Complete(context.Background(), baseRequest())
			if err != nil {
				t.Fatalf("Complete failed with redis unavailable: %v", err)
			}
			if elapsed := time.Since(start); elapsed > 1500*time.Millisecond {
				t.Errorf("Complete took %v with a 100ms timeout", elapsed)
			}
			if !strings.HasPrefix(resp.Message.Content, "m1 answer") || inner.calls.Load() != 1 {
				t.Errorf("response %q after %d inner calls, want the inner answer", resp.Message.Content, inner.calls.Load())
			}
			if got, want := c.Stats(), (Stats{Misses: 1, Errors: 2}); got != want {
				t.Errorf("Stats = %+v, want %+v (failed GET and SET)", got, want)
			}
			if n := strings.Count(logs.String(), "level=WARN"); n != 2 {
				t.Errorf("%d warnings logged, want 2:\n%s", n, logs.String())
			}
		})
	}
}

func TestCorruptValueIsMiss(t *testing.T) {
	c, m := newMini(t, Options{})
	inner := &fakeChat{}
	chat := c.Wrap("e", inner)
	key := c.Key("e", baseRequest())
	if err := m.Set(key, "{not json"); err != nil {
		t.Fatal(err)
	}
	if _, err := chat.Complete(context.Background(), baseRequest()); err != nil {
		t.Fatal(err)
	}
	if got, want := c.Stats(), (Stats{Misses: 1, Errors: 1}); got != want {
		t.Errorf("Stats = %+v, want %+v", got, want)
	}
	// The fresh response replaced the corrupt value.
	if _, err := chat.Complete(context.Background(), baseRequest()); err != nil {
		t.Fatal(err)
	}
	if got := inner.calls.Load(); got != 1 {
		t.Errorf("inner calls = %d, want 1", got)
	}
	if got := c.Stats().Hits; got != 1 {
		t.Errorf("Hits = %d, want 1", got)
	}
}

func TestGetSetJSON(t *testing.T) {
	type rollout struct {
		Task   string  `json:"task"`
		Reward float64 `json:"reward"`
	}
	c, m := newMini(t, Options{TTL: time.Minute, Timeout: 100 * time.Millisecond})
	ctx := context.Background()
	var got rollout
	if c.GetJSON(ctx, "eigendata:rollout:x", &got) {
		t.Fatal("GetJSON hit on an empty cache")
	}
	want := rollout{Task: "t1", Reward: 0.5}
	c.SetJSON(ctx, "eigendata:rollout:x", want)
	if !m.Exists("eigendata:rollout:x") {
		t.Fatalf("SetJSON stored keys %v, want the verbatim key", m.Keys())
	}
	if ttl := m.TTL("eigendata:rollout:x"); ttl != time.Minute {
		t.Errorf("TTL = %v, want 1m", ttl)
	}
	if !c.GetJSON(ctx, "eigendata:rollout:x", &got) || got != want {
		t.Errorf("GetJSON = %+v, want %+v", got, want)
	}
	c.SetJSON(ctx, "eigendata:rollout:bad", func() {}) // does not encode
	if m.Exists("eigendata:rollout:bad") {
		t.Error("stored an unencodable value")
	}
	if got, want := c.Stats(), (Stats{Hits: 1, Misses: 1, Errors: 1}); got != want {
		t.Errorf("Stats = %+v, want %+v", got, want)
	}
	m.Close()
	c.SetJSON(ctx, "k", want) // must not panic or block
	if c.GetJSON(ctx, "eigendata:rollout:x", &got) {
		t.Error("GetJSON hit with redis down")
	}
}

func TestSetJSONSurvivesCancelledContext(t *testing.T) {
	c, m := newMini(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c.SetJSON(ctx, "k", 1)
	if !m.Exists("k") {
		t.Error("value paid for was not stored because the caller's context ended")
	}
}

func TestOpen(t *testing.T) {
	live := miniredis.RunT(t)
	tests := []struct {
		name    string
		url     string
		wantErr bool
		wantHit bool
	}{
		{"live server", "redis://" + live.Addr() + "/0", false, true},
		{"server down", "redis://" + closedPort(t) + "/0", false, false},
		{"wrong scheme", "http://" + live.Addr(), true, false},
		{"bad port", "redis://localhost:notaport/0", true, false},
		{"bad db", "redis://" + live.Addr() + "/x", true, false},
		{"empty", "", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			c, err := Open(ctx, tt.url, Options{Prefix: "open:" + tt.name + ":", Timeout: 200 * time.Millisecond})
			if (err != nil) != tt.wantErr {
				t.Fatalf("Open err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			defer c.Close()
			inner := &fakeChat{}
			chat := c.Wrap("e", inner)
			for range 2 {
				if _, err := chat.Complete(ctx, baseRequest()); err != nil {
					t.Fatal(err)
				}
			}
			if got := c.Stats().Hits == 1; got != tt.wantHit {
				t.Errorf("hit = %v, want %v (Stats %+v)", got, tt.wantHit, c.Stats())
			}
		})
	}
}

func BenchmarkHit(b *testing.B) {
	m := miniredis.NewMiniRedis()
	if err := m.Start(); err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	rc := redis.NewClient(&redis.Options{Addr: m.Addr()})
	defer rc.Close()
	c := New(rc, Options{})
	inner := &fakeChat{}
	chat := c.Wrap("e", inner)
	ctx := context.Background()
	req := baseRequest()
	if _, err := chat.Complete(ctx, req); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := chat.Complete(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
	if inner.calls.Load() != 1 {
		b.Fatalf("inner called %d times, want 1", inner.calls.Load())
	}
}
