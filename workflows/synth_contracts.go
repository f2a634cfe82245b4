package workflows

// Synthesis activity names. Stages on the llm pool call models (or the
// offline baseline roles); stages on the cpu pool touch only environments,
// checkers and S3.
const (
	ActSynthPrepare   = "SynthPrepare"   // cpu: data directory, prompt version
	ActSynthPlan      = "SynthPlan"      // llm: scenario planner
	ActSynthBlueprint = "SynthBlueprint" // cpu: gold plan executed on a fresh env
	ActSynthDialogue  = "SynthDialogue"  // llm: user simulator <-> assistant <-> env
	ActSynthChecker   = "SynthChecker"   // llm: checker writer
	ActSynthVerify    = "SynthVerify"    // cpu: checker on final, gold and negatives
	ActSynthJudge     = "SynthJudge"     // llm: rubric review
	ActSynthRecord    = "SynthRecord"    // cpu: the accepted instance, idempotent per index
	ActSynthFinalize  = "SynthFinalize"  // cpu: dedup, dataset shards, tasks, manifest
)

// The synthesis stages in order; reason codes are "<stage>.<cause>".
var SynthStages = []string{"plan", "blueprint", "dialogue", "checker", "verify", "judge"}

// SynthRoles selects the model of each synthesis role.
type SynthRoles struct {
	Planner ModelConfig `json:"planner"`
	User    ModelConfig `json:"user"`
	Agent   ModelConfig `json:"agent"`
	Checker ModelConfig `json:"checker"`
	Judge   ModelConfig `json:"judge"`
}

// SynthInput starts a SynthesisWorkflow.
type SynthInput struct {
	// Domain is gen-airline, gen-retail (eigendata's own), airline, retail
	// or telecom (tau2 data).
	Domain   string `json:"domain"`
	Tau2Data string `json:"tau2_data,omitempty"`
	// Count is how many accepted instances to produce.
	Count int `json:"count"`
	// Seed makes the run reproducible: candidate i uses a seed derived from it.
	Seed int64 `json:"seed"`
	// Concurrency bounds instances in flight (0: the prompt version's
	// Settings.Concurrency, else DefaultSynthConcurrency).
	Concurrency int `json:"concurrency,omitempty"`
	// MaxCandidates bounds attempts (default 4 x Count).
	MaxCandidates int        `json:"max_candidates,omitempty"`
	Roles         SynthRoles `json:"roles"`
	// PromptVersion names the prompt/settings version the run uses
	// (recorded on every instance).
	PromptVersion string `json:"prompt_version,omitempty"`
	// MaxSteps bounds each dialogue (default 50).
	MaxSteps int `json:"max_steps,omitempty"`
	// Intents restricts the planner to these intent kinds or write tools
	// (default: every kind the domain's write tools give).
	Intents []string `json:"intents,omitempty"`
	// MaxIntents bounds the intents per scenario (1-3; default 3).
	MaxIntents int `json:"max_intents,omitempty"`
	// ContinueEvery is how many candidates one run of the workflow handles
	// before it continues as new (default 200), keeping histories short.
	ContinueEvery int `json:"continue_every,omitempty"`
	// Carry is the state handed over by continue-as-new (not set by users).
	Carry *SynthCarry `json:"carry,omitempty"`
}

// SynthCarry is what a SynthesisWorkflow hands to its next run.
type SynthCarry struct {
	RunID    string     `json:"run_id"`
	Next     int        `json:"next"`
	Stats    SynthStats `json:"stats"`
	Accepted []string   `json:"accepted"` // instance keys, in index order of acceptance
	// Digests are the accepted instances' content digests by key.
	Digests    map[string]string `json:"digests,omitempty"`
	Signatures []string          `json:"signatures"`
	Runs       int               `json:"runs"`
}

// InstanceInput runs one candidate through the stages.
type InstanceInput struct {
	RunID         string     `json:"run_id"`
	Domain        string     `json:"domain"`
	Tau2Data      string     `json:"tau2_data,omitempty"`
	Index         int        `json:"index"`
	Seed          int64      `json:"seed"`
	DomainSeed    int64      `json:"domain_seed"`
	Roles         SynthRoles `json:"roles"`
	PromptVersion string     `json:"prompt_version"`
	MaxSteps      int        `json:"max_steps,omitempty"`
	// Intents and MaxIntents restrict the planner (SynthInput's).
	Intents    []string `json:"intents,omitempty"`
	MaxIntents int      `json:"max_intents,omitempty"`
	// CallPriority is the priority of the dialogue's model calls (see
	// llm.WithPriority); nil (a parent of an older version) uses Index.
	CallPriority *int64 `json:"call_priority,omitempty"`
}

// CallPriority is the model-call priority of candidate index in a run of
// count with concurrency instances in flight: the index, so that earlier
// candidates' dialogues go first and end one after another, except for the
// last concurrency/8, which share one priority. Those end the run: ranked
// by index, the last ones waited behind the rest and then ran their
// remaining calls one after another on slots with nothing else to do;
// sharing a priority, they advance together. (An eighth rather than a
// quarter or half: a larger last cohort ends in a larger burst of checking
// and recording, which the run's result waits for.)
func CallPriority(index, count, concurrency int) int64 {
	return int64(min(index, max(0, count-concurrency/8)))
}

