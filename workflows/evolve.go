package workflows

import (
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Evolution activity names.
const (
	ActEvolveGather  = "EvolveGather"  // cpu: incumbent version, recent runs' stats, failed examples
	ActEvolvePropose = "EvolvePropose" // llm: the evolver's K candidate edits (stored, not active)
	ActEvolveDecide  = "EvolveDecide"  // cpu: statistical test, promotion, lineage and report
)

// EvolveInput starts an EvolveWorkflow.
type EvolveInput struct {
	Domain   string `json:"domain"`
	Tau2Data string `json:"tau2_data,omitempty"`
	// Runs are the synthesis runs to study; empty = the Recent latest ones.
	Runs   []string `json:"runs,omitempty"`
	Recent int      `json:"recent,omitempty"`
	// Candidates is K, the number of edits the evolver proposes (default 2).
	Candidates int `json:"candidates,omitempty"`
	// Extra are additional versions to pilot (e.g. a hand-written edit).
	Extra []string `json:"extra_candidates,omitempty"`
	// PilotCount is how many candidates each pilot run tries (default 20);
	// PilotSeed fixes the validation seeds every pilot shares.
	PilotCount int   `json:"pilot_count,omitempty"`
	PilotSeed  int64 `json:"pilot_seed,omitempty"`
	// Alpha is the significance level of the promotion test (default 0.05).
	Alpha float64 `json:"alpha,omitempty"`
	// DryRun pilots and reports but never activates.
	DryRun  bool        `json:"dry_run,omitempty"`
	Evolver ModelConfig `json:"evolver"`
	// Roles are the models the pilot runs use.
	Roles SynthRoles `json:"roles"`
}

// EvolveGatherOutput is what the evolver studies.
type EvolveGatherOutput struct {
	Incumbent string     `json:"incumbent"`
	Runs      []string   `json:"runs"`
	Stats     SynthStats `json:"stats"`
	// Examples are concrete failures: "<reason>: <detail>".
	Examples []string `json:"examples"`
}

// EvolveProposeInput asks the evolver for candidates.
type EvolveProposeInput struct {
	RunID   string             `json:"run_id"`
	Gather  EvolveGatherOutput `json:"gather"`
	K       int                `json:"k"`
	Evolver ModelConfig        `json:"evolver"`
}

// Candidate is a proposed version.
type Candidate struct {
	Version   string `json:"version"`
	Edit      string `json:"edit"`
	Rationale string `json:"rationale"`
}

// PilotScore is one version's pilot outcome.
type PilotScore struct {
	Version    string `json:"version"`
	RunID      string `json:"run_id"`
	Candidates int    `json:"candidates"`
	Accepted   int    `json:"accepted"`
	Tokens     int    `json:"tokens"`
	// Failed says the pilot run itself failed (scored as no yield).
	Failed string     `json:"failed,omitempty"`
	Stats  SynthStats `json:"stats"`
}

// EvolveDecideInput carries the pilots to the decision.
type EvolveDecideInput struct {
	RunID      string             `json:"run_id"`
	Input      EvolveInput        `json:"input"`
	Gather     EvolveGatherOutput `json:"gather"`
	Candidates []Candidate        `json:"candidates"`
	Incumbent  PilotScore         `json:"incumbent"`
	Pilots     []PilotScore       `json:"pilots"`
}

// EvolveResult is the decision.
type EvolveResult struct {
	Incumbent string `json:"incumbent"`
	// Promoted is the new active version ("" when the incumbent stays).
	Promoted  string             `json:"promoted,omitempty"`
	PValues   map[string]float64 `json:"p_values"`
	Reason    string             `json:"reason"`
	ReportKey string             `json:"report_key"`
}

// Validate checks an EvolveInput without I/O.
func (in *EvolveInput) Validate() error {
	if !synthDomains[in.Domain] {
		return InvalidInput("domain", "evolution runs synthesis on gen-airline, gen-retail, airline, retail or telecom (got %q)", in.Domain)
	}
	if in.Candidates < 0 || in.Candidates > 8 {
		return InvalidInput("candidates", "must be in [1, 8] (got %d)", in.Candidates)
	}
	if in.PilotCount < 0 {
		return InvalidInput("pilot_count", "must be >= 1 (got %d)", in.PilotCount)
	}
	if in.Alpha < 0 || in.Alpha >= 1 {
		return InvalidInput("alpha", "must be in (0, 1) (got %g)", in.Alpha)
	}
	return ValidateModel("evolver", in.Evolver)
}

// EvolveWorkflow runs one self-evolution cycle: it studies recent synthesis
// runs, asks the evolver for K candidate edits of the active prompts and
// settings, pilots each candidate and the incumbent on the same validation
// seeds (child SynthesisWorkflows), and promotes a candidate only when it
// beats the incumbent by a one-sided Fisher exact test on acceptance
// without losing checker or judge quality. A nightly Schedule starts it.
func EvolveWorkflow(ctx workflow.Context, in EvolveInput) (*EvolveResult, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if in.Candidates == 0 {
		in.Candidates = 2
	}
	if in.PilotCount == 0 {
		in.PilotCount = 20
	}
	if in.PilotSeed == 0 {
		in.PilotSeed = 7
	}
	if in.Alpha == 0 {
		in.Alpha = 0.05
	}
	if in.Recent == 0 {
		in.Recent = 3
	}
	runID := workflow.GetInfo(ctx).WorkflowExecution.ID
	_ = workflow.UpsertTypedSearchAttributes(ctx,
		temporal.NewSearchAttributeKeyKeyword(SADomain).ValueSet(in.Domain),
		temporal.NewSearchAttributeKeyKeyword(SAKind).ValueSet("evolve"))
	stage := "gathering"
	if err := workflow.SetQueryHandler(ctx, "progress", func() (string, error) { return stage, nil }); err != nil {
		return nil, err
	}
	cpu := activityCtx(ctx, QueueCPU, 10*time.Minute, 0)
	llmCtx := activityCtx(ctx, QueueLLM, 10*time.Minute, 0)

	var g EvolveGatherOutput
	if err := workflow.ExecuteActivity(cpu, ActEvolveGather, in).Get(ctx, &g); err != nil {
		return nil, err
	}
	stage = "proposing"
	var cands []Candidate
	if err := workflow.ExecuteActivity(llmCtx, ActEvolvePropose, EvolveProposeInput{RunID: runID, Gather: g, K: in.Candidates, Evolver: in.Evolver}).Get(ctx, &cands); err != nil {
		return nil, err
	}
	for _, v := range in.Extra {
		cands = append(cands, Candidate{Version: v, Edit: "supplied by the caller"})
	}
	// Pilot each distinct version once; the incumbent is piloted anyway.
	seen := map[string]bool{g.Incumbent: true}
	uniq := cands[:0]
	for _, c := range cands {
		if !seen[c.Version] {
			seen[c.Version] = true
			uniq = append(uniq, c)
		}
	}
	cands = uniq

	stage = "piloting"
	pilot := func(version string) workflow.ChildWorkflowFuture {
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID: fmt.Sprintf("%s/pilot-%s", runID, version), TaskQueue: QueueCPU,
			ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_TERMINATE,
		})
		return workflow.ExecuteChildWorkflow(cctx, SynthesisWorkflow, SynthInput{
			Domain: in.Domain, Tau2Data: in.Tau2Data, Count: in.PilotCount, MaxCandidates: in.PilotCount,
			Seed: in.PilotSeed, PromptVersion: version, Roles: in.Roles,
		})
	}
	score := func(version string, f workflow.ChildWorkflowFuture) PilotScore {
		ps := PilotScore{Version: version, RunID: fmt.Sprintf("%s/pilot-%s", runID, version)}
		var res SynthResult
		if err := f.Get(ctx, &res); err != nil {
			ps.Failed, ps.Candidates = err.Error(), in.PilotCount
			return ps
		}
		ps.Stats, ps.Candidates, ps.Accepted = res.Stats, res.Stats.Candidates, res.Stats.Accepted
		for _, n := range res.Stats.Tokens {
			ps.Tokens += n
		}
		return ps
	}
	incF := pilot(g.Incumbent)
	futs := make([]workflow.ChildWorkflowFuture, len(cands))
	for i, c := range cands {
		futs[i] = pilot(c.Version)
	}
	d := EvolveDecideInput{RunID: runID, Input: in, Gather: g, Candidates: cands, Incumbent: score(g.Incumbent, incF)}
	for i, c := range cands {
		d.Pilots = append(d.Pilots, score(c.Version, futs[i]))
	}

	stage = "deciding"
	var res EvolveResult
	if err := workflow.ExecuteActivity(cpu, ActEvolveDecide, d).Get(ctx, &res); err != nil {
		return nil, err
	}
	stage = "done"
	return &res, nil
}
