// Package evaluator computes tau2-bench's reward for a trajectory — DB,
// ENV_ASSERTION, ACTION, COMMUNICATE and NL_ASSERTION components combined
// over the task's reward basis exactly as tau2's evaluate_simulation (ALL
// mode) — and pass^k over repeated trials.
package evaluator

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/episode"
)

// ErrNeedsJudge is returned when a task's reward basis includes
// NL_ASSERTION and no NLJudge was given.
var ErrNeedsJudge = errors.New("task needs an LLM judge for NL assertions")

// NLJudge decides natural-language assertions about a trajectory (tau2's
// NLAssertionsEvaluator, an LLM call).
type NLJudge interface {
	Judge(ctx context.Context, task *envs.Task, traj []envs.Message, assertions []string) ([]NLCheck, error)
}

// DBCheck is the DB comparison.
type DBCheck struct {
	DBMatch  bool    `json:"db_match"`
	DBReward float64 `json:"db_reward"`
}

// EnvAssertionCheck is one env assertion's outcome.
type EnvAssertionCheck struct {
	EnvAssertion envs.EnvAssertion `json:"env_assertion"`
	Met          bool              `json:"met"`
	Reward       float64           `json:"reward"`
	Error        string            `json:"error,omitempty"`
}

// ActionCheck is one gold action's outcome.
type ActionCheck struct {
	Action       envs.Action   `json:"action"`
	ActionMatch  bool          `json:"action_match"`
	ActionReward float64       `json:"action_reward"`
	ToolType     envs.ToolType `json:"tool_type,omitempty"`
}

// CommunicateCheck is one communicate_info item's outcome.
type CommunicateCheck struct {
	Info          string `json:"info"`
	Met           bool   `json:"met"`
	Justification string `json:"justification"`
}

// NLCheck is one NL assertion's outcome.
type NLCheck struct {
	NLAssertion   string `json:"nl_assertion"`
	Met           bool   `json:"met"`
	Justification string `json:"justification"`
}

// RewardInfo is tau2's RewardInfo.
type RewardInfo struct {
	Reward            float64                     `json:"reward"`
	DBCheck           *DBCheck                    `json:"db_check,omitempty"`
	EnvAssertions     []EnvAssertionCheck         `json:"env_assertions,omitempty"`
	ActionChecks      []ActionCheck               `json:"action_checks,omitempty"`
	NLAssertions      []NLCheck                   `json:"nl_assertions,omitempty"`
	CommunicateChecks []CommunicateCheck          `json:"communicate_checks,omitempty"`
	RewardBasis       []envs.RewardType           `json:"reward_basis"`
	RewardBreakdown   map[envs.RewardType]float64 `json:"reward_breakdown,omitempty"`
	Info              map[string]any              `json:"info,omitempty"`
}

// NeedsLLM reports whether scoring task requires an LLM judge: its basis
// includes NL_ASSERTION and it has assertions to judge (tau2 scores an empty
// list 1.0 without calling a model).
func NeedsLLM(task *envs.Task) bool {
	c := task.EvaluationCriteria
	return c.HasBasis(envs.RewardNLAssertion) && len(c.NLAssertions) > 0
}

// Options tune Evaluate.
type Options struct {
	// Solo evaluates a solo-mode trajectory.
	Solo bool
	// Judge decides NL assertions; nil makes NL-basis tasks fail with ErrNeedsJudge.
	Judge NLJudge
	// SkipNL computes every other component of an NL-basis task and leaves
	// NL_ASSERTION out of the product (used to report LLM-only tasks offline).
	SkipNL bool
	// Strict makes replay fail when a replayed tool output differs from the
	// recorded one (tau2's live evaluation default).
	Strict bool
}

