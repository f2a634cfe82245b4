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
	// ResponseFormat asks for structured output (a JSON object or a JSON
	// schema); servers that support it constrain decoding with a grammar.
	ResponseFormat *goopenai.ChatCompletionResponseFormat `json:"response_format,omitempty"`
	// Logprobs asks for the log-probability of every generated token.
	Logprobs bool `json:"logprobs,omitempty"`
	// ReturnTokenIDs asks the server for the prompt's and the completion's
	// token ids (vLLM's return_token_ids; eigendata's model server always
	// sends them): what token-mode RL batches are made of.
	ReturnTokenIDs bool `json:"return_token_ids,omitempty"`
}

// Response is the model's message and token usage.
type Response struct {
	Message goopenai.ChatCompletionMessage `json:"message"`
	Usage   goopenai.Usage                 `json:"usage"`
	// FinishReason is the server's (stop, length, tool_calls...).
	FinishReason string `json:"finish_reason,omitempty"`
	// Tokens is the call's token trace, when the server returned one.
	Tokens *TokenTrace `json:"tokens,omitempty"`
}

// TokenTrace is what the policy saw and generated in one call, in token
// ids: the rendered prompt, the completion, and the log-probability of each
// completion token under the weights that sampled it.
type TokenTrace struct {
	PromptIDs     []int     `json:"prompt_token_ids"`
	CompletionIDs []int     `json:"token_ids"`
	Logprobs      []float64 `json:"logprobs,omitempty"`
	// WeightVersion names the weights that answered (the model server's
	// version counter, bumped by each weight sync); "" when unknown.
	WeightVersion string `json:"weight_version,omitempty"`
}

// Chat completes chat requests.
type Chat interface {
	Complete(ctx context.Context, req Request) (Response, error)
}
