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
// confirms proposed actions, performs the device actions of the task's
// gold plan on its own phone when the agent asks for them (dual control:
// the next gold action is the user's and the agent's last message names
// its tool) and reports what the phone shows, and ends the conversation
// when the agent reports the request done, says it cannot help or
// transfers it.
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
	if next, ok := u.nextUserAction(traj); ok && askedFor(traj, next) {
		return envs.Message{Role: envs.RoleUser, ToolCalls: []envs.ToolCall{{
			ID: fmt.Sprintf("user_%d", len(traj)), Name: next.Name, Arguments: next.Arguments, Requestor: envs.User,
		}}}, nil
	}
	if n := len(traj); n > 0 && traj[n-1].Role == envs.RoleTool && traj[n-1].Requestor == envs.User {
		return msg("I did that on my phone. It shows: " + traj[n-1].Content)
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

// nextUserAction returns the next gold action when it is the user's: one
// to perform on their own device.
func (u TemplateUser) nextUserAction(traj []envs.Message) (envs.Action, bool) {
	if u.Task.EvaluationCriteria == nil {
		return envs.Action{}, false
	}
	acts := u.Task.EvaluationCriteria.Actions
	n := Progress(acts, traj)
	if n < len(acts) && acts[n].Who() == envs.User {
		return acts[n], true
	}
	return envs.Action{}, false
}

// askedFor reports whether the agent asked for the device action a: its
// last message since the user's last device action names a's tool.
func askedFor(traj []envs.Message, a envs.Action) bool {
	for i := len(traj) - 1; i >= 0; i-- {
		m := traj[i]
		switch {
		case m.Role == envs.RoleUser && m.IsToolCall():
			return false
		case m.Role == envs.RoleAssistant && !m.IsToolCall():
			s := strings.ToLower(m.Content)
			return strings.Contains(s, a.Name) || strings.Contains(s, strings.ReplaceAll(a.Name, "_", " "))
		}
	}
	return false
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}
