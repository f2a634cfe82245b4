package activities

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// beating holds heartbeat(ctx) open for 250 ms.
func beating(ctx context.Context) error {
	stop := heartbeat(ctx)
	defer stop()
	time.Sleep(250 * time.Millisecond)
	return nil
}

// TestHeartbeatFollowsTimeout: an activity with a heartbeat timeout beats
// at a third of it; one without (none set, or a local activity) never does.
func TestHeartbeatFollowsTimeout(t *testing.T) {
	for _, tc := range []struct {
		name    string
		timeout time.Duration
		local   bool
		beats   bool
	}{
		{"timeout 300ms", 300 * time.Millisecond, false, true},
		{"no timeout", 0, false, false},
		{"local activity", 0, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s testsuite.WorkflowTestSuite
			env := s.NewTestWorkflowEnvironment()
			var beats atomic.Int32
			env.SetOnActivityHeartbeatListener(func(*activity.Info, converter.EncodedValues) { beats.Add(1) })
			env.RegisterActivity(beating)
			env.ExecuteWorkflow(func(ctx workflow.Context) error {
				if tc.local {
					ctx = workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: 5 * time.Second})
					return workflow.ExecuteLocalActivity(ctx, beating).Get(ctx, nil)
				}
				ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 5 * time.Second, HeartbeatTimeout: tc.timeout})
				return workflow.ExecuteActivity(ctx, beating).Get(ctx, nil)
			})
			if err := env.GetWorkflowError(); err != nil {
				t.Fatal(err)
			}
			if got := beats.Load() > 0; got != tc.beats {
				t.Errorf("%d heartbeats in 250 ms, want beating=%v", beats.Load(), tc.beats)
			}
		})
	}
}
