package offline

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/episode"
)

// CarefulAgent is the synthesis engine's rule-based assistant (a
// baseline): it plays the gold plan the way the policy wants an agent to —
// it asks the user to identify themselves and acts only once a user message
// carries their user id, email or phone number, asks for an explicit yes
// before every write, asks the user to perform the plan's device actions
// on their own phone (dual control) and waits until they have, and ends
// with the required information (or the refusals, or the transfer). Unlike
// the tau2 oracle it depends on what the user says and does, so a user
// simulator that withholds its identity or never acts makes the dialogue
// fail. It is stateless: every decision derives from the trajectory.
type CarefulAgent struct {
	Task *envs.Task
	// Identity are the strings that identify the user (user id, email,
	// phone number).
	Identity []string
	// Mutates reports whether a tool writes.
	Mutates func(name string) bool
	// Closing is the final message (the required information, refusals or
	// the transfer message).
	Closing string
}

// IdentityQuestion is what the agent asks before acting.
const IdentityQuestion = "Before I can help, could you please give me your user id, email or phone number so I can verify your identity?"

// NotVerified is what the agent says when the user does not identify.
const NotVerified = "I'm sorry, but I cannot help with this request without verifying your identity."

func confirmQuestion(a envs.Action) string {
	return fmt.Sprintf("I am about to call %s with %s. Shall I proceed (yes/no)?", a.Name, string(a.Arguments))
}

// DeviceRequest is how the agent asks the user to perform a device action:
// it names the user's tool and its arguments.
func DeviceRequest(a envs.Action) string {
	args := string(a.Arguments)
	if args == "" || args == "{}" || args == "null" {
		return fmt.Sprintf("Please do this on your phone: %s (use %s), then tell me what you see.", strings.ReplaceAll(a.Name, "_", " "), a.Name)
	}
	return fmt.Sprintf("Please do this on your phone: %s (use %s with %s), then tell me what you see.", strings.ReplaceAll(a.Name, "_", " "), a.Name, args)
}

// Progress is how many of the gold actions the trajectory has performed,
// in order: a tool call of either side advances it when it is the next
// gold action (same name, requestor and arguments); other calls are
// skipped.
func Progress(acts []envs.Action, traj []envs.Message) int {
	n := 0
	for _, m := range traj {
		if m.Role != envs.RoleAssistant && m.Role != envs.RoleUser {
			continue
		}
		for _, tc := range m.ToolCalls {
			if n >= len(acts) {
				return n
			}
			a := acts[n]
			who := tc.Requestor
			if who == "" {
				who = envs.Assistant
				if m.Role == envs.RoleUser {
					who = envs.User
				}
			}
			if a.Name == tc.Name && a.Who() == who && sameArgs(a.Arguments, tc.Arguments) {
				n++
			}
		}
	}
	return n
}

func sameArgs(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return string(a) == string(b)
	}
	if x == nil {
		x = map[string]any{}
	}
	if y == nil {
		y = map[string]any{}
	}
	p, _ := json.Marshal(x)
	q, _ := json.Marshal(y)
	return string(p) == string(q)
}

// Next implements episode.Participant.
func (c CarefulAgent) Next(_ context.Context, traj []envs.Message) (envs.Message, error) {
	say := func(s string) (envs.Message, error) { return envs.Message{Role: envs.RoleAssistant, Content: s}, nil }
	identified := false
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
	if done := Progress(acts, traj); done < len(acts) {
		a := acts[done]
		if a.Who() == envs.User {
			// The user acts on their own phone; the agent asks and waits.
			return say(DeviceRequest(a))
		}
		if c.Mutates != nil && c.Mutates(a.Name) {
			q := confirmQuestion(a)
			ok := lastAgent == q && containsAny(strings.ToLower(userAfter), "yes", "go ahead", "proceed", "please do")
			if !ok {
				return say(q)
			}
		}
		return envs.Message{Role: envs.RoleAssistant, ToolCalls: []envs.ToolCall{{
			ID: fmt.Sprintf("call_%d", len(traj)), Name: a.Name, Arguments: a.Arguments, Requestor: envs.Assistant}}}, nil
	}
	if lastAgent == c.Closing {
		return say(episode.StopToken)
	}
	return say(c.Closing)
}
