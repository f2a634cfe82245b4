package envs

import (
	"encoding/json"
	"fmt"
	"sync"
)

// State is a domain's mutable database state (agent DB and, for domains where
// the user acts on their own device, the user DB).
type State interface {
	// Clone returns an independent copy; it must be cheap (copy-on-write).
	Clone() State
	// Hash returns canonical digests of the agent DB and the user DB ("" when
	// the domain has no user DB). Equal states have equal hashes.
	Hash() (agent, user string)
}

// Toolkit is one side's tools (assistant or user) plus the other functions
// tau2 tasks may call on that side by name (initialization actions and
// env assertions, tau2's run_env_function_call).
type Toolkit struct {
	// Class is the Python class name used in argument-error messages.
	Class string
	// Tools are the callable tools, in tau2's declaration order.
	Tools []*Tool
	// Funcs are extra functions callable by name from task initialization
	// actions and assertions; every tool is callable that way too.
	Funcs map[string]Func
	// FuncParams optionally declares the parameter names (and required
	// subset) of Funcs entries, for Python-style argument errors.
	FuncParams map[string]Signature

	once   sync.Once
	byName map[string]*Tool
}

func (k *Toolkit) index() {
	k.once.Do(func() {
		k.byName = make(map[string]*Tool, len(k.Tools))
		for _, t := range k.Tools {
			k.byName[t.Name] = t
		}
	})
}

// Signature lists a function's parameters in order and which are required.
type Signature struct {
	Params   []string
	Required []string
}

// Tool returns the tool with the given name.
func (k *Toolkit) Tool(name string) (*Tool, bool) {
	if k == nil {
		return nil, false
	}
	k.index()
	t, ok := k.byName[name]
	return t, ok
}

// OpenAI returns the toolkit's tools in OpenAI format.
func (k *Toolkit) OpenAI() []OpenAITool {
	if k == nil {
		return nil
	}
	out := make([]OpenAITool, len(k.Tools))
	for i, t := range k.Tools {
		out[i] = t.OpenAI()
	}
	return out
}

// Domain describes one tool environment: its policy, toolkits and initial
// state. A Domain is immutable once built; NewEnv hands out fresh copies.
type Domain struct {
	// Name is the domain name (airline, retail, telecom, ...).
	Name string
	// Policy is the agent policy text.
	Policy string
	// SoloPolicy is the policy used in solo mode, when the domain supports it.
	SoloPolicy string
	// Agent holds the assistant's tools.
	Agent *Toolkit
	// UserTools holds the user's own-device tools; nil when the user has none.
	UserTools *Toolkit
	// Initial is the pristine state; it is cloned, never mutated.
	Initial State
	// Sync, when set, runs after every tool call and env function
	// (tau2's Environment.sync_tools).
	Sync func(State) error

	mu     sync.Mutex
	primed bool
}

// NewEnv returns an environment on a fresh copy of the initial state. It is
// safe for concurrent use: the initial state's record digests are computed
// once, under a lock, before it is first shared, so clones only ever read
// the records they share.
func (d *Domain) NewEnv() *Env {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.primed {
		d.Initial.Hash()
		if d.Agent != nil {
			d.Agent.index()
		}
		if d.UserTools != nil {
			d.UserTools.index()
		}
		d.primed = true
	}
	return &Env{Domain: d, State: d.Initial.Clone()}
}

// NewSoloEnv returns a fresh environment in solo mode: the agent may call
// the user's tools too and the user makes no tool calls.
func (d *Domain) NewSoloEnv() (*Env, error) {
	if d.SoloPolicy == "" {
		return nil, fmt.Errorf("%s domain does not support solo mode", d.Name)
	}
	e := d.NewEnv()
	e.Solo = true
	return e, nil
}

// Env is a live environment: a domain plus its current state.
type Env struct {
	// Domain is the environment's domain.
	Domain *Domain
	// State is the current state.
	State State
	// Solo reports solo mode.
	Solo bool
}

// Clone returns an independent copy of the environment.
func (e *Env) Clone() *Env {
	return &Env{Domain: e.Domain, State: e.State.Clone(), Solo: e.Solo}
}

// Hash returns the agent-DB and user-DB hashes.
func (e *Env) Hash() (agent, user string) { return e.State.Hash() }

