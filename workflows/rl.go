package workflows

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/eigendata/eigendata/trainer/grpo"
)

// RL activity names.
const (
	ActRLPrepare    = "RLPrepare"    // cpu: the task pool of the data runs
	ActRLRollouts   = "RLRollouts"   // llm: G rollouts of one task, rewarded by its checker
	ActRLBatch      = "RLBatch"      // cpu: advantages and batch.jsonl
	ActTrainStep    = "TrainStep"    // gpu: one backend run (grpo or sft), checkpoint to S3
	ActWeightSync   = "WeightSync"   // cpu: tell the inference server about the new weights
	ActRLReport     = "RLReport"     // cpu: metrics, learning curve
	ActUserSFTBuild = "UserSFTBuild" // cpu: user-simulator SFT data from synthetic dialogues
)

// WeightSync says how the inference server learns about new weights. Any
// of the three may be set; they run in the order command, URL, policy URL.
type WeightSync struct {
	// Command runs with CHECKPOINT_URI (the checkpoint's S3 prefix) and
	// MODEL_NAME (the name the new weights are to be served under) set.
	Command []string `json:"command,omitempty"`
	// URL receives a POST {"checkpoint_uri": ..., "model": ...}.
	URL string `json:"url,omitempty"`
	// PolicyURL is an eigendata policy server's base URL (".../v1";
	// infra/modelserver with the torch backend): the checkpoint's files
	// (optimizer state left out) are POSTed to <policy_url>/weights as a
	// tar; the server loads them and answers with its new weight version.
	PolicyURL string `json:"policy_url,omitempty"`
}

// Enabled reports whether any hook is set.
func (s WeightSync) Enabled() bool { return len(s.Command) > 0 || s.URL != "" || s.PolicyURL != "" }

// WeightSyncInput is the WeightSync activity's input (from RLWorkflow
// version 1 on; earlier histories pass the WeightSync and the checkpoint
// as two arguments, which the activity still accepts).
type WeightSyncInput struct {
	Sync       WeightSync `json:"sync"`
	Checkpoint string     `json:"checkpoint"`
	// Model is the name the new weights are served under
	// (VersionedModel of the policy's model and the checkpoint).
	Model string `json:"model"`
}

// UnmarshalJSON also accepts the legacy argument, a bare WeightSync
// ({"command", "url"}), which earlier histories pass.
func (in *WeightSyncInput) UnmarshalJSON(b []byte) error {
	type plain WeightSyncInput
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(b, &probe); err != nil {
		return err
	}
	if _, ok := probe["sync"]; ok || len(probe) == 0 {
		return json.Unmarshal(b, (*plain)(in))
	}
	*in = WeightSyncInput{}
	return json.Unmarshal(b, &in.Sync)
}

// WeightSyncResult is what the inference server reported.
type WeightSyncResult struct {
	// WeightVersion is the policy server's weight version after loading
	// ("" for hooks that report none).
	WeightVersion string `json:"weight_version,omitempty"`
	// Checkpoint is the checkpoint the server says it serves.
	Checkpoint string `json:"checkpoint,omitempty"`
}

// VersionedModel is the model name of the policy's weights after
// checkpoint: "<model>@<checkpoint>" (the model itself before any). Calls
// to the updated policy carry it, so responses cached in Redis for older
// weights (temperature-0 evaluations, seeded calls) are never served for
// newer ones: the cache key includes the model name. eigendata's policy
// server answers to any name; a weight-sync hook in front of another
// server registers the weights under MODEL_NAME (vLLM: the LoRA adapter's
// lora_name).
func VersionedModel(model, checkpoint string) string {
	if checkpoint == "" {
		return model
	}
	return model + "@" + checkpoint
}

