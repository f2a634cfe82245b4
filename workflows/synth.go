package workflows

import (
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/eigendata/eigendata/envs/catalog"
)

// Defaults of SynthInput.
const (
	DefaultSynthConcurrency = 8
	DefaultContinueEvery    = 200
	DefaultSynthMaxSteps    = 50
)

// Validate checks a SynthInput without I/O.
func (in *SynthInput) Validate() error {
	if in.Domain == "" {
		return InvalidInput("domain", "required")
	}
	// Every known domain: the planner derives its intents from the
	// domain's write tools.
	if !synthDomains[in.Domain] {
		return InvalidInput("domain", "unknown domain %q (synthesis supports %v %v)", in.Domain, catalog.Tau2(), catalog.Generated())
	}
	if in.Count < 1 {
		return InvalidInput("count", "must be >= 1 (got %d)", in.Count)
	}
	if in.Concurrency < 0 {
		return InvalidInput("concurrency", "must be >= 1, or 0 for the prompt version's setting (got %d)", in.Concurrency)
	}
	if in.MaxCandidates < 0 {
		return InvalidInput("max_candidates", "must be >= count (got %d)", in.MaxCandidates)
	}
	if in.MaxCandidates > 0 && in.MaxCandidates < in.Count {
		return InvalidInput("max_candidates", "must be >= count %d (got %d)", in.Count, in.MaxCandidates)
	}
	if in.MaxSteps < 0 {
		return InvalidInput("max_steps", "must be >= 1 (got %d)", in.MaxSteps)
	}
	if in.MaxIntents < 0 || in.MaxIntents > 3 {
		return InvalidInput("max_intents", "must be in [1, 3] (got %d)", in.MaxIntents)
	}
	for _, r := range []struct {
		name string
		m    ModelConfig
	}{{"roles.planner", in.Roles.Planner}, {"roles.user", in.Roles.User}, {"roles.agent", in.Roles.Agent},
		{"roles.checker", in.Roles.Checker}, {"roles.judge", in.Roles.Judge}} {
		if err := ValidateModel(r.name, r.m); err != nil {
			return err
		}
	}
	return nil
}

func (in *SynthInput) withDefaults() {
	if in.Concurrency == 0 {
		in.Concurrency = DefaultSynthConcurrency
	}
	if in.MaxCandidates == 0 {
		in.MaxCandidates = 4 * in.Count
	}
	if in.ContinueEvery <= 0 {
		in.ContinueEvery = DefaultContinueEvery
	}
	if in.MaxSteps == 0 {
		in.MaxSteps = DefaultSynthMaxSteps
	}
	if in.PromptVersion == "" {
		in.PromptVersion = "builtin"
	}
}

// synthDomains are the domains the synthesis engine supports: every domain
// of the catalog (the planner derives its intents from the domain's write
// tools).
var synthDomains = map[string]bool{"gen-airline": true, "gen-retail": true, "airline": true, "retail": true, "telecom": true}

// yieldSoFar is the fraction of finished candidates accepted (1 before any
// finished, so the first wave is not oversized).
func yieldSoFar(st *SynthStats) float64 {
	done := 0
	for _, n := range st.Reasons {
		done += n
	}
	done += st.Accepted
	if done == 0 || st.Accepted == 0 {
		return 1
	}
	return float64(st.Accepted) / float64(done)
}

// CandidateSeed derives candidate i's seed from the run's seed.
func CandidateSeed(seed int64, i int) int64 { return seed*1_000_003 + int64(i) }