// StateHash returns one digest of both DBs.
func (e *Env) StateHash() string {
	a, u := e.State.Hash()
	if u == "" {
		return a
	}
	return Digest([]byte(a), []byte(u))
}

// Policy returns the policy the agent sees in the environment's mode.
func (e *Env) Policy() string {
	if e.Solo {
		return e.Domain.SoloPolicy
	}
	return e.Domain.Policy
}

// AgentTools returns the tools offered to the agent (in solo mode, the user's
// tools as well).
func (e *Env) AgentTools() []*Tool {
	tools := append([]*Tool(nil), e.Domain.Agent.Tools...)
	if e.Solo && e.Domain.UserTools != nil {
		tools = append(tools, e.Domain.UserTools.Tools...)
	}
	return tools
}

// UserToolList returns the tools offered to the user simulator (none in solo mode).
func (e *Env) UserToolList() []*Tool {
	if e.Solo || e.Domain.UserTools == nil {
		return nil
	}
	return e.Domain.UserTools.Tools
}

// resolve finds the tool a requestor's call refers to, with tau2's errors.
func (e *Env) resolve(name string, req Requestor) (*Toolkit, *Tool, error) {
	switch req {
	case User:
		if e.Solo {
			return nil, nil, fmt.Errorf("User tool calls are not allowed in solo mode")
		}
		if e.Domain.UserTools == nil {
			return nil, nil, fmt.Errorf("User tools not available")
		}
		t, ok := e.Domain.UserTools.Tool(name)
		if !ok {
			return nil, nil, fmt.Errorf("Tool '%s' not found.", name)
		}
		return e.Domain.UserTools, t, nil
	case Assistant, "":
		if e.Solo && e.Domain.UserTools != nil {
			if t, ok := e.Domain.UserTools.Tool(name); ok {
				return e.Domain.UserTools, t, nil
			}
		}
		if e.Domain.Agent == nil {
			return nil, nil, fmt.Errorf("Tools not available")
		}
		t, ok := e.Domain.Agent.Tool(name)
		if !ok {
			return nil, nil, fmt.Errorf("Tool '%s' not found.", name)
		}
		return e.Domain.Agent, t, nil
	}
	return nil, nil, fmt.Errorf("Invalid requestor: %s", req)
}

// HasTool reports whether name is a tool of either side.
func (e *Env) HasTool(name string) bool {
	if _, ok := e.Domain.Agent.Tool(name); ok {
		return true
	}
	_, ok := e.Domain.UserTools.Tool(name)
	return ok
}

// Mutates reports whether a call to name may change state (unknown tools are
// assumed to, as tau2 assumes).
func (e *Env) Mutates(name string) bool {
	if t, ok := e.Domain.Agent.Tool(name); ok {
		return t.Mutates
	}
	if t, ok := e.Domain.UserTools.Tool(name); ok {
		return t.Mutates
	}
	return true
}

// ToolTypeOf returns the tool type of name on either side.
func (e *Env) ToolTypeOf(name string) (ToolType, bool) {
	if t, ok := e.Domain.Agent.Tool(name); ok {
		return t.Type, true
	}
	if t, ok := e.Domain.UserTools.Tool(name); ok {
		return t.Type, true
	}
	return "", false
}

// Call executes a tool call (tau2's Environment.get_response): the result is
// the exact string the requestor sees, and Error reports a failed call whose
// content is "Error: <message>".
func (e *Env) Call(req Requestor, name string, args json.RawMessage) ToolResult {
	v, err := e.call(req, name, args)
	if err == nil && e.Domain.Sync != nil {
		err = e.Domain.Sync(e.State)
	}
	if err != nil {
		return ToolResult{Content: "Error: " + err.Error(), Error: true}
	}
	s, rerr := Render(v)
	if rerr != nil {
		return ToolResult{Content: "Error: " + rerr.Error(), Error: true}
	}
	return ToolResult{Content: s}
}

func (e *Env) call(req Requestor, name string, args json.RawMessage) (v any, err error) {
	kit, t, err := e.resolve(name, req)
	if err != nil {
		return nil, err
	}
	if err := checkArgs(kit.Class, t.Name, t.params, t.required, args); err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return t.Fn(e.State, args)
}

