package workflows

import (
	"testing"

	"go.temporal.io/sdk/worker"
)

// TestReplayRecordedEvalHistory replays an EvalWorkflow history recorded on
// the embedded server (tau2 airline test split, 2 trials, offline; refresh
// with EIGENDATA_RECORD_HISTORY=$PWD/workflows/testdata/eval_airline_history.json
// go test ./infra/stack -run Airline). A change to EvalWorkflow that would
// break running executions fails here; guard such changes with
// workflow.GetVersion.
func TestReplayRecordedEvalHistory(t *testing.T) {
	r := worker.NewWorkflowReplayer()
	r.RegisterWorkflow(EvalWorkflow)
	if err := r.ReplayWorkflowHistoryFromJSONFile(nil, "testdata/eval_airline_history.json"); err != nil {
		t.Fatal(err)
	}
}
