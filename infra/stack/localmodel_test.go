package stack

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/eigendata/eigendata/envs/domains"
	"github.com/eigendata/eigendata/envs/synthesis"
	"github.com/eigendata/eigendata/envs/tau2data"
	"github.com/eigendata/eigendata/infra/modelserver"
	"github.com/eigendata/eigendata/workers"
	"github.com/eigendata/eigendata/workflows"
)

// TestLocalModelEndToEnd runs the real local model (SmolLM2-135M-Instruct,
// llama.cpp) in every model role on the embedded stack: synthesis with
// every role local, then with the checker writer and the judge local
// behind offline stages that reach them; and tau2 evaluation with the local
// model as agent and user. A weak model's output must end as reject reason
// codes (never a failed stage or workflow), and no instance may be
// accepted unless it verifies. It fails, not skips, without the Python
// environment (infra/python/install.sh).
func TestLocalModelEndToEnd(t *testing.T) {
	if _, err := modelserver.Python(); err != nil {
		t.Fatal(err)
	}
	root := tau2data.ForTest(t)
	s := startStack(t, Options{UIPort: -1, Pools: []workers.Pool{workers.CPU, workers.LLM}, Tau2Data: root,
		LocalModel: &modelserver.Options{Slots: 2}})
	name := s.Model.Name()
	local := func(maxTokens int) workflows.ModelConfig {
		return workflows.ModelConfig{Provider: "openai", Model: name, MaxTokens: maxTokens}
	}
	offline := workflows.ModelConfig{Provider: "offline"}
	known := map[string]bool{"surplus": true}
	for _, c := range synthesis.ReasonCodes() {
		known[c] = true
	}

	runs := []struct {
		name  string
		roles workflows.SynthRoles
		count int
		// maxSteps bounds the dialogues (0: the prompt version's).
		maxSteps int
		// used are the roles whose model must have been called.
		used []string
	}{
		{"every role local", workflows.SynthRoles{Planner: local(256), User: local(64), Agent: local(96), Checker: local(384), Judge: local(256)},
			1, 6, []string{"planner"}},
		{"local user and agent", workflows.SynthRoles{Planner: offline, User: local(64), Agent: local(96), Checker: offline, Judge: offline},
			1, 4, []string{"dialogue"}},
		{"local checker writer", workflows.SynthRoles{Planner: offline, User: offline, Agent: offline, Checker: local(384), Judge: offline},
			1, 0, []string{"checker"}},
		{"local judge", workflows.SynthRoles{Planner: offline, User: offline, Agent: offline, Checker: offline, Judge: local(256)},
			1, 0, []string{"judge"}},
	}
	for i, r := range runs {
		t.Run("synthesis/"+r.name, func(t *testing.T) {
			in := workflows.SynthInput{Domain: "gen-airline", Count: r.count, MaxCandidates: r.count, Concurrency: 2, MaxSteps: r.maxSteps,
				Seed: int64(7 + i), Roles: r.roles}
			res, err := runLong(t, s, "local-synth-"+strings.ReplaceAll(r.name, " ", "-"), workflows.SynthesisWorkflow, in, &workflows.SynthResult{})
			if err != nil {
				t.Fatalf("synthesis failed instead of rejecting: %v", err)
			}
			sr := res.(*workflows.SynthResult)
			st := sr.Stats
			t.Logf("accepted %d of %d; reasons: %s; tokens: %s", sr.Instances, st.Candidates, countsLine(st.Reasons), countsLine(st.Tokens))
			for reason, n := range st.Reasons {
				if !known[reason] {
					t.Errorf("%d candidates rejected with %q, not a reason code of the engine (a stage failed)", n, reason)
				}
			}
			for _, role := range r.used {
				if st.Tokens[role] == 0 {
					t.Errorf("the %s role made no model call (tokens %v)", role, st.Tokens)
				}
			}
			if sr.Instances > 0 {
				recheck(t, s, *sr, domains.Spec{Name: "gen-airline", Seed: in.Seed})
			}
		})
	}

	t.Run("eval/airline", func(t *testing.T) {
		tasks, err := domains.Tasks(domains.Spec{Name: "airline", Tau2Data: root}, "test")
		if err != nil {
			t.Fatal(err)
		}
		in := workflows.EvalInput{Domain: "airline", Tau2Data: root, Split: "test", TaskIDs: []string{tasks[0].ID},
			Trials: 1, Concurrency: 1, MaxSteps: 6, Agent: local(96), User: local(64)}
		res, err := runLong(t, s, "local-eval-airline", workflows.EvalWorkflow, in, &workflows.EvalResult{})
		if err != nil {
			t.Fatal(err)
		}
		er := res.(*workflows.EvalResult)
		if er.Episodes != 1 || len(er.PassK) < 2 {
			t.Fatalf("%d episodes, pass^k %v", er.Episodes, er.PassK)
		}
		if er.PassK[1] < 0 || er.PassK[1] > 1 {
			t.Errorf("pass^1 = %v", er.PassK[1])
		}
		if len(rawS3(t, s, er.ResultsKey)) == 0 {
			t.Error("empty results.json")
		}
		t.Logf("pass^1 %.3f, avg reward %.3f", er.PassK[1], er.AvgReward)
	})
}

// runLong runs a workflow to its end with a timeout for slow model calls.
func runLong(t *testing.T, s *Stack, id string, wf any, in any, out any) (any, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	run, err := s.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: workflows.QueueCPU}, wf, in)
	if err != nil {
		t.Fatal(err)
	}
	return out, run.Get(ctx, out)
}