// Evaluate scores a finished episode of task in domain.
func Evaluate(ctx context.Context, domain *envs.Domain, task *envs.Task, traj []envs.Message, term episode.Termination, opt Options) (*RewardInfo, error) {
	if term != episode.AgentStop && term != episode.UserStop {
		return &RewardInfo{Reward: 0, Info: map[string]any{"note": "Simulation terminated prematurely. Termination reason: " + string(term)}}, nil
	}
	crit := task.EvaluationCriteria
	if crit == nil {
		return &RewardInfo{Reward: 1, Info: map[string]any{"note": "No evaluation criteria"}}, nil
	}
	envInfo, err := evalEnv(domain, task, traj, opt)
	if err != nil {
		return nil, err
	}
	actions := evalActions(domain, task, traj)
	comm := evalCommunicate(task, traj)
	var nl []NLCheck
	nlReward := 1.0
	if NeedsLLM(task) && !opt.SkipNL {
		if opt.Judge == nil {
			return nil, ErrNeedsJudge
		}
		if len(crit.NLAssertions) > 0 {
			nl, err = opt.Judge.Judge(ctx, task, traj, crit.NLAssertions)
			if err != nil {
				return nil, fmt.Errorf("nl assertions: %w", err)
			}
			for _, c := range nl {
				if !c.Met {
					nlReward = 0
				}
			}
		}
	}

	out := &RewardInfo{
		Reward:            1,
		DBCheck:           envInfo.db,
		EnvAssertions:     envInfo.assertions,
		ActionChecks:      actions.checks,
		CommunicateChecks: comm.checks,
		NLAssertions:      nl,
		RewardBasis:       crit.RewardBasis,
		RewardBreakdown:   map[envs.RewardType]float64{},
	}
	if crit.HasBasis(envs.RewardDB) || crit.HasBasis(envs.RewardEnvAssertion) {
		for k, v := range envInfo.breakdown {
			out.RewardBreakdown[k] = v
		}
		out.Reward *= envInfo.reward
	}
	if crit.HasBasis(envs.RewardAction) {
		out.RewardBreakdown[envs.RewardAction] = actions.reward
		out.Reward *= actions.reward
	}
	if crit.HasBasis(envs.RewardNLAssertion) && !opt.SkipNL {
		out.RewardBreakdown[envs.RewardNLAssertion] = nlReward
		out.Reward *= nlReward
	}
	if crit.HasBasis(envs.RewardCommunicate) {
		out.RewardBreakdown[envs.RewardCommunicate] = comm.reward
		out.Reward *= comm.reward
	}
	return out, nil
}

type envResult struct {
	reward     float64
	db         *DBCheck
	assertions []EnvAssertionCheck
	breakdown  map[envs.RewardType]float64
}

// evalEnv is tau2's EnvironmentEvaluator: replay the trajectory on a fresh
// env, replay the gold actions on another, compare DB hashes, then run the
// env assertions on the predicted env.
func evalEnv(domain *envs.Domain, task *envs.Task, traj []envs.Message, opt Options) (*envResult, error) {
	crit := task.EvaluationCriteria
	if crit.Actions == nil && crit.EnvAssertions == nil {
		return &envResult{reward: 1, db: &DBCheck{DBMatch: true, DBReward: 1}}, nil
	}
	predicted := domain.NewEnv()
	predicted.Solo = opt.Solo
	if err := predicted.Initialize(task.InitialState); err != nil {
		return nil, fmt.Errorf("initializing predicted env: %w", err)
	}
	if _, err := predicted.Replay(traj, opt.Strict); err != nil {
		return nil, fmt.Errorf("replaying trajectory: %w", err)
	}
	gold, err := GoldEnv(domain, task)
	if err != nil {
		return nil, err
	}
	ga, gu := gold.Hash()
	pa, pu := predicted.Hash()
	db := &DBCheck{}
	if ga == pa && gu == pu {
		db.DBMatch, db.DBReward = true, 1
	}
	res := &envResult{reward: 1, db: db, breakdown: map[envs.RewardType]float64{}}
	assertReward := 1.0
	for _, a := range crit.EnvAssertions {
		ok, err := predicted.RunAssertion(a)
		c := EnvAssertionCheck{EnvAssertion: a, Met: ok && err == nil}
		if err != nil {
			c.Error = err.Error()
		}
		if c.Met {
			c.Reward = 1
		} else {
			assertReward = 0
		}
		res.assertions = append(res.assertions, c)
	}
	if crit.HasBasis(envs.RewardDB) {
		res.breakdown[envs.RewardDB] = db.DBReward
		res.reward *= db.DBReward
	}
	if crit.HasBasis(envs.RewardEnvAssertion) {
		res.breakdown[envs.RewardEnvAssertion] = assertReward
		res.reward *= assertReward
	}
	return res, nil
}

