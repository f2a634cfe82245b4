package envs

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// RewardType is a component of tau2's reward basis.
type RewardType string

// Reward components.
const (
	RewardDB           RewardType = "DB"
	RewardEnvAssertion RewardType = "ENV_ASSERTION"
	RewardNLAssertion  RewardType = "NL_ASSERTION"
	RewardAction       RewardType = "ACTION"
	RewardCommunicate  RewardType = "COMMUNICATE"
)

// Task is a tau2-bench task.
type Task struct {
	ID                 string              `json:"id"`
	Description        json.RawMessage     `json:"description,omitempty"`
	UserScenario       UserScenario        `json:"user_scenario"`
	Ticket             *string             `json:"ticket,omitempty"`
	InitialState       *InitialState       `json:"initial_state,omitempty"`
	EvaluationCriteria *EvaluationCriteria `json:"evaluation_criteria,omitempty"`
}

// UserScenario is what the user simulator is told.
type UserScenario struct {
	Persona      *string      `json:"persona,omitempty"`
	Instructions Instructions `json:"instructions"`
}

// Instructions are a scenario's instructions: tau2 allows a plain string or a
// structured object; both decode here (Text holds the plain form).
type Instructions struct {
	Domain           string  `json:"domain,omitempty"`
	ReasonForCall    string  `json:"reason_for_call,omitempty"`
	KnownInfo        *string `json:"known_info,omitempty"`
	UnknownInfo      *string `json:"unknown_info,omitempty"`
	TaskInstructions string  `json:"task_instructions,omitempty"`
	Text             string  `json:"-"`
}

// UnmarshalJSON accepts a string or an object.
func (in *Instructions) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		*in = Instructions{}
		return json.Unmarshal(b, &in.Text)
	}
	type plain Instructions
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*in = Instructions(p)
	return nil
}

// MarshalJSON writes the form it was read in.
func (in Instructions) MarshalJSON() ([]byte, error) {
	if in.Text != "" {
		return json.Marshal(in.Text)
	}
	type plain Instructions
	return json.Marshal(plain(in))
}

// String renders the instructions as tau2's StructuredUserInstructions.__str__ does.
func (in Instructions) String() string {
	if in.Text != "" {
		return in.Text
	}
	lines := []string{"Domain: " + in.Domain, "Reason for call:\n" + Indent(in.ReasonForCall, "\t")}
	if in.KnownInfo != nil {
		lines = append(lines, "Known info:\n"+Indent(*in.KnownInfo, "\t"))
	}
	if in.UnknownInfo != nil {
		lines = append(lines, "Unknown info:\n"+Indent(*in.UnknownInfo, "\t"))
	}
	lines = append(lines, "Task instructions:\n"+Indent(in.TaskInstructions, "\t"))
	return strings.Join(lines, "\n")
}

// String renders the scenario as tau2's UserScenario.__str__ does; this is
// the text the user simulator receives as its instructions.
func (u UserScenario) String() string {
	var lines []string
	if u.Persona != nil {
		lines = append(lines, "Persona:", Indent(*u.Persona, "\t"))
	}
	lines = append(lines, "Instructions:", Indent(u.Instructions.String(), "\t"))
	return strings.Join(lines, "\n")
}

// Indent prefixes every line that is not blank, as Python's textwrap.indent.
func Indent(s, prefix string) string {
	var b strings.Builder
	for len(s) > 0 {
		i := strings.IndexByte(s, '\n')
		line := s
		if i >= 0 {
			line = s[:i+1]
		}
		if strings.TrimSpace(line) != "" {
			b.WriteString(prefix)
		}
		b.WriteString(line)
		s = s[len(line):]
	}
	return b.String()
}

// InitialState sets an environment up before the conversation starts.
type InitialState struct {
	InitializationData    *InitializationData `json:"initialization_data,omitempty"`
	InitializationActions []EnvFunctionCall   `json:"initialization_actions,omitempty"`
	MessageHistory        []Message           `json:"message_history,omitempty"`
}

// InitializationData updates the DBs (unused by the shipped tau2 tasks).
type InitializationData struct {
	AgentData json.RawMessage `json:"agent_data,omitempty"`
	UserData  json.RawMessage `json:"user_data,omitempty"`
}

// EnvFunctionCall calls a named function on one side's toolkit.
type EnvFunctionCall struct {
	EnvType   Requestor       `json:"env_type"`
	FuncName  string          `json:"func_name"`
	Arguments json.RawMessage `json:"arguments"`
}

// EnvAssertion is an EnvFunctionCall whose bool result must equal AssertValue.
type EnvAssertion struct {
	EnvType     Requestor       `json:"env_type"`
	FuncName    string          `json:"func_name"`
	Arguments   json.RawMessage `json:"arguments"`
	AssertValue *bool           `json:"assert_value,omitempty"`
	Message     *string         `json:"message,omitempty"`
}

