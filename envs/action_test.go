package envs

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestActionCompareArgsRoundTrip: tau2's compare_args survives decoding
// and encoding in its three forms — absent or null (compare every
// argument), [] (compare none), a list (compare those) — and matching
// follows it.
func TestActionCompareArgsRoundTrip(t *testing.T) {
	call := ToolCall{Name: "transfer_to_human_agents", Arguments: json.RawMessage(`{"summary": "the model's own words", "x": 1}`)}
	tests := []struct {
		name    string
		in      string
		encoded string // what compare_args encodes to ("" = absent)
		matches bool
	}{
		{"absent", `{"action_id":"a","name":"transfer_to_human_agents","arguments":{"summary":"gold words","x":1}}`, "", false},
		{"null", `{"action_id":"a","name":"transfer_to_human_agents","arguments":{"summary":"gold words","x":1},"compare_args":null}`, "", false},
		{"empty", `{"action_id":"a","name":"transfer_to_human_agents","arguments":{"summary":"gold words","x":1},"compare_args":[]}`, `"compare_args":[]`, true},
		{"listed", `{"action_id":"a","name":"transfer_to_human_agents","arguments":{"summary":"gold words","x":1},"compare_args":["x"]}`, `"compare_args":["x"]`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a Action
			if err := json.Unmarshal([]byte(tt.in), &a); err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(a)
			if err != nil {
				t.Fatal(err)
			}
			if tt.encoded == "" && strings.Contains(string(b), "compare_args") || tt.encoded != "" && !strings.Contains(string(b), tt.encoded) {
				t.Errorf("encoded %s, want compare_args %q", b, tt.encoded)
			}
			var back Action
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			for _, x := range []Action{a, back} {
				if got := x.Matches(call); got != tt.matches {
					t.Errorf("Matches = %v, want %v (after %s)", got, tt.matches, b)
				}
			}
		})
	}
}