// GoldEnv returns a fresh env with the task's initial state and its gold
// actions applied (errors in gold actions are ignored, as in tau2).
func GoldEnv(domain *envs.Domain, task *envs.Task) (*envs.Env, error) {
	gold := domain.NewEnv()
	if err := gold.Initialize(task.InitialState); err != nil {
		return nil, fmt.Errorf("initializing gold env: %w", err)
	}
	if task.EvaluationCriteria != nil {
		for _, a := range task.EvaluationCriteria.Actions {
			gold.Call(a.Who(), a.Name, a.Arguments)
		}
	}
	return gold, nil
}

type actionResult struct {
	reward float64
	checks []ActionCheck
}

// evalActions is tau2's ActionEvaluator: every gold action must match some
// tool call of the trajectory.
func evalActions(domain *envs.Domain, task *envs.Task, traj []envs.Message) actionResult {
	gold := task.EvaluationCriteria.Actions
	if len(gold) == 0 {
		return actionResult{reward: 1}
	}
	var calls []envs.ToolCall
	for _, m := range traj {
		if (m.Role == envs.RoleAssistant || m.Role == envs.RoleUser) && m.IsToolCall() {
			calls = append(calls, m.ToolCalls...)
		}
	}
	probe := &envs.Env{Domain: domain}
	res := actionResult{reward: 1}
	for _, a := range gold {
		c := ActionCheck{Action: a}
		for _, tc := range calls {
			if a.Matches(tc) {
				c.ActionMatch, c.ActionReward = true, 1
				break
			}
		}
		if t, ok := probe.ToolTypeOf(a.Name); ok {
			c.ToolType = t
		}
		if !c.ActionMatch {
			res.reward = 0
		}
		res.checks = append(res.checks, c)
	}
	return res
}

type commResult struct {
	reward float64
	checks []CommunicateCheck
}

// evalCommunicate is tau2's CommunicateEvaluator: each info string must
// appear, case-insensitively, in an assistant text message with commas removed.
func evalCommunicate(task *envs.Task, traj []envs.Message) commResult {
	infos := task.EvaluationCriteria.CommunicateInfo
	if len(infos) == 0 {
		return commResult{reward: 1}
	}
	res := commResult{reward: 1}
	for _, info := range infos {
		c := CommunicateCheck{Info: info, Justification: fmt.Sprintf("Information '%s' not communicated.", info)}
		for _, m := range traj {
			if m.Role != envs.RoleAssistant || strings.TrimSpace(m.Content) == "" {
				continue
			}
			if strings.Contains(strings.ReplaceAll(strings.ToLower(m.Content), ",", ""), strings.ToLower(info)) {
				c.Met = true
				c.Justification = fmt.Sprintf("Information '%s' communicated in the message:\n '%s'", info, m.Content)
				break
			}
		}
		if !c.Met {
			res.reward = 0
		}
		res.checks = append(res.checks, c)
	}
	return res
}

// IsSuccess reports whether a reward counts as a success (tau2: within 1e-6 of 1).
func IsSuccess(reward float64) bool { return math.Abs(reward-1) <= 1e-6 }

// PassHatK is tau2's pass^k for one task: C(successes, k) / C(trials, k).
func PassHatK(trials, successes, k int) (float64, error) {
	if trials < k {
		return 0, fmt.Errorf("number of trials %d is less than k %d", trials, k)
	}
	return comb(successes, k) / comb(trials, k), nil
}

func comb(n, k int) float64 {
	if k < 0 || k > n {
		return 0
	}
	r := 1.0
	for i := 1; i <= k; i++ {
		r = r * float64(n-k+i) / float64(i)
	}
	return math.Round(r)
}

// PassK computes pass^k for k = 1..maxK over per-task trial rewards, as
// tau2's compute_metrics: maxK is the smallest trial count of any task, and
// each pass^k is the mean over tasks. The result is indexed by k (index 0 unused).
func PassK(rewards map[string][]float64) []float64 {
	if len(rewards) == 0 {
		return nil
	}
	maxK := math.MaxInt
	for _, rs := range rewards {
		maxK = min(maxK, len(rs))
	}
	out := make([]float64, maxK+1)
	for k := 1; k <= maxK; k++ {
		sum := 0.0
		for _, rs := range rewards {
			s := 0
			for _, r := range rs {
				if IsSuccess(r) {
					s++
				}
			}
			v, _ := PassHatK(len(rs), s, k)
			sum += v
		}
		out[k] = sum / float64(len(rewards))
	}
	return out
}