// ToolResult is a tool call's output as the requestor sees it.
type ToolResult struct {
	Content string `json:"content"`
	Error   bool   `json:"error"`
}

// RunFunc runs a named function of one side's toolkit (a tool or an extra
// function), then syncs, as tau2's run_env_function_call.
func (e *Env) RunFunc(side Requestor, name string, args json.RawMessage) (any, error) {
	kit := e.Domain.Agent
	if side == User {
		kit = e.Domain.UserTools
	}
	if kit == nil {
		return nil, fmt.Errorf("no %s toolkit in domain %s", side, e.Domain.Name)
	}
	var fn Func
	if t, ok := kit.Tool(name); ok {
		fn = t.Fn
		if err := checkArgs(kit.Class, t.Name, t.params, t.required, args); err != nil {
			return nil, err
		}
	} else if f, ok := kit.Funcs[name]; ok {
		fn = f
		if sig, ok := kit.FuncParams[name]; ok {
			if err := checkArgs(kit.Class, name, sig.Params, sig.Required, args); err != nil {
				return nil, err
			}
		}
	} else {
		return nil, fmt.Errorf("Function %s not found in %s tools", name, side)
	}
	v, err := fn(e.State, args)
	if err != nil {
		return nil, err
	}
	if e.Domain.Sync != nil {
		if err := e.Domain.Sync(e.State); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// RunAssertion evaluates an env assertion: the function must return a bool,
// compared with the assertion's expected value.
func (e *Env) RunAssertion(a EnvAssertion) (bool, error) {
	v, err := e.RunFunc(a.EnvType, a.FuncName, a.Arguments)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("Function %s returned %T instead of bool", a.FuncName, v)
	}
	return b == a.Expected(), nil
}

// Initialize applies a task's initial state: initialization actions and the
// mutating tool calls of its message history.
func (e *Env) Initialize(is *InitialState) error {
	if is == nil {
		return nil
	}
	if is.InitializationData != nil && (len(is.InitializationData.AgentData) > 0 && string(is.InitializationData.AgentData) != "null" ||
		len(is.InitializationData.UserData) > 0 && string(is.InitializationData.UserData) != "null") {
		return fmt.Errorf("initialization_data is not supported by domain %s", e.Domain.Name)
	}
	for _, a := range is.InitializationActions {
		if _, err := e.RunFunc(a.EnvType, a.FuncName, a.Arguments); err != nil {
			return fmt.Errorf("initialization action %s: %w", a.FuncName, err)
		}
	}
	if _, err := e.Replay(is.MessageHistory, false); err != nil {
		return fmt.Errorf("message history: %w", err)
	}
	return nil
}

// Replay re-executes the mutating tool calls of a trajectory on e, as tau2's
// Environment.set_state does: unknown and read-only tools are skipped, and
// with strict set a replayed output that differs from the recorded one is an
// error. It returns the number of calls replayed.
func (e *Env) Replay(msgs []Message, strict bool) (int, error) {
	n := 0
	for i := 0; i < len(msgs); i++ {
		m := msgs[i]
		if m.Role == RoleTool {
			return n, fmt.Errorf("Tool message not expected. Tool messages should always follow a tool call.")
		}
		if len(m.ToolCalls) == 0 {
			continue
		}
		for _, tc := range m.ToolCalls {
			i++
			if i >= len(msgs) {
				return n, fmt.Errorf("Tool message expected. Got None.")
			}
			tm := msgs[i]
			if tm.Role != RoleTool {
				return n, fmt.Errorf("Tool message expected. Got %s", tm.Role)
			}
			if tm.ID != tc.ID {
				return n, fmt.Errorf("Tool call id mismatch. Got %s and %s", tc.ID, tm.ID)
			}
			if !e.HasTool(tc.Name) || !e.Mutates(tc.Name) {
				continue
			}
			res := e.Call(tc.Requestor, tc.Name, tc.Arguments)
			n++
			if strict && !sameContent(res.Content, tm.Content) {
				return n, fmt.Errorf("replayed %s returned %q, recorded %q", tc.Name, res.Content, tm.Content)
			}
		}
	}
	return n, nil
}

func sameContent(a, b string) bool {
	if a == b {
		return true
	}
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}
