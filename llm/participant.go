package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/episode"
)

// AgentInstruction is tau2's instruction to the customer-service agent.
const AgentInstruction = `You are a customer service agent that helps the user according to the <policy> provided below.
In each turn you can either:
- Send a message to the user.
- Make a tool call.
You cannot do both at the same time.

Try to be helpful and always follow the policy. Always make sure you generate valid JSON only.`

// AgentSystemPrompt renders tau2's agent system prompt for a policy.
func AgentSystemPrompt(policy string) string {
	return "<instructions>\n" + AgentInstruction + "\n</instructions>\n<policy>\n" + policy + "\n</policy>"
}

// AgentSystemPromptWith is AgentSystemPrompt with further instructions
// (a synthesis prompt version's agent prompt) after tau2's own; without
// any it is AgentSystemPrompt.
func AgentSystemPromptWith(extra, policy string) string {
	extra = strings.TrimSpace(extra)
	if extra == "" {
		return AgentSystemPrompt(policy)
	}
	return "<instructions>\n" + AgentInstruction + "\n\n" + extra + "\n</instructions>\n<policy>\n" + policy + "\n</policy>"
}

// UserSystemPrompt renders tau2's user-simulator system prompt from the
// global guidelines and the task's scenario.
func UserSystemPrompt(guidelines string, scenario envs.UserScenario) string {
	guidelines = strings.ReplaceAll(guidelines, "<PERSONA_GUIDELINES>", "")
	return guidelines + "\n\n<scenario>\n" + scenario.String() + "\n</scenario>"
}

// Usage accumulates token counts of one participant.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	Calls            int `json:"calls"`
}

// Sampling is a role's model and sampling settings.
type Sampling struct {
	Model       string  `json:"model"`
	Temperature float32 `json:"temperature"`
	Seed        *int    `json:"seed,omitempty"`
	// MaxTokens bounds each answer (0: the server's default).
	MaxTokens int `json:"max_tokens,omitempty"`
}

// Agent is an LLM tool-calling agent (tau2's LLMAgent) over a Chat.
type Agent struct {
	Chat     Chat
	Sampling Sampling
	System   string
	Tools    []envs.OpenAITool
	Usage    Usage
	// RecordTraces asks the endpoint for token ids and log-probs on every
	// call and keeps each call's trace in Traces, in call order (token-mode
	// RL rollouts). A call whose response carried no trace records a zero
	// TokenTrace, so Traces[i] is always the i-th call's.
	RecordTraces bool
	Traces       []TokenTrace
}

// NewAgent builds the agent for env (its policy and agent tools).
func NewAgent(chat Chat, s Sampling, env *envs.Env) *Agent {
	tools := make([]envs.OpenAITool, 0)
	for _, t := range env.AgentTools() {
		tools = append(tools, t.OpenAI())
	}
	return &Agent{Chat: chat, Sampling: s, System: AgentSystemPrompt(env.Policy()), Tools: tools}
}

// Next implements episode.Participant.
func (a *Agent) Next(ctx context.Context, traj []envs.Message) (envs.Message, error) {
	msgs := []goopenai.ChatCompletionMessage{{Role: goopenai.ChatMessageRoleSystem, Content: a.System}}
	for _, m := range episode.VisibleToAgent(traj) {
		msgs = append(msgs, toOpenAI(m, false))
	}
	chat := a.Chat
	if a.RecordTraces {
		chat = agentChat{a}
	}
	return complete(ctx, chat, a.Sampling, msgs, a.Tools, envs.RoleAssistant, &a.Usage)
}

// agentChat asks for the token ids and log-probs of the agent's calls and
// records each call's trace (RecordTraces).
type agentChat struct{ a *Agent }

func (c agentChat) Complete(ctx context.Context, req Request) (Response, error) {
	req.ReturnTokenIDs, req.Logprobs = true, true
	resp, err := c.a.Chat.Complete(ctx, req)
	if err == nil {
		var tr TokenTrace
		if resp.Tokens != nil {
			tr = *resp.Tokens
		}
		c.a.Traces = append(c.a.Traces, tr)
	}
	return resp, err
}