// StageResult is one stage's outcome: its artifact's key, or the reason
// the candidate was rejected.
type StageResult struct {
	OK bool `json:"ok"`
	// Reason is the reject code, "<stage>.<cause>".
	Reason string `json:"reason,omitempty"`
	Detail string `json:"detail,omitempty"`
	// Key is the stage's artifact in the blob store.
	Key string `json:"key,omitempty"`
	// Digest is the SHA-256 (hex) of the artifact's bytes.
	Digest string `json:"digest,omitempty"`
	Tokens int    `json:"tokens,omitempty"`
	// Signature (record stage) identifies near-duplicates.
	Signature string `json:"signature,omitempty"`
}

// StageRefs are the artifacts produced so far, passed between stages.
type StageRefs struct {
	Scenario   string `json:"scenario,omitempty"`
	Blueprint  string `json:"blueprint,omitempty"`
	Transcript string `json:"transcript,omitempty"`
	Checker    string `json:"checker,omitempty"`
	Verdict    string `json:"verdict,omitempty"`
	Judge      string `json:"judge,omitempty"`
	// Digests maps each artifact key above to its content digest, so a
	// worker that holds the artifact in memory need not read it back.
	Digests map[string]string `json:"digests,omitempty"`
}

// InstanceResult is an InstanceWorkflow's outcome.
type InstanceResult struct {
	Index    int    `json:"index"`
	Accepted bool   `json:"accepted"`
	Reason   string `json:"reason,omitempty"`
	Detail   string `json:"detail,omitempty"`
	// Passed lists the stages the candidate passed.
	Passed    []string       `json:"passed"`
	Key       string         `json:"key,omitempty"`
	Digest    string         `json:"digest,omitempty"`
	Signature string         `json:"signature,omitempty"`
	Tokens    map[string]int `json:"tokens,omitempty"`
}

// SynthStats are a run's acceptance statistics — what EvolveWorkflow reads.
type SynthStats struct {
	Candidates int `json:"candidates"`
	Accepted   int `json:"accepted"`
	// StagePassed counts candidates past each stage.
	StagePassed map[string]int `json:"stage_passed"`
	// Reasons is the reject reason-code histogram.
	Reasons map[string]int `json:"reasons"`
	// Tokens used per role.
	Tokens map[string]int `json:"tokens"`
	// Examples are concrete rejects, "<reason>: <detail>" (at most
	// MaxExamples), for the evolver to reflect on.
	Examples []string `json:"examples,omitempty"`
}

// MaxExamples bounds SynthStats.Examples.
const MaxExamples = 20

// FinalizeInput asks for the run's dataset and manifest.
type FinalizeInput struct {
	RunID    string     `json:"run_id"`
	Input    SynthInput `json:"input"`
	Accepted []string   `json:"accepted"`
	// Digests are the accepted instances' content digests by key.
	Digests map[string]string `json:"digests,omitempty"`
	Stats   SynthStats        `json:"stats"`
}

// SynthResult is a SynthesisWorkflow's result.
type SynthResult struct {
	RunID       string     `json:"run_id"`
	Stats       SynthStats `json:"stats"`
	Instances   int        `json:"instances"`
	Dropped     int        `json:"near_duplicates_dropped"`
	ManifestKey string     `json:"manifest_key"`
	Shards      []string   `json:"dataset_shards"`
	TasksKey    string     `json:"tasks_key"`
	Prefix      string     `json:"prefix"`
	// ReportKey is the run's report (acceptance, reasons, coverage).
	ReportKey string `json:"report_key,omitempty"`
	// Coverage is what the kept instances exercise.
	Coverage *SynthCoverage `json:"coverage,omitempty"`
}

// SynthCoverage is what a run's kept instances exercise in their domain:
// the write tools their gold plans call, the intent combinations, the
// refusals and transfers. It has synthesis.Coverage's fields (the
// activities fill it, the CLI renders it; workflow code does not link the
// domains).
type SynthCoverage struct {
	Domain      string `json:"domain"`
	Instances   int    `json:"instances"`
	MultiIntent int    `json:"multi_intent"`
	WithRefusal int    `json:"with_refusal"`
	Transfers   int    `json:"transfers"`
	// WriteTools lists every write tool of the domain.
	WriteTools []string `json:"write_tools"`
	// Tools counts, per write tool, the instances whose gold plan calls it.
	Tools map[string]int `json:"tools"`
	// Refused counts, per write tool, the instances refusing a request for it.
	Refused map[string]int `json:"refused,omitempty"`
	// Uncovered lists the write tools no instance calls.
	Uncovered []string `json:"uncovered"`
	// Combinations counts the instances per intent combination.
	Combinations map[string]int `json:"combinations"`
}

// SynthProgress answers the "progress" query.
type SynthProgress struct {
	Stage      string         `json:"stage"`
	Target     int            `json:"target"`
	Accepted   int            `json:"accepted"`
	Candidates int            `json:"candidates"`
	Running    int            `json:"running"`
	Reasons    map[string]int `json:"reasons"`
}

// SynthPrepareOutput resolves a run's inputs before any instance runs.
type SynthPrepareOutput struct {
	// PromptVersion is the full version the run uses (the active one when
	// the input names none).
	PromptVersion string `json:"prompt_version"`
	Tau2Data      string `json:"tau2_data,omitempty"`
	// MaxSteps and Concurrency come from the version's settings unless the
	// input sets them.
	MaxSteps    int `json:"max_steps"`
	Concurrency int `json:"concurrency"`
}