// Expected returns the asserted value (true unless stated).
func (a EnvAssertion) Expected() bool { return a.AssertValue == nil || *a.AssertValue }

// Action is a gold tool call of a task.
type Action struct {
	ActionID  string          `json:"action_id"`
	Requestor Requestor       `json:"requestor,omitempty"`
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
	Info      *string         `json:"info,omitempty"`
	// CompareArgs are the arguments a matching call must agree on: nil
	// (tau2's null or absent) compares all of them, an empty list none.
	CompareArgs []string `json:"compare_args,omitempty"`
}

// UnmarshalJSON keeps an empty compare_args list apart from a missing one.
func (a *Action) UnmarshalJSON(b []byte) error {
	type plain Action
	var p struct {
		plain
		CompareArgs *[]string `json:"compare_args"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*a = Action(p.plain)
	if p.CompareArgs != nil {
		a.CompareArgs = append([]string{}, *p.CompareArgs...)
	}
	if a.Requestor == "" {
		a.Requestor = Assistant
	}
	return nil
}

// MarshalJSON writes an empty compare_args list as [] (compare nothing)
// and a nil one not at all (compare all), as tau2 reads them.
func (a Action) MarshalJSON() ([]byte, error) {
	type plain Action
	p := struct {
		plain
		CompareArgs *[]string `json:"compare_args,omitempty"`
	}{plain: plain(a)}
	if a.CompareArgs != nil {
		ca := a.CompareArgs
		p.CompareArgs = &ca
	}
	return json.Marshal(p)
}

// Who returns the requestor (assistant by default).
func (a Action) Who() Requestor {
	if a.Requestor == "" {
		return Assistant
	}
	return a.Requestor
}

// Matches reports whether a tool call satisfies the action, as tau2's
// Action.compare_with_tool_call: same name and equal values of the compared
// arguments (all the call's arguments when compare_args is null).
func (a Action) Matches(tc ToolCall) bool {
	if a.Name != tc.Name {
		return false
	}
	var callArgs, goldArgs map[string]any
	_ = json.Unmarshal(tc.Arguments, &callArgs)
	_ = json.Unmarshal(a.Arguments, &goldArgs)
	keys := a.CompareArgs
	if keys == nil {
		for k := range callArgs {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return true
	}
	pick := func(m map[string]any) map[string]any {
		out := map[string]any{}
		for _, k := range keys {
			if v, ok := m[k]; ok {
				out[k] = v
			}
		}
		return out
	}
	x, _ := json.Marshal(pick(callArgs))
	y, _ := json.Marshal(pick(goldArgs))
	return string(x) == string(y)
}

// EvaluationCriteria says how a task is scored.
type EvaluationCriteria struct {
	Actions         []Action       `json:"actions,omitempty"`
	EnvAssertions   []EnvAssertion `json:"env_assertions,omitempty"`
	CommunicateInfo []string       `json:"communicate_info,omitempty"`
	NLAssertions    []string       `json:"nl_assertions,omitempty"`
	RewardBasis     []RewardType   `json:"reward_basis"`
}

// HasBasis reports whether r is in the task's reward basis.
func (c *EvaluationCriteria) HasBasis(r RewardType) bool {
	return c != nil && slices.Contains(c.RewardBasis, r)
}

// LoadTasks reads a tau2 tasks file (a JSON list, or an object with "tasks").
func LoadTasks(path string) ([]Task, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading tasks: %w", err)
	}
	var tasks []Task
	if err := json.Unmarshal(b, &tasks); err != nil {
		var wrapped struct {
			Tasks []Task `json:"tasks"`
		}
		if err2 := json.Unmarshal(b, &wrapped); err2 != nil {
			return nil, fmt.Errorf("parsing tasks %s: %w", path, err)
		}
		tasks = wrapped.Tasks
	}
	return tasks, nil
}

// LoadSplit reads split_tasks.json next to a tasks file and returns the ids of
// the named split; an empty name (or "base" where the file lacks it) means all.
func LoadSplit(dir, name string) (map[string]bool, error) {
	if name == "" {
		return nil, nil
	}
	b, err := os.ReadFile(filepath.Join(dir, "split_tasks.json"))
	if err != nil {
		return nil, fmt.Errorf("reading split file: %w", err)
	}
	var splits map[string][]string
	if err := json.Unmarshal(b, &splits); err != nil {
		return nil, fmt.Errorf("parsing split file: %w", err)
	}
	ids, ok := splits[name]
	if !ok {
		keys := make([]string, 0, len(splits))
		for k := range splits {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		return nil, fmt.Errorf("unknown split %q (have %v)", name, keys)
	}
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set, nil
}
