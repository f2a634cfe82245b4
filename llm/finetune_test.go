package llm_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/llm"
)

// TestFineTuneEncoderMatchesMarshal: the records the encoder joins from
// FineTuneMessages are byte for byte json.Marshal of FineTuning's.
func TestFineTuneEncoderMatchesMarshal(t *testing.T) {
	tools := []envs.OpenAITool{{Type: "function", Function: envs.OpenAIFunction{Name: "increment", Description: "Add <by> & more.",
		Parameters: json.RawMessage("{\n  \"type\": \"object\",\n  \"properties\": {\"by\": {\"type\": \"integer\"}}\n}")}}}
	call := envs.Message{Role: envs.RoleAssistant, ToolCalls: []envs.ToolCall{{ID: "c1", Name: "increment", Arguments: json.RawMessage(`{"by": 2}`)}}}
	for _, tc := range []struct {
		name   string
		policy string
		tools  []envs.OpenAITool
		msgs   []envs.Message
	}{
		{"empty", "Be kind.", tools, nil},
		{"no tools", "Be kind.", nil, []envs.Message{{Role: envs.RoleUser, Content: "hi"}}},
		{"dialogue", "Policy with \"quotes\", <html> & unicode é\n", tools, []envs.Message{
			{Role: envs.RoleUser, Content: "Add two <please>.", Turn: 0},
			call,
			{Role: envs.RoleTool, ID: "c1", Content: "2", Turn: 2},
			{Role: envs.RoleAssistant, Content: "Done: 2. ###STOP###", Turn: 3},
			// Malformed arguments are kept as a JSON string.
			{Role: envs.RoleAssistant, ToolCalls: []envs.ToolCall{{ID: "c2", Name: "increment", Arguments: json.RawMessage(`"{by: 2"`)}}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, err := json.Marshal(llm.FineTuning(tc.policy, tc.msgs, tc.tools))
			if err != nil {
				t.Fatal(err)
			}
			enc, err := llm.NewFineTuneEncoder(tc.policy, tc.tools)
			if err != nil {
				t.Fatal(err)
			}
			// The stored messages, made a record by Join (as a dataset
			// shard is written).
			msgs, err := llm.FineTuneMessages(tc.msgs)
			if err != nil {
				t.Fatal(err)
			}
			if !json.Valid(msgs) {
				t.Fatalf("FineTuneMessages: invalid JSON %s", msgs)
			}
			parts, err := enc.Join(msgs)
			if err != nil {
				t.Fatal(err)
			}
			if joined := bytes.Join(parts, nil); !bytes.Equal(joined, want) {
				t.Errorf("Join(FineTuneMessages):\n%s\njson.Marshal:\n%s", joined, want)
			}
		})
	}
}

// TestFineTuneJoinRejectsNonArray: Join takes only a JSON array.
func TestFineTuneJoinRejectsNonArray(t *testing.T) {
	enc, err := llm.NewFineTuneEncoder("p", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{"", "{}", `"[]"`, "[", "null"} {
		if _, err := enc.Join([]byte(in)); err == nil {
			t.Errorf("Join(%q) = nil error, want one", in)
		}
	}
	for _, in := range []string{"[]", " [ ] ", `[{"role":"user","content":"hi"}]`} {
		if _, err := enc.Join([]byte(in)); err != nil {
			t.Errorf("Join(%q): %v", in, err)
		}
	}
}
