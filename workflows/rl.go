package workflows

import (
	"fmt"
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

// WeightSync says how the inference server learns about new weights.
type WeightSync struct {
	// Command runs with CHECKPOINT (local path) and CHECKPOINT_URI set.
	Command []string `json:"command,omitempty"`
	// URL receives a POST {"checkpoint_uri": ...}.
	URL string `json:"url,omitempty"`
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
}

// RolloutGroup is a task's rewarded rollouts.
type RolloutGroup struct {
	Group grpo.Group `json:"group"`
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

// RLWorkflow trains the agent with GRPO, one iteration per workflow run
// (continue-as-new): G rollouts per task on the llm pool rewarded by each
// instance's checker, dynamic filtering of groups without signal until the
// batch holds B groups (oversampling capped), the batch to S3, one training
// step on the gpu pool, the checkpoint to S3, the weight-sync hook, an
// EvalWorkflow child every EvalEvery iterations, and the metrics report.
func RLWorkflow(ctx workflow.Context, in RLInput) (*RLResult, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	in.withDefaults()
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

	// Rollouts with dynamic filtering: launch groups, keep those with signal.
	rollCtx := activityCtx(ctx, QueueLLM, 30*time.Minute, 30*time.Second)
	b, maxGroups := in.Recipe.BatchGroups, in.Recipe.BatchGroups*in.Recipe.OversampleFactor
	var kept []grpo.Group
	var st grpo.FillStats
	var rewards []float64
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
		f := workflow.ExecuteActivity(rollCtx, ActRLRollouts, RolloutInput{RunID: carry.RunID, Iteration: it, Task: task, Slot: carry.TaskCursor,
			G: in.Recipe.GroupSize, Policy: in.Policy, User: in.User, MaxSteps: in.Recipe.MaxSteps})
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
	st.Kept, st.CapHit = len(kept), len(kept) < b && st.Sampled >= maxGroups
	m := RLIterMetric{Iteration: it, GroupsSampled: st.Sampled, GroupsKept: st.Kept, DroppedAllPass: st.DroppedPass,
		DroppedAllFail: st.DroppedFail, CapHit: st.CapHit, Checkpoint: carry.Checkpoint}
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
		stage = "training"
		hyper := map[string]any{"lr": in.Recipe.LearningRate, "clip": in.Recipe.Clip, "kl_coef": in.Recipe.KLCoef}
		for k, v := range in.Hyper {
			hyper[k] = v
		}
		gpuCtx := activityCtx(ctx, QueueGPU, 6*time.Hour, 30*time.Second)
		var step TrainStepOutput
		if err := workflow.ExecuteActivity(gpuCtx, ActTrainStep, TrainStepInput{RunID: carry.RunID, Iteration: it, Mode: "grpo",
			Batch: batch.Key, BaseCheckpoint: carry.Checkpoint, Hyper: hyper, Seed: in.Seed + int64(it)}).Get(ctx, &step); err != nil {
			return nil, err
		}
		carry.Checkpoint, m.Checkpoint = step.Checkpoint, step.Checkpoint
		if n := len(step.Losses); n > 0 {
			m.Loss = step.Losses[n-1]
		}
		if len(in.Sync.Command) > 0 || in.Sync.URL != "" {
			stage = "weight sync"
			if err := workflow.ExecuteActivity(cpu, ActWeightSync, in.Sync, step.Checkpoint).Get(ctx, nil); err != nil {
				return nil, err
			}
		}
	}
	if in.EvalEvery > 0 && it%in.EvalEvery == 0 {
		stage = "evaluating"
		ev := in.Eval
		ev.Agent = in.Policy
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
