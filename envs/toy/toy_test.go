package toy

import (
	"context"
	"strings"
	"testing"

	"github.com/eigendata/eigendata/envs/sandbox"
)

// TestCountChecker runs the count set's checker on replies: the right
// number alone passes (in any wording), a wrong, missing or second number
// fails.
func TestCountChecker(t *testing.T) {
	task, err := Lookup("toy:count/count-0") // a spider: 8
	if err != nil {
		t.Fatal(err)
	}
	prog, err := sandbox.Compile(task.ID, task.Checker)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		reply string
		pass  bool
	}{
		{"8", true},
		{"A spider has 8 legs.", true},
		{" 8\n", true},
		{"8 legs, 8 eyes", true},
		{"18", false},
		{"8 or 10", false},
		{"eight", false},
		{"", false},
		{"Spiders have 2 body parts and 8 legs.", false},
	}
	for _, tt := range tests {
		transcript := []any{
			map[string]any{"role": "user", "content": task.User},
			map[string]any{"role": "assistant", "content": tt.reply},
		}
		v := prog.Check(context.Background(), task.State, transcript, sandbox.DefaultLimits())
		if v.Err != "" {
			t.Fatalf("%q: checker error %s", tt.reply, v.Err)
		}
		if v.Pass != tt.pass {
			t.Errorf("%q: pass %v (%s), want %v", tt.reply, v.Pass, v.Reason, tt.pass)
		}
	}
}

func TestKeysAndLookup(t *testing.T) {
	keys, err := Keys("toy:count")
	if err != nil || len(keys) != 8 {
		t.Fatalf("keys %v, %v", keys, err)
	}
	seen := map[string]bool{}
	for _, k := range keys {
		if !IsKey(k) {
			t.Errorf("%s is not a toy key", k)
		}
		task, err := Lookup(k)
		if err != nil {
			t.Fatal(err)
		}
		if seen[task.ID] || task.User == "" || task.State["answer"] == nil {
			t.Errorf("task %+v", task)
		}
		seen[task.ID] = true
	}
	for _, bad := range []string{"toy:nope", "count", "toy:count/none", "toy:count"} {
		if _, err := Lookup(bad); err == nil {
			t.Errorf("Lookup(%q) succeeded", bad)
		}
	}
	if _, err := Keys("toy:nope"); err == nil || !strings.Contains(err.Error(), "count") {
		t.Errorf("unknown set: %v", err)
	}
}
