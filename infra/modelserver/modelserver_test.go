package modelserver_test

import (
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/eigendata/eigendata/infra/modelserver"
	"github.com/eigendata/eigendata/llm"
	"github.com/eigendata/eigendata/llm/openai"
)

// python returns the venv's interpreter; the tests fail (never skip)
// without it: CI installs it with infra/python/install.sh.
func python(t testing.TB) string {
	t.Helper()
	py, err := modelserver.Python()
	if err != nil {
		t.Fatalf("%v", err)
	}
	return py
}

// TestServerUnit runs the chat-format unit tests of server.py.
func TestServerUnit(t *testing.T) {
	py := python(t)
	root, err := modelserver.Root()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "-m", "pytest", "-q", "-p", "no:cacheprovider", filepath.Join(root, "infra", "modelserver", "test_server.py"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pytest: %v\n%s", err, out)
	}
	t.Logf("%s", strings.TrimSpace(string(out[max(0, len(out)-200):])))
}

func startLocal(t testing.TB, ctxLen int) (*modelserver.Server, *openai.Client) {
	t.Helper()
	python(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	s, err := modelserver.Start(ctx, modelserver.Options{Context: ctxLen, Slots: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, openai.New(openai.Config{BaseURL: s.URL(), MaxRetries: 1, InitialBackoff: 10 * time.Millisecond})
}

// TestLocalModel: the bundled SmolLM2-135M-Instruct served by llama.cpp
// answers every kind of request the roles make, through the go-openai
// provider: structured output always parses, tool calls always name a
// given tool with JSON-object arguments (the grammar allows nothing else),
// token traces match the usage, and a prompt over
// the context is a prompt error (HTTP 400, not retried) with its code.
func TestLocalModel(t *testing.T) {
	s, c := startLocal(t, 2048)
	if s.Name() != "smollm2-135m-instruct" {
		t.Errorf("model name %q", s.Name())
	}
	ctx := context.Background()
	user := func(text string) []goopenai.ChatCompletionMessage {
		return []goopenai.ChatCompletionMessage{{Role: "system", Content: "You are a helpful assistant."}, {Role: "user", Content: text}}
	}

	t.Run("json schema", func(t *testing.T) {
		schema := json.RawMessage(`{"type":"object","properties":{"user_id":{"type":"string","enum":["mia_li_3668","omar_davis_3817"]},"intent":{"type":"string"},"allowed":{"type":"boolean"}},"required":["user_id","intent","allowed"],"additionalProperties":false}`)
		for _, q := range []string{"Plan a customer-service call about a cancelled flight.", "Pick a user and a reason to call.", "Answer in JSON."} {
			resp, err := c.Complete(ctx, llm.Request{Model: s.Name(), Messages: user(q), MaxTokens: 96,
				ResponseFormat: &goopenai.ChatCompletionResponseFormat{Type: goopenai.ChatCompletionResponseFormatTypeJSONSchema,
					JSONSchema: &goopenai.ChatCompletionResponseFormatJSONSchema{Name: "plan", Schema: schema}}})
			if err != nil {
				t.Fatal(err)
			}
			var v struct {
				UserID  string `json:"user_id"`
				Intent  *string
				Allowed *bool
			}
			if err := json.Unmarshal([]byte(resp.Message.Content), &v); err != nil && resp.FinishReason != "length" {
				t.Fatalf("answer %q is not the schema's JSON: %v", resp.Message.Content, err)
			}
			if resp.FinishReason != "length" && (v.UserID != "mia_li_3668" && v.UserID != "omar_davis_3817" || v.Intent == nil || v.Allowed == nil) {
				t.Errorf("answer %q does not match the schema", resp.Message.Content)
			}
		}
	})

	t.Run("tools", func(t *testing.T) {
		tools := []goopenai.Tool{{Type: goopenai.ToolTypeFunction, Function: &goopenai.FunctionDefinition{Name: "get_user_details",
			Description: "Get the details of a user", Parameters: json.RawMessage(`{"type":"object","properties":{"user_id":{"type":"string"}},"required":["user_id"]}`)}},
			{Type: goopenai.ToolTypeFunction, Function: &goopenai.FunctionDefinition{Name: "cancel_reservation",
				Description: "Cancel a reservation", Parameters: json.RawMessage(`{"type":"object","properties":{"reservation_id":{"type":"string"}},"required":["reservation_id"]}`)}}}
		prompts := []string{"My user id is mia_li_3668. Look up my account with get_user_details.",
			"<tool_call>", "Cancel reservation ABC123 for me."}
		calls := 0
		for _, q := range prompts {
			resp, err := c.Complete(ctx, llm.Request{Model: s.Name(), Messages: user(q), Tools: tools, MaxTokens: 64})
			if err != nil {
				t.Fatal(err)
			}
			for _, tc := range resp.Message.ToolCalls {
				calls++
				if tc.Function.Name != "get_user_details" && tc.Function.Name != "cancel_reservation" {
					t.Errorf("tool call names %q", tc.Function.Name)
				}
				var args map[string]any
				if err := json.Unmarshal([]byte(tc.Function.Arguments), &args); err != nil && resp.FinishReason != "length" {
					t.Errorf("arguments %q are not a JSON object: %v", tc.Function.Arguments, err)
				}
			}
			if len(resp.Message.ToolCalls) == 0 && strings.HasPrefix(strings.TrimSpace(resp.Message.Content), "<tool_call>") {
				t.Errorf("a <tool_call> reply came back as text: %q", resp.Message.Content)
			}
		}
		t.Logf("%d tool calls in %d answers", calls, len(prompts))
	})

	t.Run("token traces match usage", func(t *testing.T) {
		a, err := c.Complete(ctx, llm.Request{Model: s.Name(), Messages: user("Write a short greeting to a customer."), MaxTokens: 32, ReturnTokenIDs: true})
		if err != nil {
			t.Fatal(err)
		}
		if a.Message.Content == "" {
			t.Error("empty answer")
		}
		tr := a.Tokens
		if tr == nil {
			t.Fatal("no token trace")
		}
		if len(tr.PromptIDs) != a.Usage.PromptTokens || len(tr.CompletionIDs) != a.Usage.CompletionTokens || len(tr.CompletionIDs) == 0 {
			t.Errorf("trace of %d+%d tokens, usage %d+%d", len(tr.PromptIDs), len(tr.CompletionIDs), a.Usage.PromptTokens, a.Usage.CompletionTokens)
		}
		if tr.WeightVersion != "0" {
			t.Errorf("weight version %q", tr.WeightVersion)
		}
	})

	t.Run("context overflow is a prompt error", func(t *testing.T) {
		start := time.Now()
		_, err := c.Complete(ctx, llm.Request{Model: s.Name(), Messages: user(strings.Repeat("word ", 4000)), MaxTokens: 8})
		if err == nil {
			t.Fatal("no error for a prompt over the context")
		}
		if openai.StatusCode(err) != 400 || openai.Retryable(err) || !strings.Contains(err.Error(), "context") {
			t.Errorf("err = %v (HTTP %d, retryable %v)", err, openai.StatusCode(err), openai.Retryable(err))
		}
		if d := time.Since(start); d > 20*time.Second {
			t.Errorf("the error took %v", d)
		}
		var apiErr *goopenai.APIError
		if !errors.As(err, &apiErr) || apiErr.Code != "context_length_exceeded" {
			t.Errorf("error code: %v", err)
		}
	})
}

// TestRestartAfterCrash: a server whose process dies is started again on
// the same URL, and callers' retries reach it.
func TestRestartAfterCrash(t *testing.T) {
	s, c := startLocal(t, 512)
	ask := func() error {
		_, err := c.Complete(context.Background(), llm.Request{Model: s.Name(), MaxTokens: 2,
			Messages: []goopenai.ChatCompletionMessage{{Role: "user", Content: "Hi"}}})
		return err
	}
	if err := ask(); err != nil {
		t.Fatal(err)
	}
	s.Kill()
	c2 := openai.New(openai.Config{BaseURL: s.URL(), MaxRetries: 8, InitialBackoff: 500 * time.Millisecond})
	if _, err := c2.Complete(context.Background(), llm.Request{Model: s.Name(), MaxTokens: 2,
		Messages: []goopenai.ChatCompletionMessage{{Role: "user", Content: "Hi"}}}); err != nil {
		t.Fatalf("no answer after the crash: %v", err)
	}
	if s.Restarts() != 1 {
		t.Errorf("restarts = %d, want 1", s.Restarts())
	}
}
