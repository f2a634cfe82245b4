package evaluator

import (
	"context"
	"errors"
	"fmt"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/episode"
)

// GoldResult is the outcome of playing a task's gold actions with the
// oracle and evaluating the resulting trajectory.
type GoldResult struct {
	TaskID      string              `json:"task_id"`
	Reward      float64             `json:"reward"`
	Passed      bool                `json:"passed"`
	Scored      bool                `json:"scored"`
	LLMOnly     bool                `json:"llm_only"`
	Basis       []envs.RewardType   `json:"reward_basis"`
	Actions     int                 `json:"actions"`
	ToolErrors  []string            `json:"tool_errors"`
	Termination episode.Termination `json:"termination_reason"`
	Info        *RewardInfo         `json:"reward_info,omitempty"`
}

// Gold plays task's gold actions through the episode runner with the
// oracle on a fresh env of domain and evaluates the trajectory. Tasks whose
// basis needs an LLM judge are scored on their other components and flagged
// LLMOnly (their Passed says whether everything but NL assertions held).
func Gold(ctx context.Context, domain *envs.Domain, task *envs.Task) (*GoldResult, error) {
	o := episode.Oracle{Task: task}
	env := domain.NewEnv()
	res, err := episode.Run(ctx, env, task, o.Agent(), o.User(), episode.Config{MaxSteps: 1000})
	if err != nil {
		return nil, err
	}
	out := &GoldResult{TaskID: task.ID, Termination: res.Termination, ToolErrors: []string{}}
	if task.EvaluationCriteria != nil {
		out.Basis = task.EvaluationCriteria.RewardBasis
		out.Actions = len(task.EvaluationCriteria.Actions)
	}
	calls := map[string]envs.ToolCall{}
	for _, m := range res.Messages {
		for _, tc := range m.ToolCalls {
			calls[tc.ID] = tc
		}
		if m.Role == envs.RoleTool && m.Error {
			out.ToolErrors = append(out.ToolErrors, fmt.Sprintf("%s: %s", calls[m.ID].Name, m.Content))
		}
	}
	out.LLMOnly = NeedsLLM(task)
	out.Scored = !out.LLMOnly
	info, err := Evaluate(ctx, domain, task, res.Messages, res.Termination, Options{SkipNL: out.LLMOnly, Strict: true})
	if err != nil && !errors.Is(err, ErrNeedsJudge) {
		return nil, fmt.Errorf("task %s: %w", task.ID, err)
	}
	out.Info = info
	if info != nil {
		out.Reward = info.Reward
		out.Passed = IsSuccess(info.Reward)
	}
	return out, nil
}