// User is an LLM user simulator (tau2's UserSimulator) over a Chat: it sees
// the conversation with roles flipped and may call the user's own tools.
type User struct {
	Chat     Chat
	Sampling Sampling
	System   string
	Tools    []envs.OpenAITool
	Usage    Usage
}

// NewUser builds the user simulator for a task in env; guidelines are
// tau2's simulation guidelines (the tools variant when the user has tools).
func NewUser(chat Chat, s Sampling, env *envs.Env, task *envs.Task, guidelines string) *User {
	tools := make([]envs.OpenAITool, 0)
	for _, t := range env.UserToolList() {
		tools = append(tools, t.OpenAI())
	}
	return &User{Chat: chat, Sampling: s, System: UserSystemPrompt(guidelines, task.UserScenario), Tools: tools}
}

// Next implements episode.Participant.
func (u *User) Next(ctx context.Context, traj []envs.Message) (envs.Message, error) {
	msgs := []goopenai.ChatCompletionMessage{{Role: goopenai.ChatMessageRoleSystem, Content: u.System}}
	for _, m := range episode.VisibleToUser(traj) {
		msgs = append(msgs, toOpenAI(m, true))
	}
	return complete(ctx, u.Chat, u.Sampling, msgs, u.Tools, envs.RoleUser, &u.Usage)
}

func complete(ctx context.Context, chat Chat, s Sampling, msgs []goopenai.ChatCompletionMessage, tools []envs.OpenAITool, role envs.Role, usage *Usage) (envs.Message, error) {
	req := Request{Model: s.Model, Messages: msgs, Temperature: s.Temperature, Seed: s.Seed, MaxTokens: s.MaxTokens}
	for _, t := range tools {
		req.Tools = append(req.Tools, goopenai.Tool{Type: goopenai.ToolTypeFunction, Function: &goopenai.FunctionDefinition{
			Name: t.Function.Name, Description: t.Function.Description, Parameters: t.Function.Parameters,
		}})
	}
	resp, err := chat.Complete(ctx, req)
	if err != nil {
		return envs.Message{}, err
	}
	usage.PromptTokens += resp.Usage.PromptTokens
	usage.CompletionTokens += resp.Usage.CompletionTokens
	usage.Calls++
	return FromOpenAI(resp.Message, role), nil
}

// FromOpenAI converts a model reply into a trajectory message. Tool-call
// arguments that are not a JSON object are kept as a JSON string, so the
// environment reports them back as a tool error the model can recover from
// (and the trajectory stays valid JSON). When a reply has both text and
// tool calls, the tool calls win, as tau2 keeps messages single-purpose.
func FromOpenAI(m goopenai.ChatCompletionMessage, role envs.Role) envs.Message {
	out := envs.Message{Role: role, Content: m.Content}
	for _, tc := range m.ToolCalls {
		args := json.RawMessage(tc.Function.Arguments)
		if !isObject(args) {
			b, _ := json.Marshal(tc.Function.Arguments)
			args = b
		}
		out.ToolCalls = append(out.ToolCalls, envs.ToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: args})
	}
	if len(out.ToolCalls) > 0 {
		out.Content = ""
	}
	return out
}

func isObject(b json.RawMessage) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal(b, &m) == nil && m != nil
}

// toOpenAI converts a trajectory message; flip swaps user and assistant for
// the user simulator's view.
func toOpenAI(m envs.Message, flip bool) goopenai.ChatCompletionMessage {
	role := string(m.Role)
	if flip {
		switch m.Role {
		case envs.RoleUser:
			role = goopenai.ChatMessageRoleAssistant
		case envs.RoleAssistant:
			role = goopenai.ChatMessageRoleUser
		}
	}
	if m.Role == envs.RoleTool {
		return goopenai.ChatCompletionMessage{Role: goopenai.ChatMessageRoleTool, Content: m.Content, ToolCallID: m.ID}
	}
	out := goopenai.ChatCompletionMessage{Role: role, Content: m.Content}
	for _, tc := range m.ToolCalls {
		out.ToolCalls = append(out.ToolCalls, goopenai.ToolCall{ID: tc.ID, Type: goopenai.ToolTypeFunction,
			Function: goopenai.FunctionCall{Name: tc.Name, Arguments: argString(tc.Arguments)}})
	}
	return out
}

