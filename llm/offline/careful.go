package offline

import (
	"context"
	"fmt"
	"strings"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/episode"
)

// CarefulAgent is the synthesis engine's rule-based assistant (a
// baseline): it plays the gold plan the way the policy wants an agent to —
// it asks the user to identify themselves and acts only once a user message
// carries their user id or email, asks for an explicit yes before every
// write, and ends with the required information (or the refusal). Unlike
// the tau2 oracle it depends on what the user says, so a user simulator
// that withholds its identity makes the dialogue fail. It is stateless:
// every decision derives from the trajectory.
type CarefulAgent struct {
	Task *envs.Task
	// Identity are the strings that identify the user (user id, email).
	Identity []string
	// Mutates reports whether a tool writes.
	Mutates func(name string) bool
	// Closing is the final message (the required information or refusal).
	Closing string
}

// IdentityQuestion is what the agent asks before acting.
const IdentityQuestion = "Before I can help, could you please give me your user id or email so I can verify your identity?"

// NotVerified is what the agent says when the user does not identify.
const NotVerified = "I'm sorry, but I cannot help with this request without verifying your identity."

func confirmQuestion(a envs.Action) string {
	return fmt.Sprintf("I am about to call %s with %s. Shall I proceed (yes/no)?", a.Name, string(a.Arguments))
}

// Next implements episode.Participant.
func (c CarefulAgent) Next(_ context.Context, traj []envs.Message) (envs.Message, error) {
	say := func(s string) (envs.Message, error) { return envs.Message{Role: envs.RoleAssistant, Content: s}, nil }
	identified, calls := false, 0
	lastAgent, userAfter := "", ""
	for _, m := range traj {
		switch {
		case m.Role == envs.RoleUser && !m.IsToolCall():
			for _, id := range c.Identity {
				if id != "" && strings.Contains(m.Content, id) {
					identified = true
				}
			}
			userAfter = m.Content
		case m.Role == envs.RoleAssistant && !m.IsToolCall():
			lastAgent, userAfter = m.Content, ""
		}
		if m.Role == envs.RoleAssistant {
			calls += len(m.ToolCalls)
		}
	}
	if !identified {
		if lastAgent == IdentityQuestion && userAfter != "" || lastAgent == NotVerified {
			if lastAgent == NotVerified {
				return say(episode.StopToken)
			}
			return say(NotVerified)
		}
		return say(IdentityQuestion)
	}
	var acts []envs.Action
	if c.Task.EvaluationCriteria != nil {
		acts = c.Task.EvaluationCriteria.Actions
	}
	if calls < len(acts) {
		a := acts[calls]
		if c.Mutates != nil && c.Mutates(a.Name) {
			q := confirmQuestion(a)
			ok := lastAgent == q && containsAny(strings.ToLower(userAfter), "yes", "go ahead", "proceed", "please do")
			if !ok {
				return say(q)
			}
		}
		return envs.Message{Role: envs.RoleAssistant, ToolCalls: []envs.ToolCall{{
			ID: fmt.Sprintf("call_%d", calls), Name: a.Name, Arguments: a.Arguments, Requestor: envs.Assistant}}}, nil
	}
	if lastAgent == c.Closing {
		return say(episode.StopToken)
	}
	return say(c.Closing)
}
