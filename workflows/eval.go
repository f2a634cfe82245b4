package workflows

import (
	"fmt"
	"sort"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/eigendata/eigendata/envs/catalog"
)

// ErrInvalidInput is the ApplicationError type of bad workflow input; it is
// never retried.
const ErrInvalidInput = "InvalidInput"

// InvalidInput returns a non-retryable ApplicationError naming the field.
func InvalidInput(field, format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(
		fmt.Sprintf("invalid input: %s: %s", field, fmt.Sprintf(format, args...)), ErrInvalidInput, nil, field)
}

// Defaults of EvalInput.
const (
	DefaultConcurrency = 8
	DefaultTrials      = 1
)

// ValidateModel checks a role's model config; role names the field.
func ValidateModel(role string, m ModelConfig) error {
	switch m.Provider {
	case "", "offline":
		return nil
	case "openai":
		if m.Model == "" {
			return InvalidInput(role+".model", "required for provider openai")
		}
		if m.Temperature < 0 || m.Temperature > 2 {
			return InvalidInput(role+".temperature", "must be in [0, 2] (got %g)", m.Temperature)
		}
		if m.MaxTokens < 0 {
			return InvalidInput(role+".max_tokens", "must be >= 0 (got %d)", m.MaxTokens)
		}
		return nil
	}
	return InvalidInput(role+".provider", "must be offline or openai (got %q)", m.Provider)
}

// Validate checks an EvalInput without I/O (data directories and endpoints
// are checked by the EvalPrepare and ProbeModel activities).
func (in *EvalInput) Validate() error {
	if in.Domain == "" {
		return InvalidInput("domain", "required")
	}
	if !catalog.IsKnown(in.Domain) {
		return InvalidInput("domain", "unknown domain %q (known: %v %v)", in.Domain, catalog.Tau2(), catalog.Generated())
	}
	if in.Trials < 1 {
		return InvalidInput("trials", "must be >= 1 (got %d)", in.Trials)
	}
	if in.Concurrency < 0 {
		return InvalidInput("concurrency", "must be >= 1 (got %d)", in.Concurrency)
	}
	if in.MaxSteps < 0 {
		return InvalidInput("max_steps", "must be >= 1 (got %d)", in.MaxSteps)
	}
	if err := ValidateModel("agent", in.Agent); err != nil {
		return err
	}
	return ValidateModel("user", in.User)
}

// ModelActivityTimeout bounds an activity that plays a whole dialogue (a
// synthesis stage, an evaluation episode, a rollout group). It is long: a
// small model on a CPU takes over half an hour for a dialogue of fifty
// steps, and a timeout would only restart it from scratch. Liveness is
// the heartbeat timeout's job.
const ModelActivityTimeout = 3 * time.Hour

func activityCtx(ctx workflow.Context, queue string, timeout, heartbeat time.Duration) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:           queue,
		StartToCloseTimeout: timeout,
		HeartbeatTimeout:    heartbeat,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        time.Minute,
			MaximumAttempts:        5,
			NonRetryableErrorTypes: []string{ErrInvalidInput},
		},
	})
}