func argString(a json.RawMessage) string {
	var s string
	if json.Unmarshal(a, &s) == nil {
		return s // malformed arguments were kept as a string; send back what the model wrote
	}
	if len(a) == 0 {
		return "{}"
	}
	return string(a)
}

// Describe returns a short description of a participant for logs and reports.
func Describe(s Sampling) string { return fmt.Sprintf("%s@T=%g", s.Model, s.Temperature) }

// FineTuneRecord is one line of OpenAI's chat fine-tuning JSONL format.
type FineTuneRecord struct {
	Messages []goopenai.ChatCompletionMessage `json:"messages"`
	Tools    []envs.OpenAITool                `json:"tools"`
}

// FineTuning renders an agent trajectory as a fine-tuning record: the
// agent's system prompt over policy, then the conversation as the agent saw
// it (stop tokens included), with the agent's tools.
func FineTuning(policy string, msgs []envs.Message, tools []envs.OpenAITool) FineTuneRecord {
	out := FineTuneRecord{Tools: tools}
	out.Messages = append(out.Messages, agentSystemMessage(policy))
	for _, m := range msgs {
		out.Messages = append(out.Messages, toOpenAI(m, false))
	}
	return out
}

// agentSystemMessage is the agent's system message over policy.
func agentSystemMessage(policy string) goopenai.ChatCompletionMessage {
	return goopenai.ChatCompletionMessage{Role: goopenai.ChatMessageRoleSystem, Content: AgentSystemPrompt(policy)}
}

// FineTuneEncoder encodes the FineTuning records of one policy and tool set
// as JSON, with the system prompt and the tools (most of each record's
// bytes) encoded once rather than once per record.
type FineTuneEncoder struct {
	head, tail []byte
}

// NewFineTuneEncoder prepares the encoding of FineTuning(policy, _, tools).
func NewFineTuneEncoder(policy string, tools []envs.OpenAITool) (*FineTuneEncoder, error) {
	sys, err := json.Marshal(agentSystemMessage(policy))
	if err != nil {
		return nil, err
	}
	t, err := json.Marshal(tools)
	if err != nil {
		return nil, err
	}
	e := &FineTuneEncoder{}
	e.head = append([]byte(`{"messages":[`), sys...)
	e.tail = append(append([]byte(`],"tools":`), t...), '}')
	return e, nil
}

// FineTuneMessages returns the JSON array of msgs as FineTuning records
// them, without the system message: the part of a record that differs
// between the dialogues of one policy and tool set, to be stored with a
// dialogue and made a record by FineTuneEncoder.Join.
func FineTuneMessages(msgs []envs.Message) ([]byte, error) {
	// Sized for the messages' text plus their JSON syntax, so a long
	// dialogue's array is not copied as it grows.
	n := 2
	for _, m := range msgs {
		n += len(m.Content) + 128
		for _, c := range m.ToolCalls {
			n += len(c.Name) + len(c.Arguments) + len(c.ID) + 96
		}
	}
	buf := make([]byte, 0, n+n/8)
	buf = append(buf, '[')
	for i, m := range msgs {
		b, err := json.Marshal(toOpenAI(m, false))
		if err != nil {
			return nil, err
		}
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, b...)
	}
	return append(buf, ']'), nil
}

// Join returns the record of messages (an array FineTuneMessages made) in
// pieces whose concatenation is the record's JSON, byte for byte what
// json.Marshal makes of FineTuning(policy, msgs, tools): the system prompt
// and tools shared by every record are not copied.
func (e *FineTuneEncoder) Join(messages []byte) ([][]byte, error) {
	m := bytes.TrimSpace(messages)
	if len(m) < 2 || m[0] != '[' || m[len(m)-1] != ']' {
		return nil, fmt.Errorf("llm: fine-tuning messages are not a JSON array")
	}
	inner := bytes.TrimSpace(m[1 : len(m)-1])
	if len(inner) == 0 {
		return [][]byte{e.head, e.tail}, nil
	}
	return [][]byte{e.head, []byte(","), inner, e.tail}, nil
}
