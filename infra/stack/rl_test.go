package stack

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	goopenai "github.com/sashabaranov/go-openai"
	"go.temporal.io/sdk/client"

	"github.com/eigendata/eigendata/activities"
	"github.com/eigendata/eigendata/llm/fakeoai"
	"github.com/eigendata/eigendata/trainer/grpo"
	"github.com/eigendata/eigendata/workers"
	"github.com/eigendata/eigendata/workers/gpu"
	"github.com/eigendata/eigendata/workflows"
)

// noisyPolicy is the scripted airline agent that, on a third of its
// decisions, wrongly refuses: rollouts of one task then differ, as a
// sampled policy's do, and some groups carry no signal.
func noisyPolicy(n int, req goopenai.ChatCompletionRequest) fakeoai.Reply {
	r := scriptedAirline(req)
	h := fnv.New32a()
	fmt.Fprint(h, n)
	if len(r.Calls) > 0 && (r.Calls[0].Name == "cancel_reservation" || r.Calls[0].Name == "update_reservation_baggages") && h.Sum32()%3 == 0 {
		return fakeoai.Reply{Content: "I'm sorry, but I cannot do that."}
	}
	return r
}

// TestRLWorkflowTwoIterationsSurvivesWorkerKill runs RLWorkflow end to end
// on the embedded stack with a fake OpenAI-compatible policy and the fake
// trainer command: 2 iterations, checkpoints recorded, filtered groups
// counted; the worker (with the gpu pool) is killed during the first
// training step and a new one resumes without completing any training
// step twice.
func TestRLWorkflowTwoIterationsSurvivesWorkerKill(t *testing.T) {
	s := startStack(t, Options{UIPort: -1})
	trainer := filepath.Join(t.TempDir(), "faketrainer")
	if out, err := exec.Command("go", "build", "-o", trainer, "../../trainer/faketrainer").CombinedOutput(); err != nil {
		t.Fatalf("building the fake trainer: %v\n%s", err, out)
	}
	trainLog := filepath.Join(t.TempDir(), "train.log")
	fake := fakeoai.New(noisyPolicy)
	defer fake.Close()
	env := append(os.Environ(), s.Env()...)
	env = append(env, workerEnv+"=1", "OPENAI_BASE_URL="+fake.URL(), "EIGENDATA_TEST_TRAINER="+trainer, "EIGENDATA_TRAIN_LOG="+trainLog)
	spawn := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = env
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	w1 := spawn()
	// The scripted policy knows two intents (cancel, add a bag): the data
	// is held to them, one per task.
	data, err := runSynth(t, s, "rl-data", workflows.SynthInput{Domain: "gen-airline", Count: 6, Seed: 11,
		Intents: []string{"cancel_reservation", "update_reservation_baggages"}, MaxIntents: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// The data holds refusal tasks, which the policy always gets right: their
	// groups are all-pass and must be filtered.
	refusals := 0
	var m activities.Manifest
	if err := json.Unmarshal(rawS3(t, s, data.ManifestKey), &m); err != nil {
		t.Fatal(err)
	}
	for _, key := range m.Instances {
		var inst activities.Instance
		if err := json.Unmarshal(rawS3(t, s, key), &inst); err != nil {
			t.Fatal(err)
		}
		if !inst.Scenario.Allowed {
			refusals++
		}
	}
	if refusals == 0 {
		t.Fatal("the RL data has no refusal task")
	}
	in := workflows.RLInput{
		DataRuns:   []string{data.RunID},
		Policy:     workflows.ModelConfig{Provider: "openai", Model: "policy"},
		Recipe:     grpo.Recipe{GroupSize: 4, BatchGroups: 6, OversampleFactor: 3, MaxSteps: 40},
		Iterations: 2, EvalEvery: 2,
		Eval:  workflows.EvalInput{Domain: "gen-airline", Seed: 11, Trials: 1, TaskIDs: nil},
		Hyper: map[string]any{"steps": 6.0, "sleep_ms": 250.0},
	}
	run, err := s.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "rl-test", TaskQueue: workflows.QueueCPU}, workflows.RLWorkflow, in)
	if err != nil {
		t.Fatal(err)
	}
	// Kill the worker during the first training step.
	var p map[string]any
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if v, err := s.Client.QueryWorkflow(ctx, run.GetID(), "", "progress"); err == nil && v.Get(&p) == nil && p["stage"] == "training" {
			break
		}
	}
	if p["stage"] != "training" {
		t.Fatalf("never reached training: %v", p)
	}
	time.Sleep(500 * time.Millisecond)
	_ = w1.Process.Kill()
	_ = w1.Wait()
	w2 := spawn()
	defer func() { _ = w2.Process.Signal(syscall.SIGTERM); _ = w2.Wait() }()

	gctx, cancel := context.WithTimeout(ctx, 4*time.Minute)
	defer cancel()
	var res workflows.RLResult
	if err := run.Get(gctx, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Metrics) != 2 {
		t.Fatalf("%d iterations recorded", len(res.Metrics))
	}
	for _, m := range res.Metrics {
		t.Logf("iteration %d: reward %.2f, pass %.2f, groups kept %d of %d (all-pass %d, all-fail %d dropped), loss %.3f, eval %.2f, checkpoint %s",
			m.Iteration, m.RewardMean, m.PassRate, m.GroupsKept, m.GroupsSampled, m.DroppedAllPass, m.DroppedAllFail, m.Loss, m.EvalPass1, m.Checkpoint)
		if m.Checkpoint == "" || m.GroupsKept == 0 || m.GroupsSampled < m.GroupsKept {
			t.Errorf("iteration %d: %+v", m.Iteration, m)
		}
		if m.GroupsSampled != m.GroupsKept+m.DroppedAllPass+m.DroppedAllFail {
			t.Errorf("iteration %d: sampled %d != kept %d + dropped %d+%d", m.Iteration, m.GroupsSampled, m.GroupsKept, m.DroppedAllPass, m.DroppedAllFail)
		}
		var done struct{ Checkpoint string }
		if err := json.Unmarshal(rawS3(t, s, m.Checkpoint+"done.json"), &done); err != nil || done.Checkpoint != m.Checkpoint {
			t.Errorf("checkpoint %s not recorded: %v", m.Checkpoint, err)
		}
		rawS3(t, s, m.Checkpoint+"checkpoint.json")
	}
	if res.Metrics[0].Checkpoint == res.Metrics[1].Checkpoint {
		t.Error("the second iteration did not produce a new checkpoint")
	}
	if res.Metrics[1].EvalPass1 == 0 {
		t.Error("no evaluation after iteration 2")
	}
	var dropped int
	for _, m := range res.Metrics {
		dropped += m.DroppedAllPass + m.DroppedAllFail
	}
	t.Logf("filtered groups over the run: %d", dropped)
	if dropped == 0 {
		t.Error("no group was filtered although refusal tasks always pass")
	}
	// Each training step completed exactly once despite the kill.
	b, err := os.ReadFile(trainLog)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); len(lines) != 2 {
		t.Errorf("%d completed training runs, want 2:\n%s", len(lines), b)
	}
	if report := string(rawS3(t, s, res.ReportKey)); !strings.Contains(report, "| 2 |") {
		t.Errorf("report:\n%s", report)
	}
	rawS3(t, s, "runs/rl-test/learning-curve.png")
}

