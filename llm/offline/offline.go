// Package offline is the baseline provider that needs no model endpoint:
// the oracle agent (a task's gold actions, from envs/episode) and a
// rule-based template user simulator. Everything it produces is labelled a
// baseline; it exists so every workflow runs and is tested offline.
package offline

import (
	"context"
	"fmt"
	"strings"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/episode"
)

// Label marks offline output in reports and search attributes.
const Label = "offline-baseline"

// Agent returns the oracle agent for task.
func Agent(task *envs.Task) episode.Participant { return episode.Oracle{Task: task}.Agent() }

// TemplateUser is a rule-based user simulator: it states the task's reason
// for calling, reveals its known info when the agent asks for something,
// confirms proposed actions, performs the device actions the task expects
// of the user (dual control), and ends the conversation when the agent
// reports the request done or says it cannot help.
type TemplateUser struct {
	Task *envs.Task
	// Withhold makes the user decline to give its known info (user id,
	// email); synthesis sets it when the user-simulator prompt lacks the
	// identification directive.
	Withhold bool
}

// Next implements episode.Participant.
func (u TemplateUser) Next(_ context.Context, traj []envs.Message) (envs.Message, error) {
	msg := func(s string) (envs.Message, error) { return envs.Message{Role: envs.RoleUser, Content: s}, nil }
	in := u.Task.UserScenario.Instructions
	if next, ok := u.nextUserAction(traj); ok {
		return envs.Message{Role: envs.RoleUser, ToolCalls: []envs.ToolCall{{
			ID: fmt.Sprintf("user_%d", len(traj)), Name: next.Name, Arguments: next.Arguments, Requestor: envs.User,
		}}}, nil
	}
	spoke := false
	for _, m := range traj {
		if m.Role == envs.RoleUser && !m.IsToolCall() {
			spoke = true
			break
		}
	}
	if !spoke {
		reason := in.ReasonForCall
		if reason == "" {
			reason = in.Text
		}
		return msg(reason)
	}
	last := ""
	for i := len(traj) - 1; i >= 0; i-- {
		if traj[i].Role == envs.RoleAssistant && !traj[i].IsToolCall() {
			last = strings.ToLower(traj[i].Content)
			break
		}
	}
	switch {
	case strings.Contains(last, "completed") || strings.Contains(last, "anything else") || strings.Contains(last, "transferred") ||
		strings.Contains(last, "cannot") || strings.Contains(last, "can't"):
		return msg(episode.StopToken)
	case containsAny(last, "confirm", "proceed", "yes/no", "shall i", "would you like"):
		return msg("Yes, please go ahead.")
	case containsAny(last, "id", "name", "email", "zip", "number", "which", "?") && in.KnownInfo != nil:
		if u.Withhold {
			return msg("I'd rather not share that.")
		}
		return msg(*in.KnownInfo)
	}
	return msg("Yes, please go ahead.")
}

// nextUserAction returns the next gold action when it is the user's turn to
// act on their own device (the position is the number of calls made so far).
func (u TemplateUser) nextUserAction(traj []envs.Message) (envs.Action, bool) {
	if u.Task.EvaluationCriteria == nil {
		return envs.Action{}, false
	}
	n := 0
	for _, m := range traj {
		if m.Role == envs.RoleAssistant || m.Role == envs.RoleUser {
			n += len(m.ToolCalls)
		}
	}
	acts := u.Task.EvaluationCriteria.Actions
	if n < len(acts) && acts[n].Who() == envs.User {
		return acts[n], true
	}
	return envs.Action{}, false
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}