// RLInput starts an RLWorkflow.
type RLInput struct {
	// DataRuns are synthesis runs whose accepted instances are the tasks
	// (each rewarded by its own checker).
	DataRuns []string    `json:"data_runs"`
	Policy   ModelConfig `json:"policy"`
	// User is the (fine-tuned) user simulator; offline = template user.
	User   ModelConfig `json:"user"`
	Recipe grpo.Recipe `json:"recipe"`
	// Advantage options (GRPO defaults).
	NormByStd *bool `json:"norm_by_std,omitempty"`
	BatchNorm bool  `json:"batch_norm,omitempty"`
	// MessageMode never asks the policy endpoint for token ids and
	// log-probs (for endpoints that reject vLLM's return_token_ids);
	// batches are then in message mode. By default rollouts ask for them
	// and batches are in token mode wherever the endpoint answered.
	MessageMode bool `json:"message_mode,omitempty"`
	// Iterations to run; EvalEvery > 0 runs an EvalWorkflow child every N.
	Iterations int       `json:"iterations"`
	EvalEvery  int       `json:"eval_every,omitempty"`
	Eval       EvalInput `json:"eval,omitempty"`
	// BaseCheckpoint is the starting checkpoint's key ("" = backend default).
	BaseCheckpoint string            `json:"base_checkpoint,omitempty"`
	Hyper          map[string]any    `json:"hyperparameters,omitempty"`
	Sync           WeightSync        `json:"weight_sync,omitempty"`
	Concurrency    int               `json:"concurrency,omitempty"`
	Seed           int64             `json:"seed,omitempty"`
	Carry          *RLCarry          `json:"carry,omitempty"`
	Labels         map[string]string `json:"labels,omitempty"`
}

// RLCarry is the state handed to the next iteration by continue-as-new.
type RLCarry struct {
	RunID      string         `json:"run_id"`
	Iteration  int            `json:"iteration"`
	Checkpoint string         `json:"checkpoint"`
	TaskCursor int            `json:"task_cursor"`
	Tasks      []string       `json:"tasks"` // instance keys
	Metrics    []RLIterMetric `json:"metrics"`
	// WeightVersion is the policy server's weight version after the last
	// sync: what the next rollouts must report ("" before any sync).
	WeightVersion string `json:"weight_version,omitempty"`
	// Synced is the checkpoint the policy server was last told about.
	Synced string `json:"synced,omitempty"`
}

// RLIterMetric is one iteration's numbers.
type RLIterMetric struct {
	Iteration        int     `json:"iteration"`
	RewardMean       float64 `json:"reward_mean"`
	PassRate         float64 `json:"pass_rate"`
	GroupsSampled    int     `json:"groups_sampled"`
	GroupsKept       int     `json:"groups_kept"`
	FilteredFraction float64 `json:"filtered_fraction"`
	DroppedAllPass   int     `json:"dropped_all_pass"`
	DroppedAllFail   int     `json:"dropped_all_fail"`
	CapHit           bool    `json:"cap_hit"`
	Loss             float64 `json:"loss"`
	Checkpoint       string  `json:"checkpoint"`
	EvalPass1        float64 `json:"eval_pass1,omitempty"`
	// PolicyModel is the model name the rollouts called (VersionedModel).
	PolicyModel string `json:"policy_model,omitempty"`
	// Mode is the batch's sample mode: token, message or mixed.
	Mode string `json:"mode,omitempty"`
	// TokenSamples and MessageSamples count the batch's samples by mode (a
	// token-mode rollout may make several samples where the server
	// re-rendered an earlier turn differently from what was generated).
	TokenSamples   int `json:"token_samples,omitempty"`
	MessageSamples int `json:"message_samples,omitempty"`
	// RolloutWeightVersions are the weight versions the policy server
	// reported for this iteration's rollouts (distinct, sorted; "" when a
	// call reported none).
	RolloutWeightVersions []string `json:"rollout_weight_versions,omitempty"`
	// StaleRollouts counts rollouts that reported a weight version other
	// than the one the previous iteration's sync produced.
	StaleRollouts int `json:"stale_rollouts,omitempty"`
	// WeightVersion is the policy server's version after this iteration's
	// sync ("" without a policy-server sync).
	WeightVersion string `json:"weight_version,omitempty"`
	// Wall-clock seconds of the stages (workflow time).
	RolloutSeconds float64 `json:"rollout_seconds,omitempty"`
	TrainSeconds   float64 `json:"train_seconds,omitempty"`
	SyncSeconds    float64 `json:"sync_seconds,omitempty"`
	// BackendLoadSeconds and BackendStepSeconds split the backend's own
	// time (train.py: starting and loading the model and batch; the
	// optimizer steps), when it reports them.
	BackendLoadSeconds float64 `json:"backend_load_seconds,omitempty"`
	BackendStepSeconds float64 `json:"backend_step_seconds,omitempty"`
}

