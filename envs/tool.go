// Package envs is eigendata's tool-environment framework: domains (database
// state, policy, agent and user tools with OpenAI tool schemas), environments
// that execute tool calls and return exactly the strings tau2-bench's agents
// see, tau2 task and message types, and canonical state hashing. It is a
// plain library with no Temporal dependency.
package envs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/eigendata/eigendata/envs/pyjson"
)

// Requestor says who makes a tool call: the assistant (agent) or the user.
type Requestor string

// The two requestors of tau2.
const (
	Assistant Requestor = "assistant"
	User      Requestor = "user"
)

// ToolType is tau2's conceptual classification of a tool.
type ToolType string

// Tool types, as tau2's ToolType.
const (
	Read    ToolType = "read"
	Write   ToolType = "write"
	Think   ToolType = "think"
	Generic ToolType = "generic"
)

// Func is the implementation of a tool or environment function: it receives
// the environment's state and the call's JSON arguments (an object) and
// returns a value rendered as tau2 renders tool results, or an error whose
// message tau2 would show after "Error: ".
type Func func(s State, args json.RawMessage) (any, error)

// Tool is one callable tool of a domain.
type Tool struct {
	// Name is the function name the model calls.
	Name string
	// Description is the tool's docstring description (short + long).
	Description string
	// Type is the tool's conceptual type.
	Type ToolType
	// Mutates reports whether the tool can change state (tau2's mutates_state);
	// only mutating calls are replayed when rebuilding a trajectory's state.
	Mutates bool
	// Parameters is the JSON schema of the arguments object (pydantic style).
	Parameters json.RawMessage
	// Fn implements the tool.
	Fn Func

	params   []string
	required []string
}

// NewTool builds a tool; params is the JSON schema of its arguments, whose
// "properties" order is the Python signature order. Mutates defaults to
// Type == Write, as in tau2; use WithMutates to override.
func NewTool(name string, typ ToolType, description, params string, fn Func) *Tool {
	t := &Tool{Name: name, Description: description, Type: typ, Mutates: typ == Write, Parameters: json.RawMessage(params), Fn: fn}
	var schema struct {
		Properties pyjson.OrderedMap[json.RawMessage] `json:"properties"`
		Required   []string                           `json:"required"`
	}
	if err := json.Unmarshal([]byte(params), &schema); err != nil {
		panic(fmt.Sprintf("envs: tool %s: bad parameter schema: %v", name, err))
	}
	t.params = append([]string(nil), schema.Properties.Keys()...)
	t.required = schema.Required
	return t
}

// WithMutates overrides whether the tool mutates state and returns t.
func (t *Tool) WithMutates(m bool) *Tool {
	t.Mutates = m
	return t
}

// OpenAI returns the tool in OpenAI tool-calling format:
// {"type":"function","function":{"name","description","parameters"}}.
func (t *Tool) OpenAI() OpenAITool {
	return OpenAITool{Type: "function", Function: OpenAIFunction{Name: t.Name, Description: t.Description, Parameters: t.Parameters}}
}

// OpenAITool is a tool definition in OpenAI's chat-completions format.
type OpenAITool struct {
	Type     string         `json:"type"`
	Function OpenAIFunction `json:"function"`
}

// OpenAIFunction is the function part of an OpenAITool.
type OpenAIFunction struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Parameters  json.RawMessage `json:"parameters"`
}

// checkArgs reproduces the TypeError Python raises when a method is called
// with unexpected or missing keyword arguments.
func checkArgs(class, name string, params, required []string, args json.RawMessage) error {
	keys, err := objectKeys(args)
	if err != nil {
		return err
	}
	known := make(map[string]bool, len(params))
	for _, p := range params {
		known[p] = true
	}
	given := make(map[string]bool, len(keys))
	for _, k := range keys {
		if !known[k] {
			return fmt.Errorf("%s.%s() got an unexpected keyword argument '%s'", class, name, k)
		}
		given[k] = true
	}
	var missing []string
	for _, r := range required {
		if !given[r] {
			missing = append(missing, "'"+r+"'")
		}
	}
	if len(missing) == 0 {
		return nil
	}
	plural := "argument"
	if len(missing) > 1 {
		plural = "arguments"
	}
	return fmt.Errorf("%s.%s() missing %d required positional %s: %s", class, name, len(missing), plural, pyJoin(missing))
}

// pyJoin joins names as CPython's argument errors do: 'a', 'a' and 'b', 'a', 'b', and 'c'.
func pyJoin(items []string) string {
	switch len(items) {
	case 1:
		return items[0]
	case 2:
		return items[0] + " and " + items[1]
	}
	return strings.Join(items[:len(items)-1], ", ") + ", and " + items[len(items)-1]
}

func objectKeys(args json.RawMessage) ([]string, error) {
	if len(bytes.TrimSpace(args)) == 0 {
		return nil, nil
	}
	var m pyjson.OrderedMap[json.RawMessage]
	if err := json.Unmarshal(args, &m); err != nil {
		return nil, fmt.Errorf("arguments must be a JSON object: %w", err)
	}
	return m.Keys(), nil
}

// Bind adapts a typed function to a Func: the arguments object is decoded
// into A (an argument struct with json tags) and the state asserted to S.
func Bind[S State, A any](fn func(s S, a A) (any, error)) Func {
	return func(st State, raw json.RawMessage) (any, error) {
		var a A
		if len(bytes.TrimSpace(raw)) > 0 {
			if err := json.Unmarshal(raw, &a); err != nil {
				var te *json.UnmarshalTypeError
				if errors.As(err, &te) {
					return nil, fmt.Errorf("invalid type for argument '%s': expected %s, got JSON %s", te.Field, te.Type, te.Value)
				}
				return nil, fmt.Errorf("invalid arguments: %w", err)
			}
		}
		return fn(st.(S), a)
	}
}

// Render turns a tool's return value into the string tau2 shows the agent,
// as Environment.to_json_str does: a string is returned as it is; otherwise
// the value is processed and JSON-encoded, so a bare int 3 becomes "\"3\""
// and True "\"True\"", exactly as tau2 emits them;
// Python containers (Go slices, maps and pyjson.OrderedMap[any]) are walked
// and every number or boolean inside them becomes its Python str() text,
// while models (Go structs and other pyjson.Marshalers) are dumped as they
// are; the result is encoded with Python's json.dumps.
func Render(v any) (string, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	return pyjson.Marshal(process(reflect.ValueOf(v)))
}

var orderedAnyType = reflect.TypeFor[pyjson.OrderedMap[any]]()

func process(v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	if v.Type() == orderedAnyType {
		m := v.Interface().(pyjson.OrderedMap[any])
		var out pyjson.OrderedMap[any]
		for _, k := range m.Keys() {
			x, _ := m.Get(k)
			out.Set(k, process(reflect.ValueOf(x)))
		}
		return out
	}
	switch v.Kind() {
	case reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return process(v.Elem())
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		if v.Elem().Type() == orderedAnyType {
			return process(v.Elem())
		}
		return v.Interface()
	case reflect.String:
		return v.String()
	case reflect.Bool:
		if v.Bool() {
			return "True"
		}
		return "False"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Float32, reflect.Float64:
		return pyjson.FormatFloat(v.Float())
	case reflect.Slice, reflect.Array:
		if v.Type() == reflect.TypeFor[json.RawMessage]() {
			return v.Interface()
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = process(v.Index(i))
		}
		return out
	case reflect.Map:
		var out pyjson.OrderedMap[any]
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		for _, k := range keys {
			out.Set(k.String(), process(v.MapIndex(k)))
		}
		return out
	}
	return v.Interface()
}
