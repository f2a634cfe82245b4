package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"go.temporal.io/sdk/activity"

	"github.com/eigendata/eigendata/envs/episode"
	"github.com/eigendata/eigendata/envs/sandbox"
	"github.com/eigendata/eigendata/envs/synthesis"
	"github.com/eigendata/eigendata/llm"
	"github.com/eigendata/eigendata/llm/offline"
	"github.com/eigendata/eigendata/llm/prompts"
	"github.com/eigendata/eigendata/trainer/grpo"
	"github.com/eigendata/eigendata/trainer/protocol"
	"github.com/eigendata/eigendata/workers/gpu"
	"github.com/eigendata/eigendata/workflows"
)

// RL holds the rollout, batch and report activities of RLWorkflow and
// UserSFTWorkflow.
type RL struct {
	Blob    Store
	Domains *Domains
	Models  *Models

	mu        sync.Mutex
	manifests map[string]Manifest
}

// RLPrepare lists the accepted instances of the data runs.
func (a *RL) RLPrepare(ctx context.Context, runs []string) ([]string, error) {
	var keys []string
	for _, run := range runs {
		m, err := a.manifest(ctx, run)
		if err != nil {
			return nil, workflows.InvalidInput("data_runs", "run %s: %v", run, err)
		}
		keys = append(keys, m.Instances...)
	}
	return keys, nil
}

func (a *RL) manifest(ctx context.Context, run string) (Manifest, error) {
	a.mu.Lock()
	m, ok := a.manifests[run]
	a.mu.Unlock()
	if ok {
		return m, nil
	}
	if err := getJSON(ctx, a.Blob, "runs/"+run+"/manifest.json", &m); err != nil {
		return m, err
	}
	a.mu.Lock()
	if a.manifests == nil {
		a.manifests = map[string]Manifest{}
	}
	a.manifests[run] = m
	a.mu.Unlock()
	return m, nil
}

// runOf extracts the run id from runs/<run>/instances/<i>/instance.json.
func runOf(key string) string {
	rest := strings.TrimPrefix(key, "runs/")
	if i := strings.Index(rest, "/instances/"); i >= 0 {
		return rest[:i]
	}
	return ""
}

// RolloutRecord is one stored rollout.
type RolloutRecord struct {
	Task        string             `json:"task"`
	Reward      float64            `json:"reward"`
	Reason      string             `json:"reason"`
	Termination string             `json:"termination_reason"`
	Record      llm.FineTuneRecord `json:"record"`
}

// RLRollouts plays G episodes of one task with the policy and rewards each
// with the instance's checker (1 pass, 0 fail). Rollouts are stored under
// runs/<rl>/iter-<n>/rollouts/; a retry rewrites the same keys.
func (a *RL) RLRollouts(ctx context.Context, in workflows.RolloutInput) (workflows.RolloutGroup, error) {
	var inst Instance
	if err := getJSON(ctx, a.Blob, in.Task, &inst); err != nil {
		return workflows.RolloutGroup{}, err
	}
	m, err := a.manifest(ctx, runOf(in.Task))
	if err != nil {
		return workflows.RolloutGroup{}, err
	}
	ld, err := a.Domains.Get(DomainKey{Name: m.Input.Domain, Tau2Data: m.Input.Tau2Data, Seed: m.Input.Seed})
	if err != nil {
		return workflows.RolloutGroup{}, err
	}
	prog, err := sandbox.Compile(inst.ID, inst.Checker)
	if err != nil {
		return workflows.RolloutGroup{}, fmt.Errorf("checker of %s: %w", inst.ID, err)
	}
	chat, err := a.Models.Chat(in.Policy)
	if err != nil {
		return workflows.RolloutGroup{}, workflows.InvalidInput("policy", "%v", err)
	}
	out := workflows.RolloutGroup{Group: grpo.Group{TaskID: inst.ID}}
	stop := heartbeat(ctx)
	defer stop()
	for g := 0; g < in.G; g++ {
		task := inst.Task
		env := ld.Domain.NewEnv()
		agent := llm.NewAgent(chat, sampling(in.Policy), env)
		var user episode.Participant = offline.TemplateUser{Task: &task}
		if in.User.Provider == "openai" {
			uc, err := a.Models.Chat(in.User)
			if err != nil {
				return out, workflows.InvalidInput("user", "%v", err)
			}
			user = llm.NewUser(uc, sampling(in.User), env, &task, prompts.Builtin().Prompts["user"])
		}
		res, err := episode.Run(ctx, env, &task, agent, user, episode.Config{MaxSteps: in.MaxSteps})
		if err != nil {
			return out, fmt.Errorf("rollout %s#%d: %w", inst.ID, g, err)
		}
		v := prog.Check(ctx, synthesis.View(env, inst.Scenario), synthesis.Transcript(res.Messages), sandbox.DefaultLimits())
		reward := 0.0
		if v.Pass && v.Err == "" {
			reward = 1
		}
		rec := RolloutRecord{Task: inst.ID, Reward: reward, Reason: v.Reason + v.Err, Termination: string(res.Termination),
			Record: llm.FineTuning(env.Policy(), res.Messages, ld.Domain.Agent.OpenAI())}
		key := fmt.Sprintf("runs/%s/iter-%03d/rollouts/%05d-%s/g%02d.json", in.RunID, in.Iteration, in.Slot, SafeName(inst.ID), g)
		if err := putJSON(ctx, a.Blob, key, rec); err != nil {
			return out, err
		}
		out.Group.Rewards = append(out.Group.Rewards, reward)
		out.Group.Refs = append(out.Group.Refs, key)
	}
	return out, nil
}