// TestUserSFTWorkflow builds user-simulator SFT data from a synthesis run
// and runs the SFT step through the backend protocol on the gpu pool.
func TestUserSFTWorkflow(t *testing.T) {
	trainer := filepath.Join(t.TempDir(), "faketrainer")
	if out, err := exec.Command("go", "build", "-o", trainer, "../../trainer/faketrainer").CombinedOutput(); err != nil {
		t.Fatalf("building the fake trainer: %v\n%s", err, out)
	}
	s := startStack(t, Options{UIPort: -1})
	train := &activities.Train{Blob: s.Blob, Pool: gpu.NewPool(gpu.CPUSlots(1)), Command: []string{trainer}}
	if err := s.StartWorkers([]workers.Pool{workers.CPU, workers.LLM, workers.GPU}, nil, "", nil, 0, train); err != nil {
		t.Fatal(err)
	}
	data, err := runSynth(t, s, "sft-data", workflows.SynthInput{Domain: "gen-retail", Count: 5, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	run, err := s.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "user-sft", TaskQueue: workflows.QueueCPU}, workflows.UserSFTWorkflow,
		workflows.UserSFTInput{DataRuns: []string{data.RunID}, Hyper: map[string]any{"steps": 3.0}})
	if err != nil {
		t.Fatal(err)
	}
	var out workflows.TrainStepOutput
	if err := run.Get(ctx, &out); err != nil {
		t.Fatal(err)
	}
	if out.Steps != 3 || out.Checkpoint == "" {
		t.Fatalf("%+v", out)
	}
	var ckpt struct {
		Mode  string `json:"mode"`
		Steps int    `json:"steps"`
	}
	if err := json.Unmarshal(rawS3(t, s, out.Checkpoint+"checkpoint.json"), &ckpt); err != nil || ckpt.Mode != "sft" {
		t.Fatalf("checkpoint %+v %v", ckpt, err)
	}
	batch, err := grpo.ReadBatch(rawS3(t, s, "runs/user-sft/user-sft.jsonl"))
	if err != nil || len(batch) != data.Instances {
		t.Fatalf("%d SFT samples for %d instances: %v", len(batch), data.Instances, err)
	}
	var msgs []map[string]string
	if err := json.Unmarshal(batch[0].Messages, &msgs); err != nil {
		t.Fatal(err)
	}
	// The simulator is trained to write the user's turns: system prompt with
	// the instructions, then the user's words as the assistant role.
	if msgs[0]["role"] != "system" || !strings.Contains(msgs[0]["content"], "Reason for call") || msgs[1]["role"] != "user" || msgs[2]["role"] != "assistant" {
		t.Errorf("SFT sample layout: %v", msgs[:3])
	}
}
