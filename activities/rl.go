package activities

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	goopenai "github.com/sashabaranov/go-openai"
	"go.temporal.io/sdk/activity"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/episode"
	"github.com/eigendata/eigendata/envs/sandbox"
	"github.com/eigendata/eigendata/envs/synthesis"
	"github.com/eigendata/eigendata/envs/toy"
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

// RLPrepare lists the accepted instances of the data runs; a run named
// "toy:<set>" stands for the tasks of a built-in toy set (envs/toy).
func (a *RL) RLPrepare(ctx context.Context, runs []string) ([]string, error) {
	var keys []string
	for _, run := range runs {
		if toy.IsKey(run) {
			k, err := toy.Keys(run)
			if err != nil {
				return nil, workflows.InvalidInput("data_runs", "%v", err)
			}
			keys = append(keys, k...)
			continue
		}
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
	// Traces are the policy's calls in token ids (one per call, in order;
	// a zero trace where the server returned none), when they were asked
	// for: what token-mode batches are built from.
	Traces []llm.TokenTrace `json:"traces,omitempty"`
	// WeightVersion is the weight version the policy's calls reported
	// (distinct values joined by commas; "" when none was reported).
	WeightVersion string `json:"weight_version,omitempty"`
}

// tokenTurns are the record's policy calls as token-mode turns, or nil
// when some call has no trace (the batch then uses message mode).
func (r RolloutRecord) tokenTurns() []grpo.Turn {
	if len(r.Traces) == 0 {
		return nil
	}
	out := make([]grpo.Turn, 0, len(r.Traces))
	for _, tr := range r.Traces {
		if len(tr.PromptIDs) == 0 || len(tr.CompletionIDs) == 0 {
			return nil
		}
		lp := tr.Logprobs
		if len(lp) != len(tr.CompletionIDs) {
			lp = nil // a server that sent ids without log-probs: on-policy backend
		}
		out = append(out, grpo.Turn{Prompt: tr.PromptIDs, Completion: tr.CompletionIDs, Logprobs: lp})
	}
	return out
}

// weightVersions joins the distinct weight versions of traces.
func weightVersions(traces []llm.TokenTrace) string {
	var vs []string
	for _, t := range traces {
		if !slices.Contains(vs, t.WeightVersion) {
			vs = append(vs, t.WeightVersion)
		}
	}
	return strings.Join(vs, ",")
}

// rolloutSeed is the sampling of rollout g: the policy's, with the
// rollout's reply bound, and when the policy has a base seed a seed
// distinct per iteration, draw and rollout (a group's rollouts must
// differ), fixed across retries.
func rolloutSeed(cfg workflows.ModelConfig, in workflows.RolloutInput, g int) llm.Sampling {
	s := sampling(cfg)
	if in.MaxTokens > 0 {
		s.MaxTokens = in.MaxTokens
	}
	if cfg.Seed != nil {
		v := *cfg.Seed + in.Iteration*1_000_003 + in.Slot*1_009 + g
		s.Seed = &v
	}
	return s
}

// RLRollouts plays G episodes of one task with the policy and rewards each
// with the instance's checker (1 pass, 0 fail). The G episodes run at
// once, so an inference server that batches concurrent requests (the
// torch policy server) generates them together. With in.Traces the
// policy's calls ask for token ids and log-probs, recorded per rollout.
// Rollouts are stored under runs/<rl>/iter-<n>/rollouts/; a retry rewrites
// the same keys. Task keys "toy:<set>/<id>" are one-turn toy tasks
// (envs/toy).
func (a *RL) RLRollouts(ctx context.Context, in workflows.RolloutInput) (workflows.RolloutGroup, error) {
	chat, err := a.Models.Chat(in.Policy)
	if err != nil {
		return workflows.RolloutGroup{}, workflows.InvalidInput("policy", "%v", err)
	}
	var play func(ctx context.Context, g int) (RolloutRecord, error)
	var taskID string
	if toy.IsKey(in.Task) {
		task, err := toy.Lookup(in.Task)
		if err != nil {
			return workflows.RolloutGroup{}, workflows.InvalidInput("task", "%v", err)
		}
		prog, err := sandbox.Compile(task.ID, task.Checker)
		if err != nil {
			return workflows.RolloutGroup{}, fmt.Errorf("checker of %s: %w", task.ID, err)
		}
		taskID = in.Task
		play = func(ctx context.Context, g int) (RolloutRecord, error) {
			return toyRollout(ctx, in, g, task, prog, chat)
		}
	} else {
		play, taskID, err = a.instanceRollouts(ctx, in, chat)
		if err != nil {
			return workflows.RolloutGroup{}, err
		}
	}
	out := workflows.RolloutGroup{Group: grpo.Group{TaskID: taskID}}
	stop := heartbeat(ctx)
	defer stop()
	recs := make([]RolloutRecord, in.G)
	errs := make([]error, in.G)
	var wg sync.WaitGroup
	for g := range in.G {
		wg.Add(1)
		go func() {
			defer wg.Done()
			recs[g], errs[g] = play(ctx, g)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return out, err
	}
	for g, rec := range recs {
		key := fmt.Sprintf("runs/%s/iter-%03d/rollouts/%05d-%s/g%02d.json", in.RunID, in.Iteration, in.Slot, SafeName(taskID), g)
		if err := putJSON(ctx, a.Blob, key, rec); err != nil {
			return out, err
		}
		out.Group.Rewards = append(out.Group.Rewards, rec.Reward)
		out.Group.Refs = append(out.Group.Refs, key)
		out.WeightVersions = append(out.WeightVersions, rec.WeightVersion)
		if rec.tokenTurns() != nil {
			out.TokenRollouts++
		}
	}
	return out, nil
}

// instanceRollouts prepares the rollouts of a synthesized instance: tau2's
// episode loop with the policy as the agent, the checker as the reward.
func (a *RL) instanceRollouts(ctx context.Context, in workflows.RolloutInput, chat llm.Chat) (func(context.Context, int) (RolloutRecord, error), string, error) {
	var inst Instance
	if err := getJSON(ctx, a.Blob, in.Task, &inst); err != nil {
		return nil, "", err
	}
	m, err := a.manifest(ctx, runOf(in.Task))
	if err != nil {
		return nil, "", err
	}
	ld, err := a.Domains.Get(DomainKey{Name: m.Input.Domain, Tau2Data: m.Input.Tau2Data, Seed: m.Input.Seed})
	if err != nil {
		return nil, "", err
	}
	prog, err := sandbox.Compile(inst.ID, inst.Checker)
	if err != nil {
		return nil, "", fmt.Errorf("checker of %s: %w", inst.ID, err)
	}
	var uc llm.Chat
	if in.User.Provider == "openai" {
		if uc, err = a.Models.Chat(in.User); err != nil {
			return nil, "", workflows.InvalidInput("user", "%v", err)
		}
	}
	play := func(ctx context.Context, g int) (RolloutRecord, error) {
		task := inst.Task
		env := ld.Domain.NewEnv()
		agent := llm.NewAgent(chat, rolloutSeed(in.Policy, in, g), env)
		agent.RecordTraces = in.Traces
		var user episode.Participant = offline.TemplateUser{Task: &task}
		if uc != nil {
			user = llm.NewUser(uc, sampling(in.User), env, &task, prompts.Builtin().Prompts["user"])
		}
		res, err := episode.Run(ctx, env, &task, agent, user, episode.Config{MaxSteps: in.MaxSteps})
		if err != nil {
			return RolloutRecord{}, fmt.Errorf("rollout %s#%d: %w", inst.ID, g, err)
		}
		v := prog.Check(ctx, synthesis.View(env, inst.Scenario), synthesis.Transcript(res.Messages), sandbox.DefaultLimits())
		reward := 0.0
		if v.Pass && v.Err == "" {
			reward = 1
		}
		return RolloutRecord{Task: inst.ID, Reward: reward, Reason: v.Reason + v.Err, Termination: string(res.Termination),
			Record: llm.FineTuning(env.Policy(), res.Messages, ld.Domain.Agent.OpenAI()),
			Traces: agent.Traces, WeightVersion: weightVersions(agent.Traces)}, nil
	}
	return play, inst.ID, nil
}

// toyRollout plays one toy task: the question, the agent's one reply, the
// checker's verdict on the transcript.
func toyRollout(ctx context.Context, in workflows.RolloutInput, g int, task toy.Task, prog *sandbox.Program, chat llm.Chat) (RolloutRecord, error) {
	agent := &llm.Agent{Chat: chat, Sampling: rolloutSeed(in.Policy, in, g), System: task.System, Tools: []envs.OpenAITool{},
		RecordTraces: in.Traces}
	msgs := []envs.Message{{Role: envs.RoleUser, Content: task.User}}
	reply, err := agent.Next(ctx, msgs)
	if err != nil {
		return RolloutRecord{}, fmt.Errorf("rollout %s#%d: %w", task.ID, g, err)
	}
	msgs = append(msgs, reply)
	v := prog.Check(ctx, task.State, synthesis.Transcript(msgs), sandbox.DefaultLimits())
	reward := 0.0
	if v.Pass && v.Err == "" {
		reward = 1
	}
	rec := llm.FineTuneRecord{Tools: []envs.OpenAITool{}, Messages: []goopenai.ChatCompletionMessage{
		{Role: goopenai.ChatMessageRoleSystem, Content: task.System},
		{Role: goopenai.ChatMessageRoleUser, Content: task.User},
		{Role: goopenai.ChatMessageRoleAssistant, Content: reply.Content},
	}}
	return RolloutRecord{Task: task.ID, Reward: reward, Reason: v.Reason + v.Err, Termination: "agent_reply", Record: rec,
		Traces: agent.Traces, WeightVersion: weightVersions(agent.Traces)}, nil
}

// RLBatch computes the advantages and writes batch.jsonl. A rollout whose
// policy calls all carry token traces becomes token-mode samples
// (grpo.Segments: the calls concatenated while each prompt extends the
// sequence, a new segment where it does not); any other rollout is one
// message-mode sample.
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
	var out workflows.BatchOutput
	for i, g := range in.Groups {
		for j, ref := range g.Refs {
			var rec RolloutRecord
			if err := getJSON(ctx, a.Blob, ref, &rec); err != nil {
				return workflows.BatchOutput{}, err
			}
			base := grpo.Sample{TaskID: g.TaskID, Group: i, Reward: g.Rewards[j], Advantage: adv[i][j]}
			if turns := rec.tokenTurns(); turns != nil {
				segs, err := grpo.Segments(turns)
				if err == nil {
					for _, sg := range segs {
						s := base
						s.TokenIDs, s.LossMask, s.OldLogProbs = sg.TokenIDs, sg.LossMask, sg.OldLogProbs
						samples = append(samples, s)
						out.TokenSamples++
					}
					continue
				}
				activityLogger(ctx).Warn("rollout traces unusable; message mode", "rollout", ref, "error", err)
			}
			msgs, _ := json.Marshal(rec.Record.Messages)
			tools, _ := json.Marshal(rec.Record.Tools)
			base.Messages, base.Tools = msgs, tools
			samples = append(samples, base)
			out.MessageSamples++
		}
	}
	var buf bytes.Buffer
	if err := grpo.WriteBatch(&buf, samples); err != nil {
		return workflows.BatchOutput{}, err
	}
	out.Key = fmt.Sprintf("runs/%s/iter-%03d/batch.jsonl", in.RunID, in.Iteration)
	out.Samples = len(samples)
	return out, a.Blob.Put(ctx, out.Key, buf.Bytes(), "application/jsonl")
}

// RLReport writes metrics.json, report.md and learning-curve.png.
func (a *RL) RLReport(ctx context.Context, runID string, metrics []workflows.RLIterMetric) (string, error) {
	prefix := "runs/" + runID + "/"
	if err := putJSON(ctx, a.Blob, prefix+"metrics.json", metrics); err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# RL run %s\n\n", runID)
	b.WriteString("| iteration | reward mean | pass rate | groups kept/sampled | filtered | all-pass/all-fail dropped | loss | eval pass^1 | batch mode | rollout weights | synced weights | rollout/train/sync s | checkpoint |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	curve := []float64{0}
	for _, m := range metrics {
		versions := strings.Join(m.RolloutWeightVersions, ", ")
		if m.StaleRollouts > 0 {
			versions += fmt.Sprintf(" (%d stale)", m.StaleRollouts)
		}
		fmt.Fprintf(&b, "| %d | %.3f | %.3f | %d/%d | %.2f | %d/%d | %.4f | %.3f | %s | %s | %s | %.1f/%.1f/%.1f | `%s` |\n", m.Iteration, m.RewardMean, m.PassRate,
			m.GroupsKept, m.GroupsSampled, m.FilteredFraction, m.DroppedAllPass, m.DroppedAllFail, m.Loss, m.EvalPass1,
			orDash(m.Mode), orDash(versions), orDash(m.WeightVersion), m.RolloutSeconds, m.TrainSeconds, m.SyncSeconds, m.Checkpoint)
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

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
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

// activityLogger is the activity's logger inside an activity, else slog's
// default (direct calls in tests).
func activityLogger(ctx context.Context) interface {
	Info(string, ...any)
	Warn(string, ...any)
} {
	if activity.IsActivity(ctx) {
		return activity.GetLogger(ctx)
	}
	return slog.Default()
}

// WeightSync tells the inference server about a new checkpoint: it runs
// the hook command (CHECKPOINT_URI and MODEL_NAME set), POSTs
// {checkpoint_uri, model} to the URL, and POSTs the checkpoint's files as
// a tar to the policy server's /weights (optimizer state left out),
// returning the weight version the server reports. Histories from before
// RLWorkflow's version 1 call it with the WeightSync and the checkpoint
// as two arguments (legacyCheckpoint).
func (a *RL) WeightSync(ctx context.Context, in workflows.WeightSyncInput, legacyCheckpoint string) (workflows.WeightSyncResult, error) {
	if in.Checkpoint == "" {
		in.Checkpoint = legacyCheckpoint
	}
	sync := in.Sync
	var res workflows.WeightSyncResult
	if len(sync.Command) > 0 {
		cmd := exec.CommandContext(ctx, sync.Command[0], sync.Command[1:]...)
		cmd.Env = append(os.Environ(), "CHECKPOINT_URI="+in.Checkpoint, "MODEL_NAME="+in.Model)
		if out, err := cmd.CombinedOutput(); err != nil {
			return res, fmt.Errorf("weight sync command: %w: %s", err, out)
		}
	}
	if sync.URL != "" {
		body, _ := json.Marshal(map[string]string{"checkpoint_uri": in.Checkpoint, "model": in.Model})
		if _, err := post(ctx, sync.URL, "application/json", body, nil); err != nil {
			return res, fmt.Errorf("weight sync POST: %w", err)
		}
	}
	if sync.PolicyURL != "" {
		archive, n, err := a.checkpointTar(ctx, in.Checkpoint)
		if err != nil {
			return res, err
		}
		answer, err := post(ctx, strings.TrimRight(sync.PolicyURL, "/")+"/weights", "application/x-tar", archive,
			map[string]string{"X-Checkpoint-Uri": in.Checkpoint})
		if err != nil {
			return res, fmt.Errorf("weight sync to the policy server: %w", err)
		}
		var got struct {
			WeightVersion json.RawMessage `json:"weight_version"`
			Checkpoint    string          `json:"checkpoint"`
		}
		if err := json.Unmarshal(answer, &got); err != nil {
			return res, fmt.Errorf("weight sync to the policy server: answer %q: %w", truncate(answer, 200), err)
		}
		res.WeightVersion, res.Checkpoint = versionString(got.WeightVersion), got.Checkpoint
		if res.WeightVersion == "" {
			return res, fmt.Errorf("weight sync to the policy server: no weight_version in %q", truncate(answer, 200))
		}
		activityLogger(ctx).Info("policy weights synced", "checkpoint", in.Checkpoint, "files", n, "bytes", len(archive),
			"weight_version", res.WeightVersion)
	}
	return res, nil
}

// checkpointTar packs the checkpoint's files (not optimizer.pt, not
// done.json) into a tar, flat, as the trainer wrote them.
func (a *RL) checkpointTar(ctx context.Context, prefix string) ([]byte, int, error) {
	keys, err := a.Blob.List(ctx, prefix)
	if err != nil {
		return nil, 0, err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	n := 0
	for _, k := range keys {
		name := path.Base(k)
		if name == "optimizer.pt" || name == "done.json" || strings.Contains(strings.TrimPrefix(k, prefix), "/") {
			continue
		}
		b, err := a.Blob.Get(ctx, k)
		if err != nil {
			return nil, 0, err
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(b)), ModTime: time.Unix(0, 0)}); err != nil {
			return nil, 0, err
		}
		if _, err := tw.Write(b); err != nil {
			return nil, 0, err
		}
		n++
	}
	if err := tw.Close(); err != nil {
		return nil, 0, err
	}
	if n == 0 {
		return nil, 0, workflows.InvalidInput("checkpoint", "no checkpoint files under %s", prefix)
	}
	return buf.Bytes(), n, nil
}

// post POSTs body and returns the answer's body; a status of 300 or more
// is an error carrying the start of the answer.
func post(ctx context.Context, url, contentType string, body []byte, headers map[string]string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 {
		return answer, fmt.Errorf("HTTP %d: %s", resp.StatusCode, truncate(answer, 500))
	}
	return answer, nil
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// versionString renders a weight_version that may be a JSON string or number.
func versionString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	if t := strings.TrimSpace(string(raw)); t != "null" {
		return t
	}
	return ""
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
	Checkpoint string             `json:"checkpoint"`
	Steps      int                `json:"steps"`
	Losses     []float64          `json:"losses"`
	Metrics    map[string]float64 `json:"metrics,omitempty"`
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
		return workflows.TrainStepOutput{Checkpoint: done.Checkpoint, Steps: done.Steps, Losses: done.Losses, Metrics: done.Metrics, Reused: true}, nil
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
	done = stepDone{Checkpoint: prefix, Steps: res.Steps, Losses: res.Losses, Metrics: finiteMetrics(res.Metrics)}
	if err := putJSON(ctx, t.Blob, prefix+"done.json", done); err != nil {
		return workflows.TrainStepOutput{}, err
	}
	return workflows.TrainStepOutput{Checkpoint: prefix, Steps: res.Steps, Losses: res.Losses, Metrics: done.Metrics}, nil
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

// finiteMetrics drops NaN and infinite values (JSON has none).
func finiteMetrics(m map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range m {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
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
