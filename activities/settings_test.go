package activities

import (
	"context"
	"fmt"
	"strings"
	"testing"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/eigendata/eigendata/envs/synthesis"
	"github.com/eigendata/eigendata/llm/fakeoai"
	"github.com/eigendata/eigendata/llm/prompts"
	"github.com/eigendata/eigendata/workflows"
)

// TestPromptVersionSettingsReachTheModels: a prompt version's settings that
// the evolver edits are what the model roles get: the role temperatures
// (when the input sets none), the retries of malformed answers, and the
// agent prompt in the synthesis assistant's system prompt.
func TestPromptVersionSettingsReachTheModels(t *testing.T) {
	ctx := context.Background()
	store := &countingStore{}
	b := prompts.Builtin()
	b.Settings.Retries = 1
	b.Settings.Temperatures["judge"] = 0.3
	b.Settings.Temperatures["agent"] = 0.2
	b.Prompts["agent"] = "Always greet the customer by saying BANANA."
	version, err := prompts.Registry{Store: store}.Put(ctx, b)
	if err != nil {
		t.Fatal(err)
	}

	judgeAnswers := []string{"not JSON at all", `{"scores": {` + rubricScores(1) + `}, "pass": true, "reason": "ok"}`}
	fake := fakeoai.New(func(n int, req goopenai.ChatCompletionRequest) fakeoai.Reply {
		if strings.Contains(req.Messages[0].Content, "BANANA") {
			return fakeoai.Reply{Content: "###STOP###"} // the model agent ends at once
		}
		return fakeoai.Reply{Content: judgeAnswers[min(n, len(judgeAnswers)-1)]}
	})
	defer fake.Close()
	a := &Synth{Blob: store, Domains: &Domains{}, Models: &Models{BaseURL: fake.URL()}}

	// Offline stages up to the judge, then the judge on the model.
	in := workflows.InstanceInput{RunID: "settings-test", Domain: "gen-airline", Index: 0, Seed: workflows.CandidateSeed(7, 0),
		DomainSeed: 7, PromptVersion: version, MaxSteps: workflows.DefaultSynthMaxSteps}
	var refs workflows.StageRefs
	for _, s := range offlineStages(a)[:5] {
		out, err := s.run(ctx, in, refs)
		if err != nil || !out.OK {
			t.Fatalf("%s: %+v %v", s.name, out, err)
		}
		*s.ref(&refs) = out.Key
	}
	in.Roles.Judge = workflows.ModelConfig{Provider: "openai", Model: "judge-model"}
	out, err := a.SynthJudge(ctx, in, refs)
	if err != nil {
		t.Fatal(err)
	}
	if !out.OK {
		t.Fatalf("judge rejected after a retry: %+v", out)
	}
	reqs := fake.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d judge calls, want 2 (one retry of the malformed answer)", len(reqs))
	}
	for _, r := range reqs {
		if r.Temperature < 0.29 || r.Temperature > 0.31 {
			t.Errorf("judge temperature %v, want the version's 0.3", r.Temperature)
		}
	}

	// The dialogue with a model agent: the version's agent prompt and temperature.
	in.Roles.Agent = workflows.ModelConfig{Provider: "openai", Model: "agent-model"}
	if _, err := a.SynthDialogue(ctx, in, refs); err != nil {
		t.Fatal(err)
	}
	var agentReq *goopenai.ChatCompletionRequest
	for _, r := range fake.Requests()[2:] {
		if r.Model == "agent-model" {
			agentReq = &r
			break
		}
	}
	if agentReq == nil {
		t.Fatal("the dialogue made no agent call")
	}
	sys := agentReq.Messages[0].Content
	if !strings.Contains(sys, "BANANA") || !strings.Contains(sys, "<policy>") {
		t.Errorf("agent system prompt lacks the version's agent prompt or the policy:\n%.300s", sys)
	}
	if agentReq.Temperature < 0.19 || agentReq.Temperature > 0.21 {
		t.Errorf("agent temperature %v, want the version's 0.2", agentReq.Temperature)
	}
}

func rubricScores(v int) string {
	var parts []string
	for _, item := range synthesis.Rubric {
		parts = append(parts, fmt.Sprintf("%q: %d", item, v))
	}
	return strings.Join(parts, ", ")
}
