package workflows

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/eigendata/eigendata/trainer/grpo"
)

// fakePolicy stands in for the rollout, training and weight-sync
// activities around a policy server whose weight version is a counter
// bumped by each sync. A frozen one answers each sync with a new version
// but keeps generating with the first weights (a server that ignores what
// it is sent).
type fakePolicy struct {
	mu       sync.Mutex
	version  int // what generations report
	synced   int // what syncs answer
	frozen   bool
	models   map[int][]string // iteration -> model names the rollouts called
	syncs    []WeightSyncInput
	hyper    []map[string]any
	evalSeen []string
}

func (f *fakePolicy) prepare(_ context.Context, runs []string) ([]string, error) {
	return []string{"toy:count/count-0", "toy:count/count-1"}, nil
}

func (f *fakePolicy) rollouts(_ context.Context, in RolloutInput) (RolloutGroup, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.models[in.Iteration] = append(f.models[in.Iteration], in.Policy.Model)
	if !in.Traces {
		return RolloutGroup{}, errors.New("token traces were not asked for")
	}
	g := RolloutGroup{Group: grpo.Group{TaskID: in.Task}}
	for i := range in.G {
		g.Group.Rewards = append(g.Group.Rewards, float64(i%2))
		g.Group.Refs = append(g.Group.Refs, fmt.Sprintf("r/%d/%d", in.Slot, i))
		g.WeightVersions = append(g.WeightVersions, fmt.Sprint(f.version))
	}
	return g, nil
}

func (f *fakePolicy) batch(_ context.Context, in BatchInput) (BatchOutput, error) {
	return BatchOutput{Key: fmt.Sprintf("runs/%s/iter-%03d/batch.jsonl", in.RunID, in.Iteration), Samples: 4, TokenSamples: 4}, nil
}

func (f *fakePolicy) train(_ context.Context, in TrainStepInput) (TrainStepOutput, error) {
	f.mu.Lock()
	f.hyper = append(f.hyper, in.Hyper)
	f.mu.Unlock()
	return TrainStepOutput{Checkpoint: fmt.Sprintf("checkpoints/%s/%03d/", in.RunID, in.Iteration), Steps: 1, Losses: []float64{0.5}}, nil
}

func (f *fakePolicy) sync(_ context.Context, in WeightSyncInput, legacy string) (WeightSyncResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.syncs = append(f.syncs, in)
	f.synced++
	if !f.frozen {
		f.version = f.synced
	}
	return WeightSyncResult{WeightVersion: fmt.Sprint(f.synced), Checkpoint: in.Checkpoint}, nil
}

func (f *fakePolicy) report(_ context.Context, run string, m []RLIterMetric) (string, error) {
	return "runs/" + run + "/report.md", nil
}

func (f *fakePolicy) eval(ctx workflow.Context, in EvalInput) (*EvalResult, error) {
	f.mu.Lock()
	f.evalSeen = append(f.evalSeen, in.Agent.Model)
	f.mu.Unlock()
	return &EvalResult{PassK: []float64{0, 0.5}}, nil
}

// runRL runs RLWorkflow to completion through its continue-as-new chain.
func runRL(t *testing.T, f *fakePolicy, in RLInput) RLResult {
	t.Helper()
	for run := 0; run < 20; run++ {
		var s testsuite.WorkflowTestSuite
		env := s.NewTestWorkflowEnvironment()
		env.RegisterWorkflow(RLWorkflow)
		env.RegisterWorkflowWithOptions(f.eval, workflow.RegisterOptions{Name: "EvalWorkflow"})
		for name, fn := range map[string]any{ActRLPrepare: f.prepare, ActRLRollouts: f.rollouts, ActRLBatch: f.batch,
			ActTrainStep: f.train, ActWeightSync: f.sync, ActRLReport: f.report} {
			env.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
		}
		env.ExecuteWorkflow(RLWorkflow, in)
		err := env.GetWorkflowError()
		var can *workflow.ContinueAsNewError
		if errors.As(err, &can) {
			var next RLInput
			if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
				t.Fatal(err)
			}
			in = next
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		var res RLResult
		if err := env.GetWorkflowResult(&res); err != nil {
			t.Fatal(err)
		}
		return res
	}
	t.Fatal("no result after 20 runs")
	return RLResult{}
}

