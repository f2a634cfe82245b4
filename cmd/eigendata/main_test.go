package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eigendata/eigendata/envs/tau2data"
)

func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := dispatch(context.Background(), args, &out)
	return out.String(), err
}

func lines(s string) []string { return strings.Split(strings.TrimSpace(s), "\n") }

func TestEnvReplay(t *testing.T) {
	data := tau2data.ForTest(t)
	actions := filepath.Join(t.TempDir(), "calls.json")
	os.WriteFile(actions, []byte(`[
		{"name": "get_order_details", "arguments": {"order_id": "#W0000000"}, "requestor": "assistant"},
		{"name": "find_user_id_by_email", "arguments": {"email": "noah.brown7922@example.com"}}
	]`), 0o644)
	out, err := runCLI(t, "env", "replay", "--domain", "retail", "--tau2-data", data, "--actions", actions)
	if err != nil {
		t.Fatal(err)
	}
	ls := lines(out)
	if len(ls) != 3 {
		t.Fatalf("want 3 lines, got %q", out)
	}
	want := []string{
		`{"name":"get_order_details","output":"Error: Order not found","error":true}`,
		`{"name":"find_user_id_by_email","output":"noah_brown_6181","error":false}`,
	}
	for i, w := range want {
		if ls[i] != w {
			t.Errorf("line %d = %s, want %s", i, ls[i], w)
		}
	}
	var last map[string]string
	if err := json.Unmarshal([]byte(ls[2]), &last); err != nil || len(last["state_hash"]) != 64 {
		t.Errorf("last line %q", ls[2])
	}
}

func TestEvalGoldSummary(t *testing.T) {
	out, err := runCLI(t, "eval", "gold", "--domain", "airline", "--tau2-data", tau2data.ForTest(t))
	if err != nil {
		t.Fatal(err)
	}
	ls := lines(out)
	if len(ls) != 51 {
		t.Fatalf("want 50 task lines and a summary, got %d", len(ls))
	}
	var sum goldSummary
	if err := json.Unmarshal([]byte(ls[50]), &sum); err != nil {
		t.Fatal(err)
	}
	if sum != (goldSummary{Domain: "airline", Tasks: 50, Scored: 50, Passed: 50}) {
		t.Errorf("summary %+v", sum)
	}
}

func TestEnvToolsAndErrors(t *testing.T) {
	out, err := runCLI(t, "env", "tools", "--domain", "gen-retail")
	if err != nil {
		t.Fatal(err)
	}
	var tools []struct {
		Type     string `json:"type"`
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	}
	if err := json.Unmarshal([]byte(out), &tools); err != nil || len(tools) == 0 || tools[0].Type != "function" {
		t.Fatalf("tools output: %v %.200s", err, out)
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"env", "tools"}, "--domain is required"},
		{[]string{"env", "tools", "--domain", "banking"}, "unknown domain"},
		{[]string{"env", "tools", "--domain", "airline", "--tau2-data", "/nonexistent"}, "tau2 data directory"},
		{[]string{"env", "replay", "--domain", "airline"}, "--actions is required"},
		{[]string{"frobnicate"}, "unknown command"},
	}
	for _, c := range cases {
		if _, err := runCLI(t, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.args, err, c.want)
		}
	}
}
