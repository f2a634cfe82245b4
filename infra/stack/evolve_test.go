package stack

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	goopenai "github.com/sashabaranov/go-openai"
	"go.temporal.io/sdk/client"

	"github.com/eigendata/eigendata/activities"
	"github.com/eigendata/eigendata/llm/fakeoai"
	"github.com/eigendata/eigendata/llm/prompts"
	"github.com/eigendata/eigendata/workers"
	"github.com/eigendata/eigendata/workflows"
)

func runEvolve(t *testing.T, s *Stack, id string, in workflows.EvolveInput) workflows.EvolveResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	run, err := s.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: workflows.QueueCPU}, workflows.EvolveWorkflow, in)
	if err != nil {
		t.Fatal(err)
	}
	var res workflows.EvolveResult
	if err := run.Get(ctx, &res); err != nil {
		t.Fatal(err)
	}
	return res
}

// TestEvolutionRepairsInjectedDefect injects a prompt defect (the user
// simulator no longer gives its user id, so every dialogue fails), runs one
// evolution cycle, and expects the repair to be diagnosed, piloted and
// promoted; a deliberately worse candidate is then rejected, and rollback
// restores the previous version.
func TestEvolutionRepairsInjectedDefect(t *testing.T) {
	s := startStack(t, Options{UIPort: -1, Pools: []workers.Pool{workers.CPU, workers.LLM}})
	ctx := context.Background()
	reg := prompts.Registry{Store: s.Blob}
	defect := prompts.Builtin().Clone()
	defect.Prompts["user"] = strings.ReplaceAll(defect.Prompts["user"], prompts.RevealDirective+"\n", "")
	defect.Edit = "injected defect: the user simulator no longer reveals its user id"
	vDefect, err := reg.Put(ctx, defect)
	if err != nil {
		t.Fatal(err)
	}
	if err := reg.Activate(ctx, vDefect); err != nil {
		t.Fatal(err)
	}

	broken, err := runSynth(t, s, "synth-defective", workflows.SynthInput{Domain: "gen-airline", Count: 8, MaxCandidates: 8, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	if broken.Stats.Accepted != 0 || broken.Stats.Reasons["dialogue.not_authenticated"] == 0 {
		t.Fatalf("the defect should fail dialogues: %+v", broken.Stats)
	}

	res := runEvolve(t, s, "evolve-repair", workflows.EvolveInput{Domain: "gen-airline", Runs: []string{"synth-defective"}, Candidates: 2, PilotCount: 10})
	t.Logf("cycle 1: %s (p-values %v)", res.Reason, res.PValues)
	if res.Promoted == "" {
		t.Fatalf("no candidate promoted: %s", res.Reason)
	}
	promoted, err := reg.Get(ctx, res.Promoted)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(promoted.Prompts["user"], prompts.RevealDirective) || promoted.Parent != vDefect {
		t.Errorf("promoted bundle does not repair the defect (parent %s, edit %q)", promoted.Parent, promoted.Edit)
	}
	if a, _ := reg.ActivePointer(ctx); a.Version != res.Promoted {
		t.Errorf("active %s, want the promoted %s", a.Version, res.Promoted)
	}
	if report := string(rawS3(t, s, res.ReportKey)); !strings.Contains(report, "promoted") || !strings.Contains(report, "dialogue.not_authenticated") {
		t.Errorf("report:\n%s", report)
	}
	// Acceptance on the pilot seeds rose: the repaired pilot beats the incumbent's.
	after, err := runSynth(t, s, "synth-repaired", workflows.SynthInput{Domain: "gen-airline", Count: 8, MaxCandidates: 8, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	if after.Stats.Accepted <= broken.Stats.Accepted {
		t.Errorf("acceptance did not rise: %d -> %d", broken.Stats.Accepted, after.Stats.Accepted)
	}

	// A deliberately worse candidate (the defect again) is not promoted.
	res2 := runEvolve(t, s, "evolve-worse", workflows.EvolveInput{Domain: "gen-airline", Runs: []string{"synth-repaired"}, Candidates: 1, PilotCount: 10, Extra: []string{vDefect}})
	t.Logf("cycle 2: %s (p-values %v)", res2.Reason, res2.PValues)
	if res2.Promoted != "" {
		t.Errorf("promoted %s although no candidate beat the incumbent", res2.Promoted)
	}
	if p, ok := res2.PValues[vDefect]; !ok || p < 0.05 {
		t.Errorf("worse candidate p-value %v (piloted %v)", p, ok)
	}

	// Rollback restores the version active before the promotion.
	v, err := reg.Rollback(ctx)
	if err != nil || v != vDefect {
		t.Fatalf("rollback -> %s, %v; want %s", v, err, vDefect)
	}
}

// TestEvolutionWithModelEvolver runs a cycle whose evolver is a model (a
// scripted endpoint): it reads the failed examples it is shown and
// proposes restoring the identification directive; one malformed answer
// and one invalid edit are skipped, and the good edit is promoted.
func TestEvolutionWithModelEvolver(t *testing.T) {
	var sawExamples atomic.Bool
	fake := fakeoai.New(func(n int, req goopenai.ChatCompletionRequest) fakeoai.Reply {
		last := req.Messages[len(req.Messages)-1].Content
		if strings.Contains(last, "dialogue.not_authenticated: the user never gave") {
			sawExamples.Store(true)
		}
		switch n {
		case 0:
			return fakeoai.Reply{Content: "I think you should be nicer."}
		case 1:
			return fakeoai.Reply{Content: `{"target": "setting:warp_speed", "value": 9, "rationale": "nonsense"}`}
		}
		fixed, _ := json.Marshal(prompts.Builtin().Prompts["user"])
		return fakeoai.Reply{Content: `{"target": "prompt:user", "value": ` + string(fixed) + `, "rationale": "users never identify themselves"}`}
	})
	defer fake.Close()
	s := startStack(t, Options{UIPort: -1})
	if err := s.StartWorkers([]workers.Pool{workers.CPU, workers.LLM}, &activities.Models{BaseURL: fake.URL()}, "", nil, 0, nil); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	reg := prompts.Registry{Store: s.Blob}
	defect := prompts.Builtin().Clone()
	defect.Prompts["user"] = strings.ReplaceAll(defect.Prompts["user"], prompts.RevealDirective+"\n", "")
	vDefect, _ := reg.Put(ctx, defect)
	if err := reg.Activate(ctx, vDefect); err != nil {
		t.Fatal(err)
	}
	if _, err := runSynth(t, s, "synth-defective-2", workflows.SynthInput{Domain: "gen-retail", Count: 6, MaxCandidates: 6, Seed: 4}); err != nil {
		t.Fatal(err)
	}
	res := runEvolve(t, s, "evolve-model", workflows.EvolveInput{Domain: "gen-retail", Runs: []string{"synth-defective-2"}, Candidates: 3, PilotCount: 8,
		Evolver: workflows.ModelConfig{Provider: "openai", Model: "evolver"}})
	t.Logf("%s", res.Reason)
	if !sawExamples.Load() {
		t.Error("the evolver was not shown the failed examples")
	}
	if res.Promoted == "" {
		t.Fatalf("nothing promoted: %s", res.Reason)
	}
	b, _ := reg.Get(ctx, res.Promoted)
	if !strings.Contains(b.Prompts["user"], prompts.RevealDirective) || !strings.HasPrefix(b.Edit, "evolver: prompt:user") {
		t.Errorf("promoted %q", b.Edit)
	}
}
