package episode

import (
	"context"
	"fmt"
	"strings"

	"github.com/eigendata/eigendata/envs"
)

// Oracle is a sanity baseline that plays a task's gold actions in order: the
// agent side makes the assistant's gold calls, the user side the user's
// (dual control). When the script is done the agent states every
// communicate_info item and the user ends the conversation. On DB-basis
// tasks it must score 1.0. Both sides derive their position from the
// trajectory, so they are stateless and safe to resume.
type Oracle struct {
	Task *envs.Task
	// Solo makes the agent side play every action (solo mode).
	Solo bool
}

// Agent returns the oracle's agent side.
func (o Oracle) Agent() Participant {
	return oracleSide{task: o.Task, who: envs.Assistant, solo: o.Solo}
}

// User returns the oracle's user side.
func (o Oracle) User() Participant { return oracleSide{task: o.Task, who: envs.User, solo: o.Solo} }

type oracleSide struct {
	task *envs.Task
	who  envs.Requestor
	solo bool
}

// cursor counts the tool calls made so far: the oracle only makes gold calls,
// so this is the index of the next gold action.
func cursor(traj []envs.Message) int {
	n := 0
	for _, m := range traj {
		if m.Role == envs.RoleAssistant || m.Role == envs.RoleUser {
			n += len(m.ToolCalls)
		}
	}
	return n
}

func (s oracleSide) actions() []envs.Action {
	if s.task.EvaluationCriteria == nil {
		return nil
	}
	return s.task.EvaluationCriteria.Actions
}

func (s oracleSide) Next(_ context.Context, traj []envs.Message) (envs.Message, error) {
	acts := s.actions()
	i := cursor(traj)
	if s.who == envs.Assistant {
		switch {
		case i < len(acts) && (s.solo || acts[i].Who() == envs.Assistant):
			return s.call(i, acts[i], envs.RoleAssistant), nil
		case i < len(acts):
			return envs.Message{Role: envs.RoleAssistant, Content: fmt.Sprintf("Please do the following on your side: %s.", acts[i].Name)}, nil
		case s.solo:
			return envs.Message{Role: envs.RoleAssistant, Content: StopToken}, nil
		}
		return envs.Message{Role: envs.RoleAssistant, Content: s.closing()}, nil
	}
	switch {
	case i < len(acts) && acts[i].Who() == envs.User:
		return s.call(i, acts[i], envs.RoleUser), nil
	case lastText(traj, envs.RoleUser) == "":
		return envs.Message{Role: envs.RoleUser, Content: s.opening()}, nil
	case i >= len(acts) && lastText(traj, envs.RoleAssistant) == s.closing():
		return envs.Message{Role: envs.RoleUser, Content: StopToken}, nil
	}
	return envs.Message{Role: envs.RoleUser, Content: "Please go ahead."}, nil
}

func (s oracleSide) call(i int, a envs.Action, role envs.Role) envs.Message {
	who := a.Who()
	if s.solo {
		who = envs.Assistant
	}
	return envs.Message{Role: role, ToolCalls: []envs.ToolCall{{
		ID: fmt.Sprintf("gold_%d", i), Name: a.Name, Arguments: a.Arguments, Requestor: who,
	}}}
}

func (s oracleSide) opening() string {
	in := s.task.UserScenario.Instructions
	if in.ReasonForCall != "" {
		return in.ReasonForCall
	}
	if in.Text != "" {
		return in.Text
	}
	return "Hello, I need help."
}

// closing is the agent's final message: every communicate_info item verbatim.
func (s oracleSide) closing() string {
	var parts []string
	if s.task.EvaluationCriteria != nil {
		parts = s.task.EvaluationCriteria.CommunicateInfo
	}
	if len(parts) == 0 {
		return "Your request has been completed."
	}
	return "Your request has been completed. For your information: " + strings.Join(parts, "; ") + "."
}

func lastText(traj []envs.Message, role envs.Role) string {
	for i := len(traj) - 1; i >= 0; i-- {
		if traj[i].Role == role && !traj[i].IsToolCall() {
			return traj[i].Content
		}
	}
	return ""
}
