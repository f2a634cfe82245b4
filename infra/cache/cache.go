// Package cache is eigendata's Redis cache of deterministic artifacts: LLM
// responses to requests sampled deterministically (temperature 0 or a fixed
// seed) and, through GetJSON and SetJSON, any other JSON value a caller can
// key deterministically (rollouts).
//
// The cache is an optimisation, never a dependency: every Redis failure —
// the server down or hung, a timeout, a value that does not decode — is
// logged at warn, counted in Stats, and treated as a miss, so callers see
// exactly the behaviour they would without a cache.
package cache

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	goopenai "github.com/sashabaranov/go-openai"

	"github.com/eigendata/eigendata/llm"
)

// Defaults of Options.
const (
	DefaultTTL     = 7 * 24 * time.Hour
	DefaultPrefix  = "eigendata:llm:"
	DefaultTimeout = 500 * time.Millisecond
)

// Options configure a Cache. Zero fields take their defaults.
type Options struct {
	// TTL of stored values (default DefaultTTL).
	TTL time.Duration
	// Prefix of the keys of cached LLM responses (default DefaultPrefix).
	Prefix string
	// Timeout bounds each Redis operation (default DefaultTimeout), so a hung
	// server delays a call by at most this much per operation.
	Timeout time.Duration
	// Logger receives warnings about Redis failures (nil discards them).
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Stats are a Cache's counters since it was built.
type Stats struct {
	// Hits are lookups answered from Redis.
	Hits int64
	// Misses are lookups of cacheable values not answered from Redis,
	// including those that failed.
	Misses int64
	// Bypassed are LLM requests not looked up because their sampling is not
	// deterministic (or they could not be encoded into a key).
	Bypassed int64
	// Errors are failed Redis operations (GET or SET) and undecodable values.
	Errors int64
}

// Cache stores JSON values in Redis with a TTL. It is safe for concurrent use.
type Cache struct {
	client redis.UniversalClient
	opts   Options
	owned  bool // Open created client, so Close closes it

	hits, misses, bypassed, errs atomic.Int64
}

// New builds a Cache on client, which the caller keeps owning (Close does
// not close it). Operations are bounded by opts.Timeout even when client
// was built without ContextTimeoutEnabled.
func New(client redis.UniversalClient, opts Options) *Cache {
	return &Cache{client: client, opts: opts.withDefaults()}
}

// Open builds a Cache on the Redis server at url (redis://[user:pass@]host:port/db,
// or rediss:// for TLS). It fails only on a malformed url: a server that is
// down is logged and makes every lookup a miss until it answers.
func Open(ctx context.Context, url string, opts Options) (*Cache, error) {
	ro, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("cache: redis url: %w", err)
	}
	// Deadlines reach socket I/O, and an unreachable server fails fast rather
	// than after the client's dial retries and backoff: for a cache, one
	// attempt and a miss beat waiting. The URL's own settings win.
	ro.ContextTimeoutEnabled = true
	if ro.DialerRetries == 0 {
		ro.DialerRetries = 1
	}
	if ro.MaxRetries == 0 {
		ro.MaxRetries = 1
	}
	c := New(redis.NewClient(ro), opts)
	c.owned = true
	if err := c.bounded(ctx, func(ctx context.Context) error { return c.client.Ping(ctx).Err() }); err != nil {
		c.opts.Logger.WarnContext(ctx, "cache: redis unavailable, running uncached until it answers",
			"addr", ro.Addr, "err", err)
	}
	return c, nil
}

// Close releases the Redis client if Open created it.
func (c *Cache) Close() error {
	if !c.owned {
		return nil
	}
	if err := c.client.Close(); err != nil {
		return fmt.Errorf("cache: closing redis client: %w", err)
	}
	return nil
}

// Stats returns the counters.
func (c *Cache) Stats() Stats {
	return Stats{Hits: c.hits.Load(), Misses: c.misses.Load(), Bypassed: c.bypassed.Load(), Errors: c.errs.Load()}
}

