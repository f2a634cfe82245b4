// Package openai implements llm.Chat over any OpenAI-compatible endpoint
// (OpenAI, vLLM, SGLang, ...) with github.com/sashabaranov/go-openai, retrying
// rate limits and server errors with exponential backoff.
package openai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/eigendata/eigendata/llm"
)

// Config configures a Client.
type Config struct {
	// BaseURL is the endpoint, e.g. https://api.openai.com/v1 or http://vllm:8000/v1.
	BaseURL string
	// APIKey is sent as a bearer token (may be empty for local servers).
	APIKey string
	// MaxRetries is how many times a 429/5xx/network failure is retried (default 5).
	MaxRetries int
	// InitialBackoff is the first retry delay, doubled each retry (default 500ms), capped at MaxBackoff (default 20s).
	InitialBackoff time.Duration
	MaxBackoff     time.Duration
	// Timeout bounds each HTTP attempt (default 120s).
	Timeout time.Duration
	// Logger receives retry warnings; nil uses slog.Default().
	Logger *slog.Logger
	// HTTPClient overrides the HTTP client (tests).
	HTTPClient *http.Client
	// Slots, when set, bounds the requests in flight to the endpoint: each
	// attempt holds a slot, released before the backoff that follows a
	// failed one, so retries wait without keeping other calls out.
	Slots Slots
}

// Slots is a pool of call slots (an llm.Limited).
type Slots interface {
	Acquire(ctx context.Context) error
	Release()
}

// MaxIdleConnsPerHost is how many idle connections a Client keeps to its
// endpoint, above any concurrency the workers allow per endpoint.
const MaxIdleConnsPerHost = 256

// Client is an llm.Chat over an OpenAI-compatible endpoint.
type Client struct {
	c   *goopenai.Client
	cfg Config
	log *slog.Logger
}

// New returns a client for cfg.
func New(cfg Config) *Client {
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = 5
	}
	if cfg.InitialBackoff == 0 {
		cfg.InitialBackoff = 500 * time.Millisecond
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = 20 * time.Second
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 120 * time.Second
	}
	oc := goopenai.DefaultConfig(cfg.APIKey)
	if cfg.BaseURL != "" {
		oc.BaseURL = cfg.BaseURL
	}
	if cfg.HTTPClient != nil {
		hc := *cfg.HTTPClient
		next := hc.Transport
		if next == nil {
			next = http.DefaultTransport
		}
		hc.Transport = wireTransport{next: next}
		oc.HTTPClient = &hc
	} else {
		// Keep a connection per concurrent request: the default transport
		// keeps two idle connections per host, so with tens of calls in
		// flight most connections were closed after one response and
		// redialled (TLS included) for the next.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = MaxIdleConnsPerHost
		oc.HTTPClient = &http.Client{Timeout: cfg.Timeout, Transport: wireTransport{next: t}}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Client{c: goopenai.NewClientWithConfig(oc), cfg: cfg, log: log}
}

// Complete sends req, retrying retryable failures.
func (c *Client) Complete(ctx context.Context, req llm.Request) (llm.Response, error) {
	creq := goopenai.ChatCompletionRequest{
		Model:          req.Model,
		Messages:       req.Messages,
		Tools:          req.Tools,
		Temperature:    req.Temperature,
		Seed:           req.Seed,
		MaxTokens:      req.MaxTokens,
		ResponseFormat: req.ResponseFormat,
		LogProbs:       req.Logprobs,
	}
	w := &wire{capture: req.ReturnTokenIDs}
	if req.Temperature == 0 {
		// go-openai omits a zero temperature; say it, or the server samples.
		w.extra = append(w.extra, `"temperature":0,`...)
	}
	if req.ReturnTokenIDs {
		w.extra = append(w.extra, `"return_token_ids":true,`...)
	}
	ctx = withWire(ctx, w)
	backoff := c.cfg.InitialBackoff
	for attempt := 0; ; attempt++ {
		resp, err := c.attempt(ctx, creq)
		if err == nil {
			if len(resp.Choices) == 0 {
				err = errors.New("response has no choices")
			} else {
				out := llm.Response{Message: resp.Choices[0].Message, Usage: resp.Usage, FinishReason: string(resp.Choices[0].FinishReason)}
				if req.ReturnTokenIDs {
					out.Tokens = tokenTrace(w.body.Bytes(), resp.Choices[0].LogProbs)
				}
				return out, nil
			}
		}
		if ctx.Err() != nil {
			return llm.Response{}, ctx.Err()
		}
		if !Retryable(err) || attempt >= c.cfg.MaxRetries {
			return llm.Response{}, fmt.Errorf("chat completion (%s, attempt %d): %w", req.Model, attempt+1, err)
		}
		c.log.Warn("retrying chat completion", "model", req.Model, "attempt", attempt+1, "backoff", backoff, "err", err)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return llm.Response{}, ctx.Err()
		}
		backoff = min(backoff*2, c.cfg.MaxBackoff)
	}
}

// attempt sends creq once, holding a call slot if the client has them.
func (c *Client) attempt(ctx context.Context, creq goopenai.ChatCompletionRequest) (goopenai.ChatCompletionResponse, error) {
	if c.cfg.Slots != nil {
		if err := c.cfg.Slots.Acquire(ctx); err != nil {
			return goopenai.ChatCompletionResponse{}, err
		}
		defer c.cfg.Slots.Release()
	}
	return c.c.CreateChatCompletion(ctx, creq)
}

// tokenTrace reads the token trace of a response body: the prompt's and
// the first choice's token ids, the weight version, and the log-probs
// go-openai decoded. nil when the server sent no token ids.
func tokenTrace(body []byte, lp *goopenai.LogProbs) *llm.TokenTrace {
	var f tokenFields
	if json.Unmarshal(body, &f) != nil || len(f.Choices) == 0 || f.Choices[0].TokenIDs == nil {
		return nil
	}
	tr := &llm.TokenTrace{PromptIDs: f.PromptTokenIDs, CompletionIDs: f.Choices[0].TokenIDs, WeightVersion: weightVersion(f.WeightVersion)}
	if lp != nil {
		for _, c := range lp.Content {
			tr.Logprobs = append(tr.Logprobs, c.LogProb)
		}
	}
	return tr
}

// StatusCode returns the HTTP status of an endpoint error, or 0.
func StatusCode(err error) int {
	var apiErr *goopenai.APIError
	if errors.As(err, &apiErr) {
		return apiErr.HTTPStatusCode
	}
	var reqErr *goopenai.RequestError
	if errors.As(err, &reqErr) {
		return reqErr.HTTPStatusCode
	}
	return 0
}

// Retryable reports whether err is worth retrying: rate limits (429),
// server errors (5xx), timeouts and connection failures. Other 4xx errors
// (bad request, auth) are not.
func Retryable(err error) bool {
	if err == nil {
		return false
	}
	code := StatusCode(err)
	switch {
	case code == http.StatusTooManyRequests || code >= 500:
		return true
	case code >= 400:
		return false
	}
	return true // network errors, timeouts, empty responses
}
