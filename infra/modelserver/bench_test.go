package modelserver_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/eigendata/eigendata/envs/tau2data"
	"github.com/eigendata/eigendata/llm"
)

// BenchmarkLocalModel measures the local model server on an agent's first
// turn in tau2 airline (its policy as the system prompt, about 1,800
// tokens): the prompt evaluated cold, the same prompt again with the
// slot's prefix cache warm, and the generation speed. It prints the
// tokens per second of each and the warm/cold latency ratio.
func BenchmarkLocalModel(b *testing.B) {
	policy, err := os.ReadFile(filepath.Join(tau2data.ForTest(b), "airline", "policy.md"))
	if err != nil {
		b.Fatal(err)
	}
	s, c := startLocal(b, 8192)
	ctx := context.Background()
	call := func(user string, maxTokens int) (llm.Response, time.Duration) {
		start := time.Now()
		resp, err := c.Complete(ctx, llm.Request{Model: s.Name(), MaxTokens: maxTokens, Messages: []goopenai.ChatCompletionMessage{
			{Role: "system", Content: llm.AgentSystemPrompt(string(policy))}, {Role: "user", Content: user}}})
		if err != nil {
			b.Fatal(err)
		}
		return resp, time.Since(start)
	}
	for i := 0; b.Loop(); i++ {
		// A short unrelated prompt first, so the policy is evaluated cold
		// (the benchmark's server has one slot).
		_, _ = c.Complete(ctx, llm.Request{Model: s.Name(), MaxTokens: 1, Messages: []goopenai.ChatCompletionMessage{
			{Role: "user", Content: fmt.Sprintf("reset %d", i)}}})
		cold, coldT := call("Hi, I want to cancel my reservation.", 1)
		_, warmT := call("Hi, I want to cancel my reservation.", 1)
		gen, genT := call("Please write me a long, friendly greeting.", 128)
		fmt.Printf("local model: prompt %d tokens cold %s (%.0f tokens/s), warm %s: warm/cold %.3f; generation %d tokens in %s (%.1f tokens/s)\n",
			cold.Usage.PromptTokens, coldT.Round(time.Millisecond), float64(cold.Usage.PromptTokens)/coldT.Seconds(),
			warmT.Round(time.Millisecond), warmT.Seconds()/coldT.Seconds(),
			gen.Usage.CompletionTokens, genT.Round(time.Millisecond), float64(gen.Usage.CompletionTokens)/genT.Seconds())
	}
}
