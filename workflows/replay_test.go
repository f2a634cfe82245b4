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
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) < 3 {
		t.Fatalf("recorded histories: %v %v", files, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			r.RegisterWorkflow(EvalWorkflow)
			r.RegisterWorkflow(SynthesisWorkflow)
			r.RegisterWorkflow(InstanceWorkflow)
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