// RLBatch computes the advantages and writes batch.jsonl (message mode:
// the endpoint returns no token ids through the OpenAI API).
func (a *RL) RLBatch(ctx context.Context, in workflows.BatchInput) (workflows.BatchOutput, error) {
	rewards := make([][]float64, len(in.Groups))
	for i, g := range in.Groups {
		rewards[i] = g.Rewards
	}
	adv, err := grpo.Compute(rewards, in.Options)
	if err != nil {
		return workflows.BatchOutput{}, workflows.InvalidInput("advantages", "%v", err)
	}
	var samples []grpo.Sample
	for i, g := range in.Groups {
		for j, ref := range g.Refs {
			var rec RolloutRecord
			if err := getJSON(ctx, a.Blob, ref, &rec); err != nil {
				return workflows.BatchOutput{}, err
			}
			msgs, _ := json.Marshal(rec.Record.Messages)
			tools, _ := json.Marshal(rec.Record.Tools)
			samples = append(samples, grpo.Sample{TaskID: g.TaskID, Group: i, Reward: g.Rewards[j], Advantage: adv[i][j], Messages: msgs, Tools: tools})
		}
	}
	var buf bytes.Buffer
	if err := grpo.WriteBatch(&buf, samples); err != nil {
		return workflows.BatchOutput{}, err
	}
	key := fmt.Sprintf("runs/%s/iter-%03d/batch.jsonl", in.RunID, in.Iteration)
	return workflows.BatchOutput{Key: key, Samples: len(samples)}, a.Blob.Put(ctx, key, buf.Bytes(), "application/jsonl")
}

// RLReport writes metrics.json, report.md and learning-curve.png.
func (a *RL) RLReport(ctx context.Context, runID string, metrics []workflows.RLIterMetric) (string, error) {
	prefix := "runs/" + runID + "/"
	if err := putJSON(ctx, a.Blob, prefix+"metrics.json", metrics); err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# RL run %s\n\n| iteration | reward mean | pass rate | groups kept/sampled | filtered | all-pass/all-fail dropped | loss | eval pass^1 | checkpoint |\n|---|---|---|---|---|---|---|---|---|\n", runID)
	curve := []float64{0}
	for _, m := range metrics {
		fmt.Fprintf(&b, "| %d | %.3f | %.3f | %d/%d | %.2f | %d/%d | %.4f | %.3f | `%s` |\n", m.Iteration, m.RewardMean, m.PassRate,
			m.GroupsKept, m.GroupsSampled, m.FilteredFraction, m.DroppedAllPass, m.DroppedAllFail, m.Loss, m.EvalPass1, m.Checkpoint)
		curve = append(curve, m.RewardMean)
	}
	b.WriteString("\n![learning curve](learning-curve.png)\n")
	png, err := PlotSeries("RL "+runID+": rollout reward mean", "iteration", "reward", curve)
	if err != nil {
		return "", err
	}
	if err := a.Blob.Put(ctx, prefix+"learning-curve.png", png, "image/png"); err != nil {
		return "", err
	}
	return prefix + "report.md", a.Blob.Put(ctx, prefix+"report.md", []byte(b.String()), "text/markdown")
}

