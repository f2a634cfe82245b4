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

// TestReplayRecordedHistories replays histories recorded on the embedded
// server (refresh with EIGENDATA_RECORD_HISTORY=$PWD/workflows/testdata
// go test ./infra/stack -run 'EvalWorkflowAirline|SynthesisWorkflowOffline'):
// EvalWorkflow on tau2 airline, SynthesisWorkflow and one InstanceWorkflow.
// A change that would break running executions fails here; guard such
// changes with workflow.GetVersion.
func TestReplayRecordedHistories(t *testing.T) {
	replayAll(t, "testdata/*.json", 3, EvalWorkflow, SynthesisWorkflow, InstanceWorkflow)
}

// TestReplayRLHistories replays recorded RLWorkflow runs (one iteration
// each, on the embedded server with the fake trainer and a scripted
// policy): rl-legacy.json was recorded by the code before token-mode
// rollouts (its weight sync passes the WeightSync and the checkpoint as
// two arguments), rl-v1.json by the code at GetVersion(rl-token-mode) 1
// (weight sync to a policy server). Both must replay against the current
// code.
func TestReplayRLHistories(t *testing.T) {
	replayAll(t, "testdata/rl/*.json", 2, RLWorkflow, EvalWorkflow)
}

// replayAll replays every history matching glob (at least min of them)
// against the workflows given. A file is named for its workflow id, with
// "__" for "/".
func replayAll(t *testing.T, glob string, min int, wfs ...any) {
	t.Helper()
	files, err := filepath.Glob(glob)
	if err != nil || len(files) < min {
		t.Fatalf("recorded histories %s: %v %v", glob, files, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			for _, wf := range wfs {
				r.RegisterWorkflow(wf)
			}
			fh, err := os.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			defer fh.Close()
			hist, err := client.HistoryFromJSON(fh, client.HistoryJSONOptions{})
			if err != nil {
				t.Fatal(err)
			}
			id := strings.ReplaceAll(strings.TrimSuffix(filepath.Base(f), ".json"), "__", "/")
			if err := r.ReplayWorkflowHistoryWithOptions(nil, hist, worker.ReplayWorkflowHistoryOptions{OriginalExecution: workflow.Execution{ID: id}}); err != nil {
				t.Fatal(err)
			}
		})
	}
}
