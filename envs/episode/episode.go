// Package episode runs tau2-bench's half-duplex orchestration of agent ⇄ user
// simulator ⇄ environment without Temporal: message flow, tool execution
// with error reporting, and the stop conditions (agent or user stop token,
// transfer, max steps, max errors), in dual-control and solo mode.
package episode

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/eigendata/eigendata/envs"
)

// Stop tokens, as tau2 defines them.
const (
	StopToken       = "###STOP###"
	TransferToken   = "###TRANSFER###"
	OutOfScopeToken = "###OUT-OF-SCOPE###"
	// FirstAgentMessage is the greeting tau2 puts first in every dual-control episode.
	FirstAgentMessage = "Hi! How can I help you today?"
)

// Termination is why an episode ended (tau2's TerminationReason).
type Termination string

// Termination reasons.
const (
	UserStop      Termination = "user_stop"
	AgentStop     Termination = "agent_stop"
	MaxSteps      Termination = "max_steps"
	TooManyErrors Termination = "too_many_errors"
	AgentError    Termination = "agent_error"
	UserError     Termination = "user_error"
	InfraError    Termination = "infrastructure_error"
)

// Participant produces the next message of the agent or of the user
// simulator from the full trajectory so far. Each implementation builds its
// own view of the trajectory (VisibleToAgent, VisibleToUser).
type Participant interface {
	Next(ctx context.Context, traj []envs.Message) (envs.Message, error)
}

// Config bounds an episode. Zero values take tau2's defaults.
type Config struct {
	MaxSteps  int  // default 100
	MaxErrors int  // default 10
	Solo      bool // the agent works alone on both sides' tools; no user turns
}

func (c Config) withDefaults() Config {
	if c.MaxSteps <= 0 {
		c.MaxSteps = 100
	}
	if c.MaxErrors <= 0 {
		c.MaxErrors = 10
	}
	return c
}

// Result is a finished episode.
type Result struct {
	Messages    []envs.Message `json:"messages"`
	Termination Termination    `json:"termination_reason"`
	Steps       int            `json:"steps"`
	ToolErrors  int            `json:"tool_errors"`
	// Err describes an agent/user/infrastructure error that ended the episode.
	Err string `json:"error,omitempty"`
}

// ErrParticipant wraps an error returned by a participant; the runner ends
// the episode with AgentError/UserError (or InfraError for context errors).
var ErrParticipant = errors.New("participant failed")

type role int

const (
	roleAgent role = iota
	roleUser
	roleEnv
)

// Run plays one episode of task on env (already fresh; Run applies the task's
// initial state) and returns the trajectory and termination reason. The env
// is left in the episode's final state.
func Run(ctx context.Context, env *envs.Env, task *envs.Task, agent, user Participant, cfg Config) (*Result, error) {
	cfg = cfg.withDefaults()
	if err := env.Initialize(task.InitialState); err != nil {
		return nil, fmt.Errorf("initializing task %s: %w", task.ID, err)
	}
	r := &runner{env: env, agent: agent, user: user, cfg: cfg}
	var history []envs.Message
	if task.InitialState != nil {
		history = task.InitialState.MessageHistory
	}
	if err := r.init(ctx, history); err != nil {
		return nil, err
	}
	for !r.done {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		r.step(ctx)
		r.checkTermination()
	}
	for i := range r.traj {
		r.traj[i].Turn = i
	}
	return &Result{Messages: r.traj, Termination: r.reason, Steps: r.steps, ToolErrors: r.errors, Err: r.errText}, nil
}

type runner struct {
	env         *envs.Env
	agent, user Participant
	cfg         Config

	traj     []envs.Message
	from, to role
	last     envs.Message
	steps    int
	errors   int
	done     bool
	reason   Termination
	errText  string
	callSeq  int
}

func (r *runner) init(ctx context.Context, history []envs.Message) error {
	if len(history) > 0 {
		r.traj = append([]envs.Message(nil), history...)
		last := history[len(history)-1]
		r.last = last
		switch last.Role {
		case envs.RoleAssistant:
			r.from, r.to = roleAgent, roleUser
			if last.IsToolCall() {
				r.to = roleEnv
			}
			if isAgentStop(last) {
				r.finish(AgentStop)
			}
		case envs.RoleUser:
			r.from, r.to = roleUser, roleAgent
			if last.IsToolCall() {
				r.to = roleEnv
			}
			if IsUserStop(last) {
				r.finish(UserStop)
			}
		case envs.RoleTool:
			r.from, r.to = roleEnv, roleUser
			if last.Requestor == envs.Assistant || last.Requestor == "" {
				r.to = roleAgent
			}
		default:
			return fmt.Errorf("last message of history has role %q", last.Role)
		}
		return nil
	}
	if !r.cfg.Solo {
		first := envs.Message{Role: envs.RoleAssistant, Content: FirstAgentMessage}
		r.traj = []envs.Message{first}
		r.last, r.from, r.to = first, roleAgent, roleUser
		return nil
	}
	msg, err := r.agent.Next(ctx, nil)
	if err != nil {
		r.fail(AgentError, err)
		return nil
	}
	r.assignIDs(&msg, envs.Assistant)
	r.traj = []envs.Message{msg}
	r.last, r.from = msg, roleAgent
	if !msg.IsToolCall() {
		r.to = roleUser
		if isAgentStop(msg) {
			r.finish(AgentStop)
		} else {
			r.finish(AgentError)
		}
	} else {
		r.to = roleEnv
	}
	return nil
}