// EvalWorkflow evaluates a model on a tau2 (or generated) domain: one
// RunEpisode activity (llm pool: play, store, score) per (task, trial), at
// most Concurrency at a time, then the report (tau2 results JSON, Markdown
// pass^k table, PNG plot) under runs/<workflow-id>/.
func EvalWorkflow(ctx workflow.Context, in EvalInput) (*EvalResult, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if in.Concurrency == 0 {
		in.Concurrency = DefaultConcurrency
	}
	info := workflow.GetInfo(ctx)
	runID := info.WorkflowExecution.ID
	log := workflow.GetLogger(ctx)

	progress := EvalProgress{Stage: "preparing", Started: workflow.Now(ctx)}
	if err := workflow.SetQueryHandler(ctx, "progress", func() (EvalProgress, error) { return progress, nil }); err != nil {
		return nil, err
	}
	_ = workflow.UpsertTypedSearchAttributes(ctx,
		temporal.NewSearchAttributeKeyKeyword(SADomain).ValueSet(in.Domain),
		temporal.NewSearchAttributeKeyKeyword(SAAgentModel).ValueSet(in.Agent.Label()),
		temporal.NewSearchAttributeKeyKeyword(SAKind).ValueSet("eval"))

	cpu := activityCtx(ctx, QueueCPU, 10*time.Minute, 0)
	llmCtx := activityCtx(ctx, QueueLLM, time.Minute, 0)
	// Probe each distinct endpoint and prepare the task list concurrently:
	// bad input fails fast, before any episode runs.
	var probes []workflow.Future
	probed := map[ModelConfig]bool{}
	for _, role := range []struct {
		name string
		m    ModelConfig
	}{{"agent", in.Agent}, {"user", in.User}} {
		key := ModelConfig{BaseURL: role.m.BaseURL, Model: role.m.Model}
		if role.m.Provider == "openai" && !probed[key] {
			probed[key] = true
			probes = append(probes, workflow.ExecuteActivity(llmCtx, ActProbeModel, role.name, role.m))
		}
	}
	prepF := workflow.ExecuteActivity(cpu, ActEvalPrepare, in)
	for _, f := range probes {
		if err := f.Get(ctx, nil); err != nil {
			return nil, err
		}
	}
	var prep EvalPrepareOutput
	if err := prepF.Get(ctx, &prep); err != nil {
		return nil, err
	}

	type item struct {
		task  string
		trial int
	}
	var items []item
	for trial := 0; trial < in.Trials; trial++ {
		for _, id := range prep.TaskIDs {
			items = append(items, item{id, trial})
		}
	}
	progress.Stage, progress.Total = "running", len(items)

	episodeCtx := activityCtx(ctx, QueueLLM, ModelActivityTimeout, 15*time.Second)
	var (
		scores   []ScoreOutput
		episodes []EpisodeOutput
		failed   []string
	)
	wg := workflow.NewWaitGroup(ctx)
	for _, it := range items {
		if err := workflow.Await(ctx, func() bool { return progress.Running < in.Concurrency }); err != nil {
			return nil, err
		}
		progress.Running++
		wg.Add(1)
		workflow.Go(ctx, func(gctx workflow.Context) {
			defer wg.Done()
			defer func() { progress.Running-- }()
			var ep EpisodeOutput
			err := workflow.ExecuteActivity(episodeCtx, ActEpisode, EpisodeInput{
				RunID: runID, Domain: in.Domain, Tau2Data: prep.Tau2Data, Seed: in.Seed, TaskID: it.task, TasksKey: in.TasksKey, Trial: it.trial,
				MaxSteps: in.MaxSteps, Agent: in.Agent, User: in.User,
			}).Get(gctx, &ep)
			sc := ep.Score
			progress.Done++
			progress.LastTask = it.task
			if err != nil {
				log.Warn("episode failed", "task", it.task, "trial", it.trial, "error", err)
				failed = append(failed, fmt.Sprintf("%s#%d: %v", it.task, it.trial, err))
				return
			}
			episodes = append(episodes, ep)
			scores = append(scores, sc)
			if sc.Reward > 1-1e-6 {
				progress.Passed++
			}
		})
	}
	wg.Wait(ctx)
	if len(scores) == 0 && len(items) > 0 {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("every episode failed; first: %s", failed[0]), "EpisodesFailed", nil)
	}
	// Completion order depends on timing; sort so the report input is canonical.
	sort.Slice(scores, func(i, j int) bool {
		return scores[i].TaskID < scores[j].TaskID || scores[i].TaskID == scores[j].TaskID && scores[i].Trial < scores[j].Trial
	})
	sort.Slice(episodes, func(i, j int) bool {
		return episodes[i].TaskID < episodes[j].TaskID || episodes[i].TaskID == episodes[j].TaskID && episodes[i].Trial < episodes[j].Trial
	})

	progress.Stage = "reporting"
	var res EvalResult
	if err := workflow.ExecuteActivity(cpu, ActEvalReport, EvalReportInput{RunID: runID, Input: in, Scores: scores, Runs: episodes}).Get(ctx, &res); err != nil {
		return nil, err
	}
	progress.Stage = "done"
	return &res, nil
}
