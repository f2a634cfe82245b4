// Package llm is eigendata's model access: the Chat interface every provider
// implements (OpenAI-compatible endpoints, the offline baseline, caches), and
// the LLM-backed episode participants — a tool-calling agent and a user
// simulator — built on it with tau2-bench's prompts and message views.
package llm

import (
	"context"

	goopenai "github.com/sashabaranov/go-openai"
)

// Request is one chat-completion request in OpenAI's format.
type Request struct {
	Model       string                           `json:"model"`
	Messages    []goopenai.ChatCompletionMessage `json:"messages"`
	Tools       []goopenai.Tool                  `json:"tools,omitempty"`
	Temperature float32                          `json:"temperature"`
	Seed        *int                             `json:"seed,omitempty"`
	MaxTokens   int                              `json:"max_tokens,omitempty"`
}

// Response is the model's message and token usage.
type Response struct {
	Message goopenai.ChatCompletionMessage `json:"message"`
	Usage   goopenai.Usage                 `json:"usage"`
}

// Chat completes chat requests.
type Chat interface {
	Complete(ctx context.Context, req Request) (Response, error)
}