// UserSFTBuild turns synthetic dialogues into user-simulator SFT samples:
// the simulator's system prompt (guidelines + the task's instructions),
// then the conversation with roles swapped, so the model learns to write
// the user's turns.
func (a *RL) UserSFTBuild(ctx context.Context, runID string, runs []string) (workflows.BatchOutput, error) {
	var samples []grpo.Sample
	guidelines := prompts.Builtin().Prompts["user"]
	for _, run := range runs {
		m, err := a.manifest(ctx, run)
		if err != nil {
			return workflows.BatchOutput{}, workflows.InvalidInput("data_runs", "run %s: %v", run, err)
		}
		for _, key := range m.Instances {
			var inst Instance
			if err := getJSON(ctx, a.Blob, key, &inst); err != nil {
				return workflows.BatchOutput{}, err
			}
			msgs := []map[string]string{{"role": "system", "content": llm.UserSystemPrompt(guidelines, inst.Task.UserScenario)}}
			for _, msg := range inst.Transcript.Messages {
				if msg.IsToolCall() || msg.Content == "" {
					continue
				}
				switch msg.Role {
				case "user":
					msgs = append(msgs, map[string]string{"role": "assistant", "content": msg.Content})
				case "assistant":
					msgs = append(msgs, map[string]string{"role": "user", "content": msg.Content})
				}
			}
			b, _ := json.Marshal(msgs)
			samples = append(samples, grpo.Sample{TaskID: inst.ID, Reward: 1, Messages: b})
		}
	}
	if len(samples) == 0 {
		return workflows.BatchOutput{}, workflows.InvalidInput("data_runs", "no accepted instances")
	}
	var buf bytes.Buffer
	if err := grpo.WriteBatch(&buf, samples); err != nil {
		return workflows.BatchOutput{}, err
	}
	key := "runs/" + runID + "/user-sft.jsonl"
	return workflows.BatchOutput{Key: key, Samples: len(samples)}, a.Blob.Put(ctx, key, buf.Bytes(), "application/jsonl")
}

// WeightSync tells the inference server about a new checkpoint: it runs
// the hook command (CHECKPOINT_URI set) and/or POSTs to the URL.
func (a *RL) WeightSync(ctx context.Context, sync workflows.WeightSync, checkpoint string) error {
	if len(sync.Command) > 0 {
		cmd := exec.CommandContext(ctx, sync.Command[0], sync.Command[1:]...)
		cmd.Env = append(os.Environ(), "CHECKPOINT_URI="+checkpoint)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("weight sync command: %v: %s", err, out)
		}
	}
	if sync.URL != "" {
		body, _ := json.Marshal(map[string]string{"checkpoint_uri": checkpoint})
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, sync.URL, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return fmt.Errorf("weight sync POST: %w", err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			return fmt.Errorf("weight sync POST: HTTP %d", resp.StatusCode)
		}
	}
	return nil
}

// Train runs training steps on the gpu pool through the backend protocol.
type Train struct {
	Blob Store
	Pool *gpu.Pool
	// Command is the backend command (e.g. python trainer/torch/train.py).
	Command []string
	// WorkDir holds local batches and checkpoints (default os.TempDir()).
	WorkDir string
	// GPUsPerStep is the number of GPUs a step leases (default 1).
	GPUsPerStep int
}

// stepDone is the marker of a completed step.
type stepDone struct {
	Checkpoint string    `json:"checkpoint"`
	Steps      int       `json:"steps"`
	Losses     []float64 `json:"losses"`
}

