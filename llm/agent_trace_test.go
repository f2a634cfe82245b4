package llm_test

import (
	"context"
	"reflect"
	"testing"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/llm"
)

// traceChat answers every call with a fixed text and, when asked for token
// ids and traces is set, the call's trace.
type traceChat struct {
	reqs   []llm.Request
	traces []*llm.TokenTrace
}

func (c *traceChat) Complete(_ context.Context, req llm.Request) (llm.Response, error) {
	c.reqs = append(c.reqs, req)
	resp := llm.Response{Message: goopenai.ChatCompletionMessage{Role: "assistant", Content: "ok"}}
	if n := len(c.reqs) - 1; req.ReturnTokenIDs && n < len(c.traces) {
		resp.Tokens = c.traces[n]
	}
	return resp, nil
}

func TestAgentRecordsTokenTraces(t *testing.T) {
	t1 := &llm.TokenTrace{PromptIDs: []int{1, 2}, CompletionIDs: []int{3}, Logprobs: []float64{-0.5}, WeightVersion: "2"}
	tests := []struct {
		name      string
		record    bool
		maxTokens int
		traces    []*llm.TokenTrace
		want      []llm.TokenTrace
	}{
		{"off: plain requests, nothing recorded", false, 0, []*llm.TokenTrace{t1, t1}, nil},
		{"on: every call's trace in order", true, 16, []*llm.TokenTrace{t1, t1}, []llm.TokenTrace{*t1, *t1}},
		{"on, a call without a trace: a zero trace keeps the order", true, 0, []*llm.TokenTrace{nil, t1}, []llm.TokenTrace{{}, *t1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chat := &traceChat{traces: tt.traces}
			a := &llm.Agent{Chat: chat, Sampling: llm.Sampling{Model: "m", Temperature: 1, MaxTokens: tt.maxTokens}, System: "sys",
				RecordTraces: tt.record}
			traj := []envs.Message{{Role: envs.RoleUser, Content: "hi"}}
			for range 2 {
				msg, err := a.Next(context.Background(), traj)
				if err != nil {
					t.Fatal(err)
				}
				traj = append(traj, msg, envs.Message{Role: envs.RoleUser, Content: "more"})
			}
			if !reflect.DeepEqual(a.Traces, tt.want) {
				t.Errorf("traces %+v, want %+v", a.Traces, tt.want)
			}
			for i, r := range chat.reqs {
				if r.ReturnTokenIDs != tt.record || r.Logprobs != tt.record || r.MaxTokens != tt.maxTokens {
					t.Errorf("request %d: return_token_ids %v logprobs %v max_tokens %d", i, r.ReturnTokenIDs, r.Logprobs, r.MaxTokens)
				}
			}
			if a.Usage.Calls != 2 {
				t.Errorf("usage calls %d", a.Usage.Calls)
			}
		})
	}
}
