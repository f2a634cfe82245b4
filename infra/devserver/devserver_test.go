package devserver

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

func greet(ctx workflow.Context, name string) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	var out string
	err := workflow.ExecuteActivity(ctx, hello, name).Get(ctx, &out)
	return out, err
}

func hello(_ context.Context, name string) (string, error) { return "hello " + name, nil }

func TestDevServerRunsWorkflowsServesUIAndPersists(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "temporal.db")
	sa := map[string]enumspb.IndexedValueType{"EigenDomain": enumspb.INDEXED_VALUE_TYPE_KEYWORD}
	start := time.Now()
	s, err := Start(ctx, Options{DBFile: db, SearchAttributes: sa})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("server + UI up in %s at %s, UI %s", time.Since(start), s.HostPort(), s.UIURL())
	c, err := client.Dial(client.Options{HostPort: s.HostPort(), Namespace: s.Namespace()})
	if err != nil {
		t.Fatal(err)
	}
	w := worker.New(c, "q", worker.Options{})
	w.RegisterWorkflow(greet)
	w.RegisterActivity(hello)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "greet-1", TaskQueue: "q",
		TypedSearchAttributes: temporal.NewSearchAttributes(temporal.NewSearchAttributeKeyKeyword("EigenDomain").ValueSet("airline"))}, greet, "dev")
	if err != nil {
		t.Fatal(err)
	}
	var out string
	if err := run.Get(ctx, &out); err != nil || out != "hello dev" {
		t.Fatalf("result %q, %v", out, err)
	}
	resp, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: s.Namespace()})
	if err != nil || resp.CustomAttributes["EigenDomain"] != enumspb.INDEXED_VALUE_TYPE_KEYWORD {
		t.Errorf("search attribute not registered: %v %v", resp, err)
	}
	r, err := http.Get(s.UIURL())
	if err != nil || r.StatusCode != http.StatusOK {
		t.Fatalf("UI: %v %v", r, err)
	}
	r.Body.Close()
	w.Stop()
	c.Close()
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}

	// Restart on the same file: the finished workflow is still there.
	s2, err := Start(ctx, Options{DBFile: db, SearchAttributes: sa, UIPort: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Stop()
	c2, err := client.Dial(client.Options{HostPort: s2.HostPort(), Namespace: s2.Namespace()})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	desc, err := c2.DescribeWorkflowExecution(ctx, "greet-1", "")
	if err != nil {
		t.Fatalf("history lost across restart: %v", err)
	}
	if st := desc.WorkflowExecutionInfo.Status; st != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
		t.Errorf("status after restart %v", st)
	}
}

// In memory, visibility lives in its own journal-less database with most
// indexes dropped; list queries on every kind of column must still answer.
func TestMemoryVisibilityAnswersListQueries(t *testing.T) {
	ctx := context.Background()
	sa := map[string]enumspb.IndexedValueType{"EigenDomain": enumspb.INDEXED_VALUE_TYPE_KEYWORD}
	s, err := Start(ctx, Options{SearchAttributes: sa, UIPort: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	c, err := client.Dial(client.Options{HostPort: s.HostPort(), Namespace: s.Namespace()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	w := worker.New(c, "q", worker.Options{})
	w.RegisterWorkflow(greet)
	w.RegisterActivity(hello)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	for i, domain := range []string{"airline", "retail", "airline"} {
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: fmt.Sprintf("greet-%d", i), TaskQueue: "q",
			TypedSearchAttributes: temporal.NewSearchAttributes(temporal.NewSearchAttributeKeyKeyword("EigenDomain").ValueSet(domain))}, greet, domain)
		if err != nil {
			t.Fatal(err)
		}
		if err := run.Get(ctx, nil); err != nil {
			t.Fatal(err)
		}
	}

	db, err := openVisibility(s.visibilityDB)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	indexes, err := visibilityIndexNames(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"by_status", "by_workflow_id", "by_workflow_type", "default_idx"}; fmt.Sprint(indexes) != fmt.Sprint(want) {
		t.Errorf("visibility indexes %v, want %v", indexes, want)
	}

	for _, tc := range []struct {
		query string
		want  int
	}{
		{"", 3},
		{"WorkflowType = 'greet' AND ExecutionStatus = 'Completed'", 3},
		{"EigenDomain = 'airline'", 2},
		{"WorkflowId = 'greet-1'", 1},
		{"TaskQueue = 'q' AND EigenDomain = 'retail'", 1},
		{"BuildIds = 'unversioned'", 3}, // a keyword list, answered by the full-text table
		{"ExecutionStatus = 'Running'", 0},
	} {
		t.Run(tc.query, func(t *testing.T) {
			var got int
			deadline := time.Now().Add(10 * time.Second)
			for {
				resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: s.Namespace(), Query: tc.query})
				if err != nil {
					t.Fatal(err)
				}
				// Visibility is written asynchronously: wait for the records.
				if got = len(resp.Executions); got == tc.want || time.Now().After(deadline) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			if got != tc.want {
				t.Errorf("%q: %d executions, want %d", tc.query, got, tc.want)
			}
		})
	}
}
