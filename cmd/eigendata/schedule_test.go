package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/eigendata/eigendata/infra/stack"
	"github.com/eigendata/eigendata/workers"
	"github.com/eigendata/eigendata/workflows"
)

// TestScheduleInstallListTrigger installs the nightly evolution schedule on
// the embedded server through the CLI, finds it through the SDK, triggers
// it and waits for the EvolveWorkflow it starts to complete.
func TestScheduleInstallListTrigger(t *testing.T) {
	ctx := context.Background()
	s, err := stack.Start(ctx, stack.Options{UIPort: -1, Pools: []workers.Pool{workers.CPU, workers.LLM}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, kv := range s.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	out, err := runCLI(t, "schedule", "install", "--cron", "0 3 * * *", "--domain", "gen-retail", "--pilot-count", "4", "--candidates", "1")
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	it, err := s.Client.ScheduleClient().List(ctx, client.ScheduleListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for deadline := time.Now().Add(30 * time.Second); !found && time.Now().Before(deadline); {
		for it.HasNext() {
			e, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			if e.ID == DefaultScheduleID && e.WorkflowType.Name == "EvolveWorkflow" && len(e.NextActionTimes) > 0 {
				found = true
			}
		}
		if !found { // the schedule list is eventually consistent
			time.Sleep(200 * time.Millisecond)
			if it, err = s.Client.ScheduleClient().List(ctx, client.ScheduleListOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !found {
		t.Fatal("schedule not listed through the SDK")
	}
	if out, err := runCLI(t, "schedule", "trigger"); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	h := s.Client.ScheduleClient().GetHandle(ctx, DefaultScheduleID)
	var started *client.ScheduleWorkflowExecution
	for deadline := time.Now().Add(30 * time.Second); started == nil && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		d, err := h.Describe(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range d.Info.RecentActions {
			if a.StartWorkflowResult != nil {
				started = a.StartWorkflowResult
			}
		}
	}
	if started == nil {
		t.Fatal("trigger started no workflow")
	}
	var res workflows.EvolveResult
	gctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	if err := s.Client.GetWorkflow(gctx, started.WorkflowID, started.FirstExecutionRunID).Get(gctx, &res); err != nil {
		t.Fatalf("triggered EvolveWorkflow: %v", err)
	}
	t.Logf("triggered run %s: %s", started.WorkflowID, res.Reason)
	if out, err := runCLI(t, "schedule", "pause"); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if d, err := h.Describe(ctx); err != nil || !d.Schedule.State.Paused {
		t.Errorf("schedule not paused: %v", err)
	}
}