func (r *runner) finish(t Termination) {
	r.done = true
	r.reason = t
}

func (r *runner) fail(t Termination, err error) {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		t = InfraError
	}
	r.finish(t)
	r.errText = err.Error()
}

// assignIDs gives tool calls without an id a unique one and sets requestors.
func (r *runner) assignIDs(m *envs.Message, who envs.Requestor) {
	for i := range m.ToolCalls {
		if m.ToolCalls[i].ID == "" {
			r.callSeq++
			m.ToolCalls[i].ID = fmt.Sprintf("call_%d", r.callSeq)
		}
		m.ToolCalls[i].Requestor = who
	}
}

func (r *runner) step(ctx context.Context) {
	switch {
	case (r.from == roleAgent || r.from == roleEnv) && r.to == roleUser:
		if r.cfg.Solo {
			r.finish(AgentError)
			return
		}
		msg, err := r.user.Next(ctx, r.traj)
		if err != nil {
			r.fail(UserError, err)
			return
		}
		msg.Role = envs.RoleUser
		if err := validate(msg); err != nil {
			r.fail(UserError, err)
			return
		}
		r.assignIDs(&msg, envs.User)
		if IsUserStop(msg) {
			r.finish(UserStop)
		}
		r.traj = append(r.traj, msg)
		r.last, r.from = msg, roleUser
		r.to = roleAgent
		if msg.IsToolCall() {
			r.to = roleEnv
		}
	case (r.from == roleUser || r.from == roleEnv) && r.to == roleAgent:
		msg, err := r.agent.Next(ctx, r.traj)
		if err != nil {
			r.fail(AgentError, err)
			return
		}
		msg.Role = envs.RoleAssistant
		if err := validate(msg); err != nil {
			r.fail(AgentError, err)
			return
		}
		r.assignIDs(&msg, envs.Assistant)
		if isAgentStop(msg) {
			r.finish(AgentStop)
		}
		r.traj = append(r.traj, msg)
		r.last, r.from = msg, roleAgent
		if msg.IsToolCall() {
			r.to = roleEnv
		} else {
			r.to = roleUser
			if r.cfg.Solo && !isAgentStop(msg) {
				r.finish(AgentError)
			}
		}
	case (r.from == roleAgent || r.from == roleUser) && r.to == roleEnv:
		for _, tc := range r.last.ToolCalls {
			res := r.env.Call(tc.Requestor, tc.Name, tc.Arguments)
			if res.Error {
				r.errors++
			}
			r.traj = append(r.traj, envs.Message{Role: envs.RoleTool, ID: tc.ID, Content: res.Content, Requestor: tc.Requestor, Error: res.Error})
		}
		r.to = r.from
		r.from = roleEnv
	}
	r.steps++
}

func (r *runner) checkTermination() {
	if r.to == roleEnv {
		return
	}
	if r.errText != "" {
		return // a participant failed; tau2 would have raised
	}
	if r.steps >= r.cfg.MaxSteps {
		r.finish(MaxSteps)
	}
	if r.errors >= r.cfg.MaxErrors {
		r.finish(TooManyErrors)
	}
}

// validate enforces tau2's message rules: text or tool calls, not both, not neither.
func validate(m envs.Message) error {
	hasText := strings.TrimSpace(m.Content) != ""
	if !hasText && !m.IsToolCall() {
		return fmt.Errorf("%s sent an empty message", m.Role)
	}
	if hasText && m.IsToolCall() {
		return fmt.Errorf("%s sent both text content and tool calls", m.Role)
	}
	return nil
}

func isAgentStop(m envs.Message) bool { return strings.Contains(m.Content, StopToken) }

// IsUserStop reports whether a user message ends the conversation (stop,
// transfer or out-of-scope token), as tau2's UserSimulator.is_stop.
func IsUserStop(m envs.Message) bool {
	if m.IsToolCall() {
		return false
	}
	return strings.Contains(m.Content, StopToken) || strings.Contains(m.Content, TransferToken) || strings.Contains(m.Content, OutOfScopeToken)
}

// VisibleToAgent returns the messages the agent sees (tau2's
// is_valid_agent_history_message): assistant messages, user text messages
// and the results of the agent's own tool calls.
func VisibleToAgent(traj []envs.Message) []envs.Message {
	out := make([]envs.Message, 0, len(traj))
	for _, m := range traj {
		switch {
		case m.Role == envs.RoleAssistant,
			m.Role == envs.RoleUser && !m.IsToolCall(),
			m.Role == envs.RoleTool && m.Requestor != envs.User:
			out = append(out, m)
		}
	}
	return out
}

// VisibleToUser returns the messages the user simulator sees (tau2's
// is_valid_user_history_message): user messages, assistant text messages and
// the results of the user's own tool calls.
func VisibleToUser(traj []envs.Message) []envs.Message {
	out := make([]envs.Message, 0, len(traj))
	for _, m := range traj {
		switch {
		case m.Role == envs.RoleUser,
			m.Role == envs.RoleAssistant && !m.IsToolCall(),
			m.Role == envs.RoleTool && m.Requestor == envs.User:
			out = append(out, m)
		}
	}
	return out
}