// RolloutInput asks for one task's G rollouts.
type RolloutInput struct {
	RunID     string      `json:"run_id"`
	Iteration int         `json:"iteration"`
	Task      string      `json:"task"` // instance key
	Slot      int         `json:"slot"` // distinguishes repeated draws of a task
	G         int         `json:"g"`
	Policy    ModelConfig `json:"policy"`
	User      ModelConfig `json:"user"`
	MaxSteps  int         `json:"max_steps"`
	// Traces asks the policy for token ids and log-probs (token mode).
	Traces bool `json:"token_traces,omitempty"`
	// MaxTokens bounds each policy reply (0: the server's default).
	MaxTokens int `json:"max_tokens,omitempty"`
}

// RolloutGroup is a task's rewarded rollouts.
type RolloutGroup struct {
	Group grpo.Group `json:"group"`
	// WeightVersions are the weight versions each rollout's policy calls
	// reported (one per rollout; "" where none was reported, and
	// "a,b" when one rollout saw two).
	WeightVersions []string `json:"weight_versions,omitempty"`
	// TokenRollouts counts the rollouts with a full token trace.
	TokenRollouts int `json:"token_rollouts,omitempty"`
}

// BatchInput asks for the training batch.
type BatchInput struct {
	RunID     string       `json:"run_id"`
	Iteration int          `json:"iteration"`
	Groups    []grpo.Group `json:"groups"`
	Options   grpo.Options `json:"options"`
}

// BatchOutput is the batch's key and size.
type BatchOutput struct {
	Key     string `json:"key"`
	Samples int    `json:"samples"`
	// TokenSamples and MessageSamples split Samples by mode.
	TokenSamples   int `json:"token_samples,omitempty"`
	MessageSamples int `json:"message_samples,omitempty"`
}

// Mode names a batch's sample mode: token, message or mixed.
func (b BatchOutput) Mode() string {
	switch {
	case b.TokenSamples > 0 && b.MessageSamples > 0:
		return "mixed"
	case b.TokenSamples > 0:
		return grpo.ModeToken
	case b.MessageSamples > 0:
		return grpo.ModeMessage
	}
	return ""
}

// TrainStepInput runs one backend step on the gpu pool.
type TrainStepInput struct {
	RunID          string         `json:"run_id"`
	Iteration      int            `json:"iteration"`
	Mode           string         `json:"mode"` // grpo | sft
	Batch          string         `json:"batch"`
	BaseCheckpoint string         `json:"base_checkpoint,omitempty"`
	Hyper          map[string]any `json:"hyperparameters,omitempty"`
	Seed           int64          `json:"seed"`
}

// TrainStepOutput is the new checkpoint.
type TrainStepOutput struct {
	Checkpoint string    `json:"checkpoint"`
	Steps      int       `json:"steps"`
	Losses     []float64 `json:"losses"`
	// Reused is true when the step had completed before (a retry after a
	// crash) and was not run again.
	Reused bool `json:"reused"`
	// Metrics are the backend's final metrics (its done event), e.g.
	// train.py's load_seconds and train_seconds.
	Metrics map[string]float64 `json:"metrics,omitempty"`
}

// RLResult is RLWorkflow's result.
type RLResult struct {
	RunID      string         `json:"run_id"`
	Checkpoint string         `json:"checkpoint"`
	Metrics    []RLIterMetric `json:"metrics"`
	ReportKey  string         `json:"report_key"`
}

