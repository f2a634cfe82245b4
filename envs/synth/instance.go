package synth

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/episode"
)

// Roles records who produced each part of an instance and what the later
// stages found.
type Roles struct {
	// Planner, CheckerWriter, Agent, User and Judge name the producers
	// ("baseline" for the rule-based roles, else a model description).
	Planner       string `json:"planner,omitempty"`
	CheckerWriter string `json:"checker_writer,omitempty"`
	Agent         string `json:"agent,omitempty"`
	User          string `json:"user,omitempty"`
	Judge         string `json:"judge,omitempty"`
	// Dialogue is the trajectory and Termination why it ended.
	Dialogue    []envs.Message `json:"dialogue,omitempty"`
	Termination string         `json:"termination,omitempty"`
	// Verify and Judgement are the verifier's and the judge's verdicts.
	Verify    *VerifyResult `json:"verify,omitempty"`
	Judgement *JudgeVerdict `json:"judgement,omitempty"`
}

// Baseline names the rule-based roles in Roles.
const Baseline = "baseline"

// Instance is one synthesized instance, JSON-serializable: the scenario,
// the gold blueprint and its outcome, the checker and what every role
// produced.
type Instance struct {
	ID            string    `json:"id"`
	PromptVersion string    `json:"prompt_version"`
	Scenario      Scenario  `json:"scenario"`
	Blueprint     Blueprint `json:"blueprint"`
	// GoldHash is the state hash after the gold plan; GoldDiff its diff
	// from the initial state; Guarded the gold values of the records the
	// checker guards.
	GoldHash string   `json:"gold_hash"`
	GoldDiff []Change `json:"gold_diff"`
	Guarded  []Record `json:"guarded_records"`
	// Checker is the Starlark checker's source.
	Checker string `json:"checker"`
	// WriteTools are the domain's state-changing tools.
	WriteTools []string `json:"write_tools"`
	Roles      Roles    `json:"roles"`
}

// InstanceID is the instance id of a scenario: stable across runs for the
// same domain, seed, intent and entities.
func InstanceID(sc Scenario) string {
	return "syn-" + envs.Digest([]byte(sc.Domain), []byte(fmt.Sprint(sc.Seed)), []byte(sc.Intent), []byte(sc.UserID), []byte(sc.EntityID))[:16]
}

// NewInstance assembles an instance from a validated blueprint and its
// execution (the checker is added by the checker stage).
func NewInstance(dom *envs.Domain, sc Scenario, bp Blueprint, ex Execution, promptVersion string) *Instance {
	var writes []string
	for _, t := range dom.Agent.Tools {
		if t.Mutates {
			writes = append(writes, t.Name)
		}
	}
	return &Instance{ID: InstanceID(sc), PromptVersion: promptVersion, Scenario: sc, Blueprint: bp,
		GoldHash: ex.Hash, GoldDiff: ex.Diff, Guarded: ex.Records, WriteTools: writes}
}

// Mutates reports whether a tool of the instance's domain changes state.
func (inst *Instance) Mutates(name string) bool { return slices.Contains(inst.WriteTools, name) }

// Task renders the instance as a tau2 task (reward basis DB, plus
// COMMUNICATE when there is information to communicate), so that the
// evaluator, the episode runner and EvalWorkflow run on it.
func (inst *Instance) Task() envs.Task {
	return TaskFor(inst.ID, inst.Scenario, inst.Blueprint)
}

// TaskFor renders a scenario and blueprint as a tau2 task with the given
// reward basis (default DB, plus COMMUNICATE when there is information to
// communicate; add envs.RewardAction to also require the gold calls).
func TaskFor(id string, sc Scenario, bp Blueprint, basis ...envs.RewardType) envs.Task {
	if len(basis) == 0 {
		basis = []envs.RewardType{envs.RewardDB}
		if len(bp.Communicate) > 0 {
			basis = append(basis, envs.RewardCommunicate)
		}
	}
	desc, _ := json.Marshal(map[string]string{
		"purpose": fmt.Sprintf("synthetic %s (%s)", sc.Intent, sc.Outcome()),
		"relevant_policies": sc.Rule + ": " + sc.Why,
	})
	return envs.Task{
		ID:           id,
		Description:  desc,
		UserScenario: envs.UserScenario{Instructions: sc.Instructions},
		EvaluationCriteria: &envs.EvaluationCriteria{
			Actions:         slices.Clone(bp.Actions),
			CommunicateInfo: slices.Clone(bp.Communicate),
			RewardBasis:     basis,
		},
	}
}

// GoldTranscript is the dialogue a faithful assistant would have: the
// user's request, the gold calls with their outputs, the closing message
// (the information, or the refusal) and the user's stop.
func GoldTranscript(sc Scenario, bp Blueprint, ex Execution) []envs.Message {
	msgs := []envs.Message{
		{Role: envs.RoleAssistant, Content: episode.FirstAgentMessage},
		{Role: envs.RoleUser, Content: sc.Instructions.ReasonForCall},
	}
	if k := sc.Instructions.KnownInfo; k != nil {
		msgs = append(msgs, envs.Message{Role: envs.RoleAssistant, Content: "Could you please give me the details I need?"},
			envs.Message{Role: envs.RoleUser, Content: *k})
	}
	for i, a := range bp.Actions {
		id := fmt.Sprintf("gold_%d", i)
		msgs = append(msgs, envs.Message{Role: envs.RoleAssistant, ToolCalls: []envs.ToolCall{{ID: id, Name: a.Name, Arguments: a.Arguments, Requestor: envs.Assistant}}})
		out := envs.ToolResult{}
		if i < len(ex.Outputs) {
			out = ex.Outputs[i]
		}
		msgs = append(msgs, envs.Message{Role: envs.RoleTool, ID: id, Content: out.Content, Requestor: envs.Assistant, Error: out.Error})
	}
	msgs = append(msgs, envs.Message{Role: envs.RoleAssistant, Content: bp.Closing}, envs.Message{Role: envs.RoleUser, Content: episode.StopToken})
	for i := range msgs {
		msgs[i].Turn = i
	}
	return msgs
}

// DialogueCheck maps an episode's end to a rejection: nil when it ended
// with a stop (user or agent), else DialogueMaxSteps,
// DialogueTooManyErrors, DialogueParticipant or DialogueNoStop.
func DialogueCheck(res *episode.Result) error {
	switch res.Termination {
	case episode.UserStop, episode.AgentStop:
		return nil
	case episode.MaxSteps:
		return reject(DialogueMaxSteps, "the dialogue reached %d steps", res.Steps)
	case episode.TooManyErrors:
		return reject(DialogueTooManyErrors, "%d tool errors", res.ToolErrors)
	case episode.AgentError, episode.UserError, episode.InfraError:
		return reject(DialogueParticipant, "%s: %s", res.Termination, res.Err)
	}
	return reject(DialogueNoStop, "the dialogue ended with %q", res.Termination)
}
