package cache

import (
	"context"

	"github.com/eigendata/eigendata/llm"
)

// Key is the Redis key of req's response from endpoint: Prefix followed by
// the Digest of {endpoint, model, messages, tools, temperature, seed,
// max_tokens, response_format}. It is "" when req cannot be encoded as JSON (such a request
// is never cached).
func (c *Cache) Key(endpoint string, req llm.Request) string {
	d, err := Digest(keyInput{Endpoint: endpoint, Model: req.Model, Messages: req.Messages, Tools: req.Tools,
		Temperature: req.Temperature, Seed: req.Seed, MaxTokens: req.MaxTokens, ResponseFormat: req.ResponseFormat})
	if err != nil {
		return ""
	}
	return c.opts.Prefix + d
}

// Wrap returns a Chat that answers deterministic requests (see Cacheable)
// from the cache, filling it from next on a miss, and passes every other
// request straight to next. endpoint (the provider's base URL, or any name
// distinguishing providers that serve the same model names) is part of the
// key. Errors of next are returned and never cached.
func (c *Cache) Wrap(endpoint string, next llm.Chat) llm.Chat {
	return &cachedChat{c: c, endpoint: endpoint, next: next}
}

type cachedChat struct {
	c        *Cache
	endpoint string
	next     llm.Chat
}

func (w *cachedChat) Complete(ctx context.Context, req llm.Request) (llm.Response, error) {
	if !Cacheable(req) {
		w.c.bypassed.Add(1)
		return w.next.Complete(ctx, req)
	}
	key := w.c.Key(w.endpoint, req)
	if key == "" {
		w.c.bypassed.Add(1)
		w.c.opts.Logger.WarnContext(ctx, "cache: request does not encode, not cached", "model", req.Model)
		return w.next.Complete(ctx, req)
	}
	var resp llm.Response
	if w.c.GetJSON(ctx, key, &resp) {
		return resp, nil
	}
	resp, err := w.next.Complete(ctx, req)
	if err != nil {
		return resp, err
	}
	w.c.SetJSON(ctx, key, resp)
	return resp, nil
}