// Validate checks an RLInput without I/O.
func (in *RLInput) Validate() error {
	if len(in.DataRuns) == 0 {
		return InvalidInput("data_runs", "at least one synthesis run is required")
	}
	if in.Policy.Provider != "openai" {
		return InvalidInput("policy.provider", "the policy must be an OpenAI-compatible endpoint (got %q)", in.Policy.Provider)
	}
	if err := ValidateModel("policy", in.Policy); err != nil {
		return err
	}
	if err := ValidateModel("user", in.User); err != nil {
		return err
	}
	if in.Iterations < 1 {
		return InvalidInput("iterations", "must be >= 1 (got %d)", in.Iterations)
	}
	if in.Recipe.GroupSize == 1 || in.Recipe.GroupSize < 0 {
		return InvalidInput("recipe.group_size", "must be >= 2 (got %d)", in.Recipe.GroupSize)
	}
	return nil
}

func (in *RLInput) withDefaults() {
	d := grpo.Defaults()
	r := &in.Recipe
	if r.GroupSize == 0 {
		r.GroupSize = d.GroupSize
	}
	if r.MaxSteps == 0 {
		r.MaxSteps = d.MaxSteps
	}
	if r.BatchGroups == 0 {
		r.BatchGroups = d.BatchGroups
	}
	if r.OversampleFactor == 0 {
		r.OversampleFactor = d.OversampleFactor
	}
	if r.Clip == 0 {
		r.Clip = d.Clip
	}
	if r.LearningRate == 0 {
		r.LearningRate = d.LearningRate
	}
	if in.Policy.Temperature == 0 && r.PolicyTemperature == 0 {
		r.PolicyTemperature = d.PolicyTemperature
	}
	if r.PolicyTemperature != 0 {
		in.Policy.Temperature = r.PolicyTemperature
	}
	in.User.Temperature = r.UserTemperature
	if in.Concurrency == 0 {
		in.Concurrency = 8
	}
}

// rlVersionTokenMode is the GetVersion change id of token-mode rollouts,
// weight versions and versioned model names (version 1).
const rlVersionTokenMode = "rl-token-mode"