// bounded runs op under the per-operation timeout and returns when it does or
// when the timeout expires, whichever is first: a client without
// ContextTimeoutEnabled ignores deadlines on socket reads, so the deadline is
// enforced here too (op then finishes in the background).
func (c *Cache) bounded(ctx context.Context, op func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- op(ctx) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// GetJSON decodes the value stored at key (used verbatim, without Prefix)
// into v and reports whether it did. A missing key, a Redis failure and a
// value that does not decode are all misses; the latter two are logged and
// counted as errors.
func (c *Cache) GetJSON(ctx context.Context, key string, v any) bool {
	var b []byte
	err := c.bounded(ctx, func(ctx context.Context) error {
		var err error
		b, err = c.client.Get(ctx, key).Bytes()
		return err
	})
	switch {
	case errors.Is(err, redis.Nil):
		c.misses.Add(1)
		return false
	case err != nil:
		c.misses.Add(1)
		c.errs.Add(1)
		c.opts.Logger.WarnContext(ctx, "cache: redis get failed, treating as miss", "key", key, "err", err)
		return false
	}
	if err := json.Unmarshal(b, v); err != nil {
		c.misses.Add(1)
		c.errs.Add(1)
		c.opts.Logger.WarnContext(ctx, "cache: undecodable value, treating as miss", "key", key, "err", err)
		return false
	}
	c.hits.Add(1)
	return true
}

// SetJSON stores v's JSON encoding at key (used verbatim, without Prefix)
// for the TTL. Failures are logged and counted, never returned: a value that
// was not stored is simply computed again next time. The store is attempted
// even if ctx is already cancelled, since the value was paid for.
func (c *Cache) SetJSON(ctx context.Context, key string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		c.errs.Add(1)
		c.opts.Logger.WarnContext(ctx, "cache: value does not encode, not stored", "key", key, "err", err)
		return
	}
	err = c.bounded(context.WithoutCancel(ctx), func(ctx context.Context) error {
		return c.client.Set(ctx, key, b, c.opts.TTL).Err()
	})
	if err != nil {
		c.errs.Add(1)
		c.opts.Logger.WarnContext(ctx, "cache: redis set failed, not stored", "key", key, "err", err)
	}
}

// Cacheable reports whether req samples deterministically — temperature 0
// or a fixed seed — so that its response may be replayed. A request for a
// token trace (RL rollouts) is never replayed: its log-probabilities belong
// to the weights that answered, which change between training steps.
func Cacheable(req llm.Request) bool {
	if req.ReturnTokenIDs || req.Logprobs {
		return false
	}
	return req.Temperature == 0 || req.Seed != nil
}

// keyInput is what identifies a response; its field order is the encoding's.
type keyInput struct {
	Endpoint    string                           `json:"endpoint"`
	Model       string                           `json:"model"`
	Messages    []goopenai.ChatCompletionMessage `json:"messages"`
	Tools       []goopenai.Tool                  `json:"tools"`
	Temperature float32                          `json:"temperature"`
	Seed        *int                             `json:"seed"`
	MaxTokens   int                              `json:"max_tokens"`
	// ResponseFormat is omitted when unset, so the keys of requests without
	// one are what they were before it existed.
	ResponseFormat *goopenai.ChatCompletionResponseFormat `json:"response_format,omitempty"`
}

// Digest is the hex SHA-256 of v's canonical JSON encoding: objects with
// sorted keys and no insignificant whitespace, whatever the formatting of
// embedded json.RawMessage values. Callers key GetJSON and SetJSON with it.
func Digest(v any) (string, error) {
	b, err := canonicalJSON(v)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// canonicalJSON encodes v, decodes it generically (numbers kept verbatim)
// and encodes it again, which sorts every object's keys and compacts it.
func canonicalJSON(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("cache: encoding key: %w", err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var g any
	if err := d.Decode(&g); err != nil {
		return nil, fmt.Errorf("cache: decoding key: %w", err)
	}
	b, err = json.Marshal(g)
	if err != nil {
		return nil, fmt.Errorf("cache: encoding key: %w", err)
	}
	return b, nil
}
