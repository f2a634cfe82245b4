package stack

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/eigendata/eigendata/activities"
	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/domains"
	"github.com/eigendata/eigendata/envs/evaluator"
	"github.com/eigendata/eigendata/envs/sandbox"
	"github.com/eigendata/eigendata/envs/synthesis"
	"github.com/eigendata/eigendata/envs/tau2data"
	"github.com/eigendata/eigendata/workers"
	"github.com/eigendata/eigendata/workflows"
)

func runSynth(t *testing.T, s *Stack, id string, in workflows.SynthInput) (workflows.SynthResult, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	run, err := s.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: workflows.QueueCPU}, workflows.SynthesisWorkflow, in)
	if err != nil {
		t.Fatal(err)
	}
	var res workflows.SynthResult
	err = run.Get(ctx, &res)
	return res, err
}

// recheck re-verifies every accepted instance from the S3 artifacts alone:
// the dialogue ended in the gold state, and the checker passes the dialogue
// and the gold outcome and fails every mutated negative.
func recheck(t *testing.T, s *Stack, res workflows.SynthResult, spec domains.Spec) {
	t.Helper()
	ctx := context.Background()
	var m activities.Manifest
	if err := json.Unmarshal(rawS3(t, s, res.ManifestKey), &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Instances) != res.Instances || m.PromptVersion == "" {
		t.Fatalf("manifest lists %d instances (result %d), prompt version %q", len(m.Instances), res.Instances, m.PromptVersion)
	}
	dom, err := domains.Load(spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range m.Instances {
		var inst activities.Instance
		if err := json.Unmarshal(rawS3(t, s, key), &inst); err != nil {
			t.Fatal(err)
		}
		if inst.PromptVersion != m.PromptVersion {
			t.Errorf("%s made by prompt version %q, run used %q", inst.ID, inst.PromptVersion, m.PromptVersion)
		}
		sc, bp := inst.Scenario, inst.Blueprint.Blueprint
		if reason, detail := synthesis.CheckDialogue(sc, inst.Transcript.Messages, inst.Transcript.Termination, "", dom.NewEnv().HasTool); reason != "" {
			t.Errorf("%s: accepted an invalid dialogue: %s (%s)", inst.ID, reason, detail)
		}
		gold := synthesis.Execute(dom, sc, bp.Actions)
		if gold.Hash != inst.Transcript.FinalHash {
			t.Errorf("%s: dialogue final state differs from gold", inst.ID)
		}
		prog, err := sandbox.Compile(inst.ID, string(rawS3(t, s, inst.CheckerKey)))
		if err != nil {
			t.Fatalf("%s: %v", inst.ID, err)
		}
		check := func(view map[string]any, tr []any) sandbox.Verdict {
			return prog.Check(ctx, view, tr, sandbox.DefaultLimits())
		}
		if v := check(inst.Transcript.FinalView, synthesis.Transcript(inst.Transcript.Messages)); !v.Pass {
			t.Errorf("%s: checker fails its dialogue: %+v", inst.ID, v)
		}
		if v := check(synthesis.View(gold.Env, sc), synthesis.Transcript(synthesis.GoldTranscript(sc, bp))); !v.Pass {
			t.Errorf("%s: checker fails the gold state: %+v", inst.ID, v)
		}
		negs := synthesis.Negatives(dom, sc, bp)
		if len(negs) < 2 {
			t.Errorf("%s: only %d negatives", inst.ID, len(negs))
		}
		for _, n := range negs {
			if v := check(n.View, synthesis.Transcript(n.Transcript)); v.Pass {
				t.Errorf("%s: checker accepts negative %q", inst.ID, n.Name)
			}
		}
	}
	// The dataset shards are OpenAI chat fine-tuning JSONL.
	lines := 0
	for _, shard := range res.Shards {
		for _, line := range strings.Split(strings.TrimSpace(string(rawS3(t, s, shard))), "\n") {
			var rec struct {
				Messages []map[string]any `json:"messages"`
				Tools    []any            `json:"tools"`
			}
			if err := json.Unmarshal([]byte(line), &rec); err != nil || len(rec.Messages) < 3 || len(rec.Tools) == 0 || rec.Messages[0]["role"] != "system" {
				t.Fatalf("bad fine-tuning record in %s: %v", shard, err)
			}
			lines++
		}
	}
	if lines != res.Instances {
		t.Errorf("%d dataset records for %d instances", lines, res.Instances)
	}
	// The coverage in the result and the manifest counts the kept
	// instances, over the domain's write tools.
	if res.Coverage == nil || m.Coverage == nil || res.Coverage.Instances != res.Instances || m.Coverage.Instances != res.Instances {
		t.Fatalf("coverage %+v (manifest %+v) for %d instances", res.Coverage, m.Coverage, res.Instances)
	}
	var names []string
	for _, w := range synthesis.WriteTools(dom) {
		names = append(names, w.Name)
	}
	slices.Sort(names)
	if !slices.Equal(res.Coverage.WriteTools, names) {
		t.Errorf("coverage lists write tools %v, the domain has %v", res.Coverage.WriteTools, names)
	}
	if report := string(rawS3(t, s, res.ReportKey)); !strings.Contains(report, "## Coverage") {
		t.Errorf("the run's report has no coverage:\n%s", report)
	}
	// Every exported task replays to reward 1.0 (eval gold).
	var tasks []envs.Task
	if err := json.Unmarshal(rawS3(t, s, res.TasksKey), &tasks); err != nil {
		t.Fatal(err)
	}
	for i := range tasks {
		r, err := evaluator.Gold(ctx, dom, &tasks[i])
		if err != nil || !r.Passed || r.Reward != 1 {
			t.Errorf("%s: eval gold %+v %v", tasks[i].ID, r, err)
		}
	}
}

func TestSynthesisWorkflowOffline(t *testing.T) {
	data := tau2data.ForTest(t)
	s := startStack(t, Options{UIPort: -1, Pools: []workers.Pool{workers.CPU, workers.LLM}, Tau2Data: data})
	cases := []struct {
		spec domains.Spec
		cont int
	}{
		{domains.Spec{Name: "gen-airline", Seed: 1}, 0},
		{domains.Spec{Name: "gen-retail", Seed: 2}, 8}, // continue-as-new every 8 candidates
		{domains.Spec{Name: "airline", Tau2Data: data}, 0},
		{domains.Spec{Name: "retail", Tau2Data: data}, 0},
		{domains.Spec{Name: "telecom", Tau2Data: data}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.spec.Name, func(t *testing.T) {
			in := workflows.SynthInput{Domain: tc.spec.Name, Tau2Data: tc.spec.Tau2Data, Count: 20, Seed: tc.spec.Seed, Concurrency: 8, ContinueEvery: tc.cont}
			if in.Seed == 0 {
				in.Seed = 5
			}
			res, err := runSynth(t, s, "synth-test-"+tc.spec.Name, in)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d accepted of %d candidates, reasons %v", tc.spec.Name, res.Instances, res.Stats.Candidates, res.Stats.Reasons)
			if res.Instances < 20 {
				t.Fatalf("accepted %d < 20", res.Instances)
			}
			if res.Coverage == nil || res.Coverage.MultiIntent == 0 {
				t.Errorf("no multi-intent instance among the accepted: %+v", res.Coverage)
			}
			spec := tc.spec
			spec.Seed = in.Seed
			recheck(t, s, res, spec)
			if tc.spec.Name == "gen-airline" {
				replayHistory(t, s, "synth-test-gen-airline")
				replayHistory(t, s, "synth-test-gen-airline/instance-000000")
				// The synthetic tasks are tau2-format tasks: EvalWorkflow runs
				// them, and the tau2 oracle baseline solves every one.
				ev, err := runEval(t, s, "eval-synthetic", workflows.EvalInput{Domain: "gen-airline", Seed: in.Seed, TasksKey: res.TasksKey, Trials: 1})
				if err != nil {
					t.Fatal(err)
				}
				if ev.Tasks != res.Instances || len(ev.PassK) < 2 || ev.PassK[1] != 1 {
					t.Errorf("EvalWorkflow on the synthetic tasks: %d tasks, pass^k %v", ev.Tasks, ev.PassK)
				}
			}
		})
	}
}

func TestSynthesisBadInput(t *testing.T) {
	s := startStack(t, Options{UIPort: -1, Pools: []workers.Pool{workers.CPU, workers.LLM}})
	for i, tc := range []struct {
		in    workflows.SynthInput
		field string
	}{
		{workflows.SynthInput{Domain: "banking", Count: 5}, "domain"},
		{workflows.SynthInput{Domain: "gen-airline", Count: 0}, "count"},
		{workflows.SynthInput{Domain: "airline", Count: 5, Tau2Data: "/nonexistent"}, "tau2_data"},
	} {
		_, err := runSynth(t, s, fmt.Sprintf("synth-bad-%d", i), tc.in)
		if err == nil || !strings.Contains(err.Error(), "invalid input: "+tc.field+":") {
			t.Errorf("%+v: got %v, want an InvalidInput naming %s", tc.in, err, tc.field)
		}
	}
}