// SynthesisWorkflow synthesizes Count verified dialogues: it fans out one
// InstanceWorkflow child per candidate (at most Concurrency in flight),
// keeps the accepted ones that are not near-duplicates, aggregates the
// stage and reason-code statistics, continues as new every ContinueEvery
// candidates, and finally writes the dataset under runs/<workflow-id>/.
func SynthesisWorkflow(ctx workflow.Context, in SynthInput) (*SynthResult, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	carry := in.Carry
	if carry == nil {
		var prep SynthPrepareOutput
		if err := workflow.ExecuteActivity(activityCtx(ctx, QueueCPU, time.Minute, 0), ActSynthPrepare, in).Get(ctx, &prep); err != nil {
			return nil, err
		}
		in.PromptVersion, in.Tau2Data = prep.PromptVersion, prep.Tau2Data
		if in.MaxSteps == 0 {
			in.MaxSteps = prep.MaxSteps
		}
		if in.Concurrency == 0 {
			in.Concurrency = prep.Concurrency
		}
		carry = &SynthCarry{RunID: workflow.GetInfo(ctx).WorkflowExecution.ID}
		_ = workflow.UpsertTypedSearchAttributes(ctx,
			temporal.NewSearchAttributeKeyKeyword(SADomain).ValueSet(in.Domain),
			temporal.NewSearchAttributeKeyKeyword(SAAgentModel).ValueSet(in.Roles.Agent.Label()),
			temporal.NewSearchAttributeKeyKeyword(SAKind).ValueSet("synthesis"))
	}
	in.withDefaults()
	st := &carry.Stats
	if st.StagePassed == nil {
		st.StagePassed, st.Reasons, st.Tokens = map[string]int{}, map[string]int{}, map[string]int{}
	}
	seen := map[string]bool{}
	for _, s := range carry.Signatures {
		seen[s] = true
	}
	running := 0
	progress := func() SynthProgress {
		return SynthProgress{Stage: "synthesizing", Target: in.Count, Accepted: st.Accepted, Candidates: st.Candidates, Running: running, Reasons: st.Reasons}
	}
	stage := "synthesizing"
	if err := workflow.SetQueryHandler(ctx, "progress", func() (SynthProgress, error) {
		p := progress()
		p.Stage = stage
		return p, nil
	}); err != nil {
		return nil, err
	}

	childCtx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		TaskQueue:         QueueCPU,
		ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_TERMINATE,
		// A retried parent run re-attaches to the same child ids.
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
	})
	launched := 0
	var firstErr error
	for {
		if err := workflow.Await(ctx, func() bool {
			// Launch while the candidates in flight, discounted by the
			// yield seen so far, would not reach the target: rejects are
			// replaced without waiting for them, and the run does not
			// overshoot much (a surplus accepted instance is not kept).
			return running < in.Concurrency && (float64(st.Accepted)+float64(running)*yieldSoFar(st) < float64(in.Count) || running == 0)
		}); err != nil {
			return nil, err
		}
		if st.Accepted >= in.Count || carry.Next >= in.MaxCandidates || launched >= in.ContinueEvery {
			break
		}
		i := carry.Next
		carry.Next++
		launched++
		running++
		st.Candidates++
		ii := InstanceInput{RunID: carry.RunID, Domain: in.Domain, Tau2Data: in.Tau2Data, Index: i, Seed: CandidateSeed(in.Seed, i),
			DomainSeed: in.Seed, Roles: in.Roles, PromptVersion: in.PromptVersion, MaxSteps: in.MaxSteps, Intents: in.Intents, MaxIntents: in.MaxIntents}
		prio := CallPriority(i, in.Count, in.Concurrency)
		ii.CallPriority = &prio
		cctx := workflow.WithWorkflowID(childCtx, fmt.Sprintf("%s/instance-%06d", carry.RunID, i))
		fut := workflow.ExecuteChildWorkflow(cctx, InstanceWorkflow, ii)
		workflow.Go(ctx, func(gctx workflow.Context) {
			defer func() { running-- }()
			var r InstanceResult
			if err := fut.Get(gctx, &r); err != nil {
				// Stage errors are reported in the result; an error here is
				// the child itself failing (e.g. terminated).
				r = InstanceResult{Index: i, Reason: "instance.failed", Detail: err.Error()}
				if firstErr == nil {
					firstErr = err
				}
			}
			for _, s := range r.Passed {
				st.StagePassed[s]++
			}
			for role, n := range r.Tokens {
				st.Tokens[role] += n
			}
			switch {
			case !r.Accepted:
				st.Reasons[r.Reason]++
				if len(st.Examples) < MaxExamples {
					st.Examples = append(st.Examples, r.Reason+": "+r.Detail)
				}
			case seen[r.Signature]:
				st.Reasons["dedup.near_duplicate"]++
			case st.Accepted >= in.Count:
				st.Reasons["surplus"]++ // more accepted than asked; not counted
			default:
				seen[r.Signature] = true
				st.Accepted++
				carry.Accepted = append(carry.Accepted, r.Key)
				carry.Digests = withDigest(carry.Digests, r.Key, r.Digest)
				carry.Signatures = append(carry.Signatures, r.Signature)
			}
		})
	}
	if err := workflow.Await(ctx, func() bool { return running == 0 }); err != nil {
		return nil, err
	}
	if st.Accepted < in.Count && carry.Next < in.MaxCandidates {
		carry.Runs++
		next := in
		next.Carry = carry
		return nil, workflow.NewContinueAsNewError(ctx, SynthesisWorkflow, next)
	}
	if st.Accepted == 0 && firstErr != nil {
		return nil, firstErr
	}

	stage = "finalizing"
	var res SynthResult
	cpu := activityCtx(ctx, QueueCPU, 30*time.Minute, time.Minute)
	if err := workflow.ExecuteActivity(cpu, ActSynthFinalize, FinalizeInput{RunID: carry.RunID, Input: in, Accepted: carry.Accepted, Digests: carry.Digests, Stats: *st}).Get(ctx, &res); err != nil {
		return nil, err
	}
	stage = "done"
	return &res, nil
}