// RLWorkflow trains the agent with GRPO, one iteration per workflow run
// (continue-as-new): G rollouts per task on the llm pool rewarded by each
// instance's checker, dynamic filtering of groups without signal until the
// batch holds B groups (oversampling capped), the batch to S3, one training
// step on the gpu pool, the checkpoint to S3, the weight-sync hook, an
// EvalWorkflow child every EvalEvery iterations, and the metrics report.
//
// Rollouts ask the policy for token ids and log-probs (unless MessageMode),
// so batches are in token mode where the endpoint returns them. After a
// step the policy is called by VersionedModel(model, checkpoint), and with
// a policy-server sync every rollout's weight version is checked against
// the version the last sync produced (StaleRollouts).
func RLWorkflow(ctx workflow.Context, in RLInput) (*RLResult, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	in.withDefaults()
	v := workflow.GetVersion(ctx, rlVersionTokenMode, workflow.DefaultVersion, 1)
	cpu := activityCtx(ctx, QueueCPU, 10*time.Minute, 0)
	carry := in.Carry
	if carry == nil {
		carry = &RLCarry{RunID: workflow.GetInfo(ctx).WorkflowExecution.ID, Checkpoint: in.BaseCheckpoint}
		_ = workflow.UpsertTypedSearchAttributes(ctx,
			temporal.NewSearchAttributeKeyKeyword(SAAgentModel).ValueSet(in.Policy.Label()),
			temporal.NewSearchAttributeKeyKeyword(SAKind).ValueSet("rl"))
		if err := workflow.ExecuteActivity(cpu, ActRLPrepare, in.DataRuns).Get(ctx, &carry.Tasks); err != nil {
			return nil, err
		}
		if len(carry.Tasks) == 0 {
			return nil, InvalidInput("data_runs", "the runs hold no accepted instances")
		}
	}
	it := carry.Iteration + 1
	stage := "rollouts"
	if err := workflow.SetQueryHandler(ctx, "progress", func() (map[string]any, error) {
		return map[string]any{"iteration": it, "of": in.Iterations, "stage": stage, "metrics": carry.Metrics}, nil
	}); err != nil {
		return nil, err
	}
	policy := in.Policy
	sync := func(checkpoint string) (WeightSyncResult, error) {
		var res WeightSyncResult
		if v == workflow.DefaultVersion {
			return res, workflow.ExecuteActivity(cpu, ActWeightSync, in.Sync, checkpoint).Get(ctx, nil)
		}
		err := workflow.ExecuteActivity(cpu, ActWeightSync, WeightSyncInput{Sync: in.Sync, Checkpoint: checkpoint,
			Model: VersionedModel(in.Policy.Model, checkpoint)}).Get(ctx, &res)
		if err == nil {
			carry.Synced, carry.WeightVersion = checkpoint, res.WeightVersion
		}
		return res, err
	}
	if v >= 1 && in.Sync.Enabled() {
		// The server must serve the checkpoint the rollouts start from (the
		// base checkpoint of a new run).
		if carry.Checkpoint != "" && carry.Synced != carry.Checkpoint {
			stage = "weight sync"
			if _, err := sync(carry.Checkpoint); err != nil {
				return nil, err
			}
			stage = "rollouts"
		}
		policy.Model = VersionedModel(in.Policy.Model, carry.Synced)
	}
	m := RLIterMetric{Iteration: it, Checkpoint: carry.Checkpoint}
	if v >= 1 {
		m.PolicyModel = policy.Model
	}

	// Rollouts with dynamic filtering: launch groups, keep those with signal.
	started := workflow.Now(ctx)
	rollCtx := activityCtx(ctx, QueueLLM, ModelActivityTimeout, 30*time.Second)
	b, maxGroups := in.Recipe.BatchGroups, in.Recipe.BatchGroups*in.Recipe.OversampleFactor
	var kept []grpo.Group
	var st grpo.FillStats
	var rewards []float64
	versions := map[string]bool{}
	running := 0
	for len(kept) < b && st.Sampled+running < maxGroups {
		if err := workflow.Await(ctx, func() bool { return running < in.Concurrency }); err != nil {
			return nil, err
		}
		if len(kept)+running >= b && running > 0 {
			// Enough in flight to fill the batch if they all carry signal.
			if err := workflow.Await(ctx, func() bool { return running == 0 || len(kept)+running < b }); err != nil {
				return nil, err
			}
			continue
		}
		task := carry.Tasks[carry.TaskCursor%len(carry.Tasks)]
		carry.TaskCursor++
		running++
		ri := RolloutInput{RunID: carry.RunID, Iteration: it, Task: task, Slot: carry.TaskCursor,
			G: in.Recipe.GroupSize, Policy: policy, User: in.User, MaxSteps: in.Recipe.MaxSteps}
		if v >= 1 {
			ri.Traces, ri.MaxTokens = !in.MessageMode, in.Recipe.MaxNewTokens
		}
		f := workflow.ExecuteActivity(rollCtx, ActRLRollouts, ri)
		workflow.Go(ctx, func(gctx workflow.Context) {
			defer func() { running-- }()
			var g RolloutGroup
			if err := f.Get(gctx, &g); err != nil {
				workflow.GetLogger(ctx).Warn("rollout group failed", "task", task, "error", err)
				st.Sampled++ // counts against the oversampling cap, so a dead endpoint cannot loop forever
				st.DroppedFlat++
				return
			}
			rewards = append(rewards, g.Group.Rewards...)
			for _, wv := range g.WeightVersions {
				versions[wv] = true
				if carry.WeightVersion != "" && wv != carry.WeightVersion {
					m.StaleRollouts++
				}
			}
			// Fill's rule for one group, applied as groups complete.
			k, s := grpo.Fill(1, 1, func() (grpo.Group, bool) { return g.Group, true })
			st.Sampled++
			st.DroppedPass += s.DroppedPass
			st.DroppedFail += s.DroppedFail
			st.DroppedFlat += s.DroppedFlat
			if len(k) == 1 && len(kept) < b {
				kept = append(kept, k[0])
			}
		})
	}
	if err := workflow.Await(ctx, func() bool { return running == 0 }); err != nil {
		return nil, err
	}
	if v >= 1 {
		m.RolloutSeconds = workflow.Now(ctx).Sub(started).Seconds()
		for wv := range versions {
			m.RolloutWeightVersions = append(m.RolloutWeightVersions, wv)
		}
		slices.Sort(m.RolloutWeightVersions)
	}
	st.Kept, st.CapHit = len(kept), len(kept) < b && st.Sampled >= maxGroups
	m.GroupsSampled, m.GroupsKept, m.DroppedAllPass, m.DroppedAllFail, m.CapHit = st.Sampled, st.Kept, st.DroppedPass, st.DroppedFail, st.CapHit
	for _, r := range rewards {
		m.RewardMean += r
		if r >= 1-1e-6 {
			m.PassRate++
		}
	}
	if len(rewards) > 0 {
		m.RewardMean /= float64(len(rewards))
		m.PassRate /= float64(len(rewards))
	}
	if st.Sampled > 0 {
		m.FilteredFraction = float64(st.Dropped()) / float64(st.Sampled)
	}

	if len(kept) > 0 {
		stage = "batch"
		opt := grpo.DefaultOptions()
		if in.NormByStd != nil {
			opt.NormByStd = *in.NormByStd
		}
		opt.BatchNorm = in.BatchNorm
		var batch BatchOutput
		if err := workflow.ExecuteActivity(cpu, ActRLBatch, BatchInput{RunID: carry.RunID, Iteration: it, Groups: kept, Options: opt}).Get(ctx, &batch); err != nil {
			return nil, err
		}
		m.Mode, m.TokenSamples, m.MessageSamples = batch.Mode(), batch.TokenSamples, batch.MessageSamples
		stage = "training"
		hyper := map[string]any{"lr": in.Recipe.LearningRate, "clip": in.Recipe.Clip, "kl_coef": in.Recipe.KLCoef}
		if v >= 1 {
			// The backend computes log-probs at the sampling temperature,
			// as the policy server reports them (TRL, verl).
			hyper["temperature"] = float64(in.Policy.Temperature)
		}
		for k, val := range in.Hyper {
			hyper[k] = val
		}
		gpuCtx := activityCtx(ctx, QueueGPU, 6*time.Hour, 30*time.Second)
		trainStart := workflow.Now(ctx)
		var step TrainStepOutput
		if err := workflow.ExecuteActivity(gpuCtx, ActTrainStep, TrainStepInput{RunID: carry.RunID, Iteration: it, Mode: "grpo",
			Batch: batch.Key, BaseCheckpoint: carry.Checkpoint, Hyper: hyper, Seed: in.Seed + int64(it)}).Get(ctx, &step); err != nil {
			return nil, err
		}
		if v >= 1 {
			m.TrainSeconds = workflow.Now(ctx).Sub(trainStart).Seconds()
			m.BackendLoadSeconds, m.BackendStepSeconds = step.Metrics["load_seconds"], step.Metrics["train_seconds"]
		}
		carry.Checkpoint, m.Checkpoint = step.Checkpoint, step.Checkpoint
		if n := len(step.Losses); n > 0 {
			m.Loss = step.Losses[n-1]
		}
		if in.Sync.Enabled() {
			stage = "weight sync"
			syncStart := workflow.Now(ctx)
			res, err := sync(step.Checkpoint)
			if err != nil {
				return nil, err
			}
			if v >= 1 {
				m.WeightVersion, m.SyncSeconds = res.WeightVersion, workflow.Now(ctx).Sub(syncStart).Seconds()
			}
		}
	}
	if in.EvalEvery > 0 && it%in.EvalEvery == 0 {
		stage = "evaluating"
		ev := in.Eval
		ev.Agent = in.Policy
		if v >= 1 && in.Sync.Enabled() {
			ev.Agent.Model = VersionedModel(in.Policy.Model, carry.Synced)
		}
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: fmt.Sprintf("%s/eval-%d", carry.RunID, it),
			TaskQueue: QueueCPU, ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_TERMINATE})
		var er EvalResult
		if err := workflow.ExecuteChildWorkflow(cctx, EvalWorkflow, ev).Get(ctx, &er); err != nil {
			return nil, err
		}
		if len(er.PassK) > 1 {
			m.EvalPass1 = er.PassK[1]
		}
	}
	carry.Metrics = append(carry.Metrics, m)
	carry.Iteration = it
	stage = "reporting"
	var reportKey string
	if err := workflow.ExecuteActivity(cpu, ActRLReport, carry.RunID, carry.Metrics).Get(ctx, &reportKey); err != nil {
		return nil, err
	}
	if it < in.Iterations {
		next := in
		next.Carry = carry
		return nil, workflow.NewContinueAsNewError(ctx, RLWorkflow, next)
	}
	return &RLResult{RunID: carry.RunID, Checkpoint: carry.Checkpoint, Metrics: carry.Metrics, ReportKey: reportKey}, nil
}

