package synthesis

import (
	"encoding/json"
	"testing"

	"github.com/eigendata/eigendata/envs"
)

// TestCheckDialogueWeakModelOutput: each kind of unusable model output
// gets its own reason code.
func TestCheckDialogueWeakModelOutput(t *testing.T) {
	sc := Scenario{UserID: "mia_li_3668"}
	known := func(name string) bool { return name == "get_user_details" }
	identified := envs.Message{Role: envs.RoleUser, Content: "I am mia_li_3668"}
	call := func(name, args string) envs.Message {
		return envs.Message{Role: envs.RoleAssistant, ToolCalls: []envs.ToolCall{{Name: name, Arguments: json.RawMessage(args)}}}
	}
	tests := []struct {
		name        string
		msgs        []envs.Message
		termination string
		errText     string
		want        string
	}{
		{"good", []envs.Message{identified, call("get_user_details", `{"user_id":"mia_li_3668"}`)}, "user_stop", "", ""},
		{"unknown tool", []envs.Message{identified, call("delete_everything", `{}`)}, "user_stop", "", ReasonDialogueUnknownTool},
		{"malformed arguments", []envs.Message{identified, call("get_user_details", `"{user_id: mia}"`)}, "user_stop", "", ReasonDialogueInvalidCall},
		{"tool call as text", []envs.Message{identified, {Role: envs.RoleAssistant, Content: `<tool_call>{"name": get_user}`}}, "user_stop", "", ReasonDialogueUnparsedCall},
		{"empty answer", []envs.Message{identified}, "agent_error", "assistant sent an empty message", ReasonDialogueEmptyAnswer},
		{"empty user answer", []envs.Message{identified}, "user_error", "user sent an empty message", ReasonDialogueEmptyAnswer},
		{"context overflow", []envs.Message{identified}, "agent_error",
			"error, status code: 400, status: 400 Bad Request, message: the prompt is 20000 tokens; the model's context is 16384", ReasonDialogueContext},
		{"other model failure", []envs.Message{identified}, "agent_error", "chat completion: connection refused", ReasonDialogueModelError},
		{"max steps", []envs.Message{identified}, "max_steps", "", ReasonDialogueMaxSteps},
		{"never identified", []envs.Message{{Role: envs.RoleUser, Content: "hello"}}, "user_stop", "", ReasonDialogueNotAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, detail := CheckDialogue(sc, tt.msgs, tt.termination, tt.errText, known)
			if got != tt.want {
				t.Errorf("reason %q (%s), want %q", got, detail, tt.want)
			}
		})
	}
	codes := map[string]bool{}
	for _, c := range ReasonCodes() {
		codes[c] = true
	}
	for _, tt := range tests {
		if tt.want != "" && !codes[tt.want] {
			t.Errorf("%s is not listed by ReasonCodes", tt.want)
		}
	}
}