// InstanceWorkflow takes one candidate through plan, blueprint, dialogue,
// checker, verify and judge, and records it when every stage accepts. A
// rejection ends it early with the stage's reason code; it never fails for
// a rejected candidate.
func InstanceWorkflow(ctx workflow.Context, in InstanceInput) (*InstanceResult, error) {
	res := &InstanceResult{Index: in.Index, Tokens: map[string]int{}}
	llmCtx := activityCtx(ctx, QueueLLM, ModelActivityTimeout, 30*time.Second)
	// Stages that call no model run as local activities in this worker:
	// milliseconds of CPU each, so a server round trip per stage would
	// dominate. Model calls go to the llm pool as regular activities.
	local := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 5 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute,
			MaximumAttempts: 5, NonRetryableErrorTypes: []string{ErrInvalidInput}},
	})
	var refs StageRefs
	run := func(act string, model *ModelConfig, out any) error {
		if model != nil && model.Provider == "openai" {
			return workflow.ExecuteActivity(llmCtx, act, in, refs).Get(ctx, out)
		}
		return workflow.ExecuteLocalActivity(local, act, in, refs).Get(ctx, out)
	}
	dialogue := in.Roles.Agent
	if in.Roles.User.Provider == "openai" {
		dialogue = in.Roles.User
	}
	stages := []struct {
		name, act, role string
		model           *ModelConfig
		ref             *string
	}{
		{"plan", ActSynthPlan, "planner", &in.Roles.Planner, &refs.Scenario},
		{"blueprint", ActSynthBlueprint, "", nil, &refs.Blueprint},
		{"dialogue", ActSynthDialogue, "dialogue", &dialogue, &refs.Transcript},
		{"checker", ActSynthChecker, "checker", &in.Roles.Checker, &refs.Checker},
		{"verify", ActSynthVerify, "", nil, &refs.Verdict},
		{"judge", ActSynthJudge, "judge", &in.Roles.Judge, &refs.Judge},
	}
	for _, s := range stages {
		var out StageResult
		if err := run(s.act, s.model, &out); err != nil {
			// Retries exhausted (an endpoint down for good, a bug): a reject
			// with a reason, so the run goes on and the cause is counted.
			res.Reason, res.Detail = s.name+".error", err.Error()
			workflow.GetLogger(ctx).Warn("stage failed", "stage", s.name, "error", err)
			return res, nil
		}
		if s.role != "" {
			res.Tokens[s.role] += out.Tokens
		}
		if !out.OK {
			res.Reason, res.Detail = out.Reason, out.Detail
			return res, nil
		}
		*s.ref = out.Key
		refs.Digests = withDigest(refs.Digests, out.Key, out.Digest)
		res.Passed = append(res.Passed, s.name)
	}
	var rec StageResult
	if err := run(ActSynthRecord, nil, &rec); err != nil {
		res.Reason, res.Detail = "record.error", err.Error()
		return res, nil
	}
	res.Accepted, res.Key, res.Digest, res.Signature = true, rec.Key, rec.Digest, rec.Signature
	return res, nil
}

// withDigest records key's content digest in m (made on first use); an
// empty digest (an activity of an older version) records nothing.
func withDigest(m map[string]string, key, digest string) map[string]string {
	if digest == "" {
		return m
	}
	if m == nil {
		m = map[string]string{}
	}
	m[key] = digest
	return m
}