// TrainStep runs one backend step. It is idempotent: a step whose
// checkpoint was uploaded (done.json present) is not run again on retry.
// It leases GPUs, heartbeats the backend's step and loss, kills the
// backend's process group on cancel, and quarantines the GPUs when the
// backend dies of a device error.
func (t *Train) TrainStep(ctx context.Context, in workflows.TrainStepInput) (workflows.TrainStepOutput, error) {
	prefix := fmt.Sprintf("checkpoints/%s/%03d/", SafeName(in.RunID), in.Iteration)
	var done stepDone
	if err := getJSON(ctx, t.Blob, prefix+"done.json", &done); err == nil {
		return workflows.TrainStepOutput{Checkpoint: done.Checkpoint, Steps: done.Steps, Losses: done.Losses, Reused: true}, nil
	}
	n := max(t.GPUsPerStep, 1)
	lease, err := t.Pool.Acquire(ctx, n)
	if err != nil {
		return workflows.TrainStepOutput{}, err
	}
	dir, err := os.MkdirTemp(t.WorkDir, "eigendata-step-")
	if err != nil {
		lease.Release()
		return workflows.TrainStepOutput{}, err
	}
	defer os.RemoveAll(dir)
	batch, err := t.Blob.Get(ctx, in.Batch)
	if err != nil {
		lease.Release()
		return workflows.TrainStepOutput{}, err
	}
	req := protocol.Request{Mode: in.Mode, Batch: filepath.Join(dir, "batch.jsonl"), BatchURI: in.Batch,
		OutputDir: filepath.Join(dir, "out"), Hyper: in.Hyper, Seed: in.Seed}
	if err := os.WriteFile(req.Batch, batch, 0o644); err != nil {
		lease.Release()
		return workflows.TrainStepOutput{}, err
	}
	if in.BaseCheckpoint != "" {
		req.BaseCheckpoint, req.BaseCheckpointURI = filepath.Join(dir, "base"), in.BaseCheckpoint
		if err := t.download(ctx, in.BaseCheckpoint, req.BaseCheckpoint); err != nil {
			lease.Release()
			return workflows.TrainStepOutput{}, err
		}
	}
	stop := heartbeat(ctx) // also between the backend's progress events
	defer stop()
	res, err := protocol.Run(ctx, t.Command, req, protocol.Options{
		Env: lease.Env(),
		OnEvent: func(ev protocol.Event) {
			if activity.IsActivity(ctx) && ev.Event == "progress" {
				activity.RecordHeartbeat(ctx, map[string]any{"step": ev.Step, "loss": ev.Loss})
			}
		},
	})
	if err != nil {
		if isDeviceError(err) {
			lease.Quarantine(err.Error())
		} else {
			lease.Release()
		}
		return workflows.TrainStepOutput{}, err
	}
	lease.Release()
	// Upload the checkpoint, then the marker (last, so it means "complete").
	entries, err := os.ReadDir(req.OutputDir)
	if err != nil {
		return workflows.TrainStepOutput{}, err
	}
	for _, e := range entries {
		if e.IsDir() || e.Name() == "request.json" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(req.OutputDir, e.Name()))
		if err != nil {
			return workflows.TrainStepOutput{}, err
		}
		if err := t.Blob.Put(ctx, prefix+e.Name(), b, "application/octet-stream"); err != nil {
			return workflows.TrainStepOutput{}, err
		}
	}
	done = stepDone{Checkpoint: prefix, Steps: res.Steps, Losses: res.Losses}
	if err := putJSON(ctx, t.Blob, prefix+"done.json", done); err != nil {
		return workflows.TrainStepOutput{}, err
	}
	return workflows.TrainStepOutput{Checkpoint: prefix, Steps: res.Steps, Losses: res.Losses}, nil
}

func (t *Train) download(ctx context.Context, prefix, dir string) error {
	keys, err := t.Blob.List(ctx, prefix)
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		return workflows.InvalidInput("base_checkpoint", "no objects under %s", prefix)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, k := range keys {
		b, err := t.Blob.Get(ctx, k)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(k)), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// isDeviceError recognises failures that point at the GPU, not the code.
func isDeviceError(err error) bool {
	s := err.Error()
	for _, sig := range []string{"CUDA error", "Xid", "uncorrectable ECC", "device-side assert", "NVML"} {
		if strings.Contains(s, sig) {
			return true
		}
	}
	return errors.Is(err, gpu.ErrNoGPU)
}