// UserSFTInput starts a UserSFTWorkflow.
type UserSFTInput struct {
	DataRuns       []string       `json:"data_runs"`
	BaseCheckpoint string         `json:"base_checkpoint,omitempty"`
	Hyper          map[string]any `json:"hyperparameters,omitempty"`
	Seed           int64          `json:"seed,omitempty"`
}

// UserSFTWorkflow fine-tunes the user simulator: it builds SFT data (the
// user's turns, conditioned on the task instructions) from synthetic
// dialogues and runs one SFT step on the gpu pool.
func UserSFTWorkflow(ctx workflow.Context, in UserSFTInput) (*TrainStepOutput, error) {
	if len(in.DataRuns) == 0 {
		return nil, InvalidInput("data_runs", "at least one synthesis run is required")
	}
	runID := workflow.GetInfo(ctx).WorkflowExecution.ID
	cpu := activityCtx(ctx, QueueCPU, 10*time.Minute, 0)
	var batch BatchOutput
	if err := workflow.ExecuteActivity(cpu, ActUserSFTBuild, runID, in.DataRuns).Get(ctx, &batch); err != nil {
		return nil, err
	}
	gpuCtx := activityCtx(ctx, QueueGPU, 6*time.Hour, 30*time.Second)
	var out TrainStepOutput
	err := workflow.ExecuteActivity(gpuCtx, ActTrainStep, TrainStepInput{RunID: runID, Iteration: 0, Mode: "sft", Batch: batch.Key,
		BaseCheckpoint: in.BaseCheckpoint, Hyper: in.Hyper, Seed: in.Seed}).Get(ctx, &out)
	return &out, err
}