func TestRLWorkflowWeightVersionsAndModelNames(t *testing.T) {
	tests := []struct {
		name      string
		frozen    bool
		base      string
		wantStale bool
	}{
		{name: "synced server: rollouts after step k carry version k"},
		{name: "base checkpoint synced before the first rollouts", base: "checkpoints/sft/000/"},
		{name: "a server that ignores syncs is caught", frozen: true, wantStale: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakePolicy{models: map[int][]string{}, frozen: tt.frozen}
			in := RLInput{DataRuns: []string{"toy:count"}, Policy: ModelConfig{Provider: "openai", Model: "policy"},
				Recipe:     grpo.Recipe{GroupSize: 2, BatchGroups: 2, OversampleFactor: 1, MaxSteps: 1, MaxNewTokens: 24},
				Iterations: 3, EvalEvery: 3, Eval: EvalInput{Domain: "gen-airline", Trials: 1},
				Sync: WeightSync{PolicyURL: "http://policy/v1"}, BaseCheckpoint: tt.base}
			res := runRL(t, f, in)
			if len(res.Metrics) != 3 {
				t.Fatalf("%d iterations", len(res.Metrics))
			}
			wantSyncs := 3
			if tt.base != "" {
				wantSyncs++
				if f.syncs[0].Checkpoint != tt.base || f.models[1][0] != "policy@"+tt.base {
					t.Errorf("base checkpoint: first sync %+v, first rollouts called %v", f.syncs[0], f.models[1])
				}
			}
			if len(f.syncs) != wantSyncs {
				t.Fatalf("%d syncs, want %d: %+v", len(f.syncs), wantSyncs, f.syncs)
			}
			for i, m := range res.Metrics {
				it := i + 1
				if m.Mode != grpo.ModeToken || m.WeightVersion == "" {
					t.Errorf("iteration %d: mode %q, synced version %q", it, m.Mode, m.WeightVersion)
				}
				wantModel := "policy"
				if tt.base != "" {
					wantModel = "policy@" + tt.base
				}
				wantVersion := "0" // the server's own weights
				if tt.base != "" {
					wantVersion = "1" // the base checkpoint's sync
				}
				if i > 0 {
					prev := res.Metrics[i-1]
					wantModel, wantVersion = "policy@"+prev.Checkpoint, prev.WeightVersion
				}
				if got := strings.Join(m.RolloutWeightVersions, ","); !tt.frozen && got != wantVersion {
					t.Errorf("iteration %d rollouts report versions %q, want %q (the last sync's)", it, got, wantVersion)
				}
				for _, got := range f.models[it] {
					if got != wantModel {
						t.Errorf("iteration %d called %q, want %q", it, got, wantModel)
					}
				}
				if m.PolicyModel != wantModel {
					t.Errorf("iteration %d metric policy model %q, want %q", it, m.PolicyModel, wantModel)
				}
				if s := f.syncs[len(f.syncs)-3+i]; s.Model != "policy@"+m.Checkpoint || s.Checkpoint != m.Checkpoint {
					t.Errorf("iteration %d sync %+v for checkpoint %s", it, s, m.Checkpoint)
				}
			}
			stale := 0
			for _, m := range res.Metrics {
				stale += m.StaleRollouts
			}
			if (stale > 0) != tt.wantStale {
				t.Errorf("stale rollouts %d, want some: %v", stale, tt.wantStale)
			}
			// The evaluation after iteration 3 calls the weights of its checkpoint.
			if len(f.evalSeen) != 1 || f.evalSeen[0] != "policy@"+res.Metrics[2].Checkpoint {
				t.Errorf("eval agent models %v", f.evalSeen)
			}
			for _, h := range f.hyper {
				if h["temperature"] != 1.0 {
					t.Errorf("training hyperparameters %v lack the sampling temperature", h)
				}
			}
		})
	}
}

func TestWeightSyncInputAcceptsTheLegacyArgument(t *testing.T) {
	tests := []struct {
		name string
		json string
		want WeightSyncInput
	}{
		{"new", `{"sync":{"policy_url":"http://p/v1"},"checkpoint":"c/","model":"m@c/"}`,
			WeightSyncInput{Sync: WeightSync{PolicyURL: "http://p/v1"}, Checkpoint: "c/", Model: "m@c/"}},
		{"legacy WeightSync", `{"command":["true"],"url":"http://hook"}`,
			WeightSyncInput{Sync: WeightSync{Command: []string{"true"}, URL: "http://hook"}}},
		{"empty", `{}`, WeightSyncInput{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got WeightSyncInput
			if err := got.UnmarshalJSON([]byte(tt.json)); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
