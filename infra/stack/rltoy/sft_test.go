package rltoy_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/eigendata/eigendata/activities"
	"github.com/eigendata/eigendata/infra/modelserver"
	"github.com/eigendata/eigendata/trainer/grpo"
	"github.com/eigendata/eigendata/workers"
	"github.com/eigendata/eigendata/workers/gpu"
	"github.com/eigendata/eigendata/workflows"
)

// TestUserSFTWorkflowTrainsTheModel runs UserSFTWorkflow on dialogues an
// offline synthesis run of gen-airline produced, with train.py training
// SmolLM2-135M-Instruct (LoRA, CPU slot): the user simulator's SFT loss
// must fall over the steps, and the checkpoint is an adapter. It fails
// (never skips) without the Python environment.
func TestUserSFTWorkflowTrainsTheModel(t *testing.T) {
	py, err := modelserver.Python()
	if err != nil {
		t.Fatalf("user-simulator SFT with the real model needs eigendata's Python environment: %v", err)
	}
	root, err := modelserver.Root()
	if err != nil {
		t.Fatal(err)
	}
	s := startStack(t)
	train := &activities.Train{Blob: s.Blob, Pool: gpu.NewPool(gpu.CPUSlots(1)),
		Command: []string{py, filepath.Join(root, "trainer", "torch", "train.py")}, WorkDir: t.TempDir()}
	if err := s.StartWorkers([]workers.Pool{workers.CPU, workers.LLM, workers.GPU}, nil, "", nil, 0, train); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	synth, err := s.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "sft-real-data", TaskQueue: workflows.QueueCPU},
		workflows.SynthesisWorkflow, workflows.SynthInput{Domain: "gen-airline", Count: 3, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	var data workflows.SynthResult
	if err := synth.Get(ctx, &data); err != nil {
		t.Fatal(err)
	}
	const steps = 3
	run, err := s.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "user-sft-real", TaskQueue: workflows.QueueCPU}, workflows.UserSFTWorkflow,
		workflows.UserSFTInput{DataRuns: []string{data.RunID}, Seed: 1,
			Hyper: map[string]any{"model": "smollm2", "finetune": "lora", "lr": 1e-3, "steps": float64(steps), "max_len": 2048.0}})
	if err != nil {
		t.Fatal(err)
	}
	var out workflows.TrainStepOutput
	if err := run.Get(ctx, &out); err != nil {
		t.Fatal(err)
	}
	t.Logf("SFT on %d dialogues (%.0f trained-on tokens): losses %.4f; backend load %.1fs, steps %.1fs",
		data.Instances, out.Metrics["tokens"], out.Losses, out.Metrics["load_seconds"], out.Metrics["train_seconds"])
	if len(out.Losses) != steps {
		t.Fatalf("%d losses, want %d", len(out.Losses), steps)
	}
	// Measured (seed 1): 0.346, 0.135, 0.072 over 3 steps at lr 1e-3 (the
	// offline synthesizer's user turns are templated, so the model learns
	// them fast); a fall to half leaves ample room.
	if first, last := out.Losses[0], out.Losses[steps-1]; !(last < 0.5*first) {
		t.Errorf("SFT loss did not fall: %v", out.Losses)
	}
	batch, err := grpo.ReadBatch(object(t, s, "runs/user-sft-real/user-sft.jsonl"))
	if err != nil || len(batch) != data.Instances {
		t.Fatalf("%d SFT samples for %d instances: %v", len(batch), data.Instances, err)
	}
	var ck struct {
		Finetune string `json:"finetune"`
		Mode     string `json:"mode"`
	}
	if err := json.Unmarshal(object(t, s, out.Checkpoint+"eigendata-checkpoint.json"), &ck); err != nil || ck.Finetune != "lora" || ck.Mode != "sft" {
		t.Fatalf("checkpoint %+v: %v", ck, err)
	}
	object(t, s, out.Checkpoint+"adapter_model.safetensors")
}
