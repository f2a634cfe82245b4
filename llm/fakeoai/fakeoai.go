// Package fakeoai is an in-process fake OpenAI-compatible chat-completions
// server for tests and benchmarks: a script decides each reply (text, tool
// calls, malformed arguments, HTTP errors, delays).
package fakeoai

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	goopenai "github.com/sashabaranov/go-openai"
)

// Call is a tool call in a scripted reply; Args is sent verbatim, so it may
// be malformed JSON.
type Call struct {
	Name string
	Args string
}

// Reply is one scripted response.
type Reply struct {
	// Status, when not 0 or 200, makes the server answer with that HTTP error.
	Status int
	// Delay is the time from the request's arrival to the answer.
	Delay time.Duration
	// Content is the assistant text.
	Content string
	// Calls are tool calls.
	Calls []Call
}

// Script returns the reply to the n-th request (0-based, counted over all requests).
type Script func(n int, req goopenai.ChatCompletionRequest) Reply

// Server is a running fake endpoint.
type Server struct {
	*httptest.Server
	mu       sync.Mutex
	n        int
	requests []goopenai.ChatCompletionRequest
}

// New starts a fake server answering with script.
func New(script Script) *Server {
	s := &Server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived := time.Now()
		req, err := decodeRequest(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		n := s.n
		s.n++
		s.requests = append(s.requests, req)
		s.mu.Unlock()
		rep := script(n, req)
		if rep.Delay > 0 {
			// Delay is the server's whole latency: the time spent decoding and
			// scripting counts towards it, as a real endpoint's would.
			select {
			case <-time.After(time.Until(arrived.Add(rep.Delay))):
			case <-r.Context().Done():
				return
			}
		}
		if rep.Status != 0 && rep.Status != http.StatusOK {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(rep.Status)
			fmt.Fprintf(w, `{"error":{"message":"scripted %d","type":"fake"}}`, rep.Status)
			return
		}
		msg := goopenai.ChatCompletionMessage{Role: goopenai.ChatMessageRoleAssistant, Content: rep.Content}
		for i, c := range rep.Calls {
			msg.ToolCalls = append(msg.ToolCalls, goopenai.ToolCall{ID: fmt.Sprintf("call_%d_%d", n, i), Type: goopenai.ToolTypeFunction,
				Function: goopenai.FunctionCall{Name: c.Name, Arguments: c.Args}})
		}
		resp := goopenai.ChatCompletionResponse{ID: fmt.Sprintf("chatcmpl-%d", n), Object: "chat.completion", Model: req.Model,
			Choices: []goopenai.ChatCompletionChoice{{Index: 0, Message: msg, FinishReason: goopenai.FinishReasonStop}},
			Usage:   goopenai.Usage{PromptTokens: 10, CompletionTokens: 5, TotalTokens: 15}}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(resp)
	}))
	return s
}

// URL returns the base URL to configure clients with (ending in /v1).
func (s *Server) URL() string { return s.Server.URL + "/v1" }

// Requests returns the requests received so far.
func (s *Server) Requests() []goopenai.ChatCompletionRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]goopenai.ChatCompletionRequest(nil), s.requests...)
}

// decodeRequest decodes a chat request, keeping each tool's parameter
// schema as raw JSON: the fake never reads the schemas, and building them
// as maps on every request would cost more CPU than the whole fake. Text
// messages are decoded in the same pass (go-openai's own message decoder
// parses each message a second time); a request with multi-part content
// falls back to it.
func decodeRequest(r *http.Request) (goopenai.ChatCompletionRequest, error) {
	body, err := readBody(r)
	if err != nil {
		return goopenai.ChatCompletionRequest{}, err
	}
	var req struct {
		goopenai.ChatCompletionRequest
		Messages []textMessage `json:"messages"`
		Tools    []struct {
			Type     goopenai.ToolType `json:"type"`
			Function struct {
				Name        string          `json:"name"`
				Description string          `json:"description,omitempty"`
				Strict      bool            `json:"strict,omitempty"`
				Parameters  json.RawMessage `json:"parameters"`
			} `json:"function"`
		} `json:"tools,omitempty"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		var full goopenai.ChatCompletionRequest
		if err := json.Unmarshal(body, &full); err != nil {
			return goopenai.ChatCompletionRequest{}, err
		}
		return full, nil
	}
	out := req.ChatCompletionRequest // its Messages and Tools are empty: the fields above took them
	for _, m := range req.Messages {
		out.Messages = append(out.Messages, goopenai.ChatCompletionMessage(m))
	}
	for _, t := range req.Tools {
		out.Tools = append(out.Tools, goopenai.Tool{Type: t.Type, Function: &goopenai.FunctionDefinition{
			Name: t.Function.Name, Description: t.Function.Description, Strict: t.Function.Strict, Parameters: t.Function.Parameters}})
	}
	return out, nil
}

// textMessage is goopenai.ChatCompletionMessage with string content and no
// custom decoder.
type textMessage struct {
	Role             string                     `json:"role"`
	Content          string                     `json:"content"`
	Refusal          string                     `json:"refusal,omitempty"`
	MultiContent     []goopenai.ChatMessagePart `json:"-"`
	Name             string                     `json:"name,omitempty"`
	ReasoningContent string                     `json:"reasoning_content,omitempty"`
	FunctionCall     *goopenai.FunctionCall     `json:"function_call,omitempty"`
	ToolCalls        []goopenai.ToolCall        `json:"tool_calls,omitempty"`
	ToolCallID       string                     `json:"tool_call_id,omitempty"`
}

// readBody reads the request body into a buffer sized by Content-Length.
func readBody(r *http.Request) ([]byte, error) {
	if n := r.ContentLength; n > 0 && n < 64<<20 {
		b := make([]byte, n)
		if _, err := io.ReadFull(r.Body, b); err != nil {
			return nil, err
		}
		return b, nil
	}
	return io.ReadAll(r.Body)
}
