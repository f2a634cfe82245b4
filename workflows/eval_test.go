package workflows

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
)

type fakeEval struct {
	mu       sync.Mutex
	episodes map[string]int
	failTask string
}

func (f *fakeEval) prepare(_ context.Context, in EvalInput) (EvalPrepareOutput, error) {
	return EvalPrepareOutput{TaskIDs: []string{"a", "b", "c"}}, nil
}

func (f *fakeEval) episode(_ context.Context, in EpisodeInput) (EpisodeOutput, error) {
	f.mu.Lock()
	f.episodes[in.TaskID+"#"+string(rune('0'+in.Trial))]++
	f.mu.Unlock()
	if in.TaskID == f.failTask {
		return EpisodeOutput{}, temporal.NewNonRetryableApplicationError("boom", "Boom", nil)
	}
	r := 1.0
	if in.TaskID == "b" && in.Trial == 1 {
		r = 0
	}
	return EpisodeOutput{TaskID: in.TaskID, Trial: in.Trial, Key: "k/" + in.TaskID,
		Score: ScoreOutput{TaskID: in.TaskID, Trial: in.Trial, Reward: r}}, nil
}

func (f *fakeEval) report(_ context.Context, in EvalReportInput) (EvalResult, error) {
	return EvalResult{RunID: in.RunID, Episodes: len(in.Scores), Tasks: 3}, nil
}

func newEnv(t *testing.T, f *fakeEval) *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(EvalWorkflow)
	env.RegisterActivityWithOptions(f.prepare, activity.RegisterOptions{Name: ActEvalPrepare})
	env.RegisterActivityWithOptions(f.episode, activity.RegisterOptions{Name: ActEpisode})
	env.RegisterActivityWithOptions(f.report, activity.RegisterOptions{Name: ActEvalReport})
	return env
}

func TestEvalWorkflowRunsEachEpisodeOnce(t *testing.T) {
	f := &fakeEval{episodes: map[string]int{}}
	env := newEnv(t, f)
	env.ExecuteWorkflow(EvalWorkflow, EvalInput{Domain: "airline", Trials: 2, Concurrency: 2})
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("workflow: %v", env.GetWorkflowError())
	}
	var res EvalResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.Episodes != 6 || len(f.episodes) != 6 {
		t.Fatalf("episodes: result %d, ran %v", res.Episodes, f.episodes)
	}
	for k, n := range f.episodes {
		if n != 1 {
			t.Errorf("episode %s ran %d times", k, n)
		}
	}
	v, err := env.QueryWorkflow("progress")
	if err != nil {
		t.Fatal(err)
	}
	var p EvalProgress
	if err := v.Get(&p); err != nil {
		t.Fatal(err)
	}
	if p.Done != 6 || p.Total != 6 || p.Passed != 5 || p.Stage != "done" {
		t.Errorf("progress = %+v", p)
	}
}

func TestEvalWorkflowToleratesAFailedEpisode(t *testing.T) {
	f := &fakeEval{episodes: map[string]int{}, failTask: "c"}
	env := newEnv(t, f)
	env.ExecuteWorkflow(EvalWorkflow, EvalInput{Domain: "retail", Trials: 1})
	if env.GetWorkflowError() != nil {
		t.Fatal(env.GetWorkflowError())
	}
	var res EvalResult
	_ = env.GetWorkflowResult(&res)
	if res.Episodes != 2 {
		t.Errorf("episodes = %d, want 2 (one failed)", res.Episodes)
	}
}

func TestEvalWorkflowRejectsBadInput(t *testing.T) {
	cases := []struct {
		name  string
		in    EvalInput
		field string
	}{
		{"unknown domain", EvalInput{Domain: "banking", Trials: 1}, "domain"},
		{"missing domain", EvalInput{Trials: 1}, "domain"},
		{"zero trials", EvalInput{Domain: "airline", Trials: 0}, "trials"},
		{"negative concurrency", EvalInput{Domain: "airline", Trials: 1, Concurrency: -1}, "concurrency"},
		{"bad provider", EvalInput{Domain: "airline", Trials: 1, Agent: ModelConfig{Provider: "anthropic"}}, "agent.provider"},
		{"openai without model", EvalInput{Domain: "airline", Trials: 1, User: ModelConfig{Provider: "openai"}}, "user.model"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := &fakeEval{episodes: map[string]int{}}
			env := newEnv(t, f)
			env.ExecuteWorkflow(EvalWorkflow, c.in)
			err := env.GetWorkflowError()
			var ae *temporal.ApplicationError
			if !errors.As(err, &ae) {
				t.Fatalf("error %v is not an ApplicationError", err)
			}
			if !ae.NonRetryable() || ae.Type() != ErrInvalidInput || !strings.Contains(ae.Message(), c.field+":") {
				t.Errorf("got type=%s nonretryable=%v msg=%q; want field %s", ae.Type(), ae.NonRetryable(), ae.Message(), c.field)
			}
			if len(f.episodes) != 0 {
				t.Error("episodes ran despite bad input")
			}
		})
	}
}