// ToyRLInput is the RLWorkflow input of the CPU toy run (`eigendata rl
// toy`, infra/stack's TestRLToyRewardRises): the "count" set of envs/toy,
// rollouts from the policy server at policyURL (its token ids, log-probs
// and weight versions), GRPO with G = 8 and B = 4 informative groups per
// step (at most 8 groups sampled), replies of at most 16 tokens, and
// LoRA (r 16 on every linear layer of SmolLM2-135M) at lr 1e-3 in
// train.py; after each step the adapter is sent to the policy server.
// Measured learning curves are in trainer/torch/README.md.
func ToyRLInput(policyURL, model string, iterations int, seed int64) RLInput {
	s := int(seed)
	return RLInput{
		DataRuns: []string{"toy:count"},
		Policy:   ModelConfig{Provider: "openai", Model: model, BaseURL: policyURL, Seed: &s},
		User:     ModelConfig{Provider: "offline"},
		Recipe: grpo.Recipe{GroupSize: 8, PolicyTemperature: 1, MaxSteps: 1, Clip: 0.4, LearningRate: 1e-3,
			BatchGroups: 4, OversampleFactor: 2, MaxNewTokens: 16},
		Iterations:  iterations,
		Hyper:       map[string]any{"model": "smollm2", "finetune": "lora", "lora_r": 16.0, "lora_alpha": 32.0, "steps": 1.0, "micro_batch": 8.0},
		Sync:        WeightSync{PolicyURL: policyURL},
		Concurrency: 8,
		Seed:        seed,
	}
}
