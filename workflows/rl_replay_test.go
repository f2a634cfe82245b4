package workflows

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// TestReplayRLHistories replays recorded RLWorkflow runs (one iteration
// each, on the embedded server with the fake trainer and a scripted
// policy): rl-legacy.json was recorded by the code before token-mode
// rollouts (its weight sync passes the WeightSync and the checkpoint as
// two arguments), rl-v1.json by the code at GetVersion(rl-token-mode) 1
// (weight sync to a policy server). Both must replay against the current
// code.
func TestReplayRLHistories(t *testing.T) {
	files, err := filepath.Glob("testdata/rl/*.json")
	if err != nil || len(files) < 2 {
		t.Fatalf("recorded RL histories: %v %v", files, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			r.RegisterWorkflow(RLWorkflow)
			r.RegisterWorkflow(EvalWorkflow)
			fh, err := os.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			defer fh.Close()
			hist, err := client.HistoryFromJSON(fh, client.HistoryJSONOptions{})
			if err != nil {
				t.Fatal(err)
			}
			id := strings.TrimSuffix(filepath.Base(f), ".json")
			if err := r.ReplayWorkflowHistoryWithOptions(nil, hist, worker.ReplayWorkflowHistoryOptions{OriginalExecution: workflow.Execution{ID: id}}); err != nil {
				t.Fatal(err)
			}
		})
	}
}
