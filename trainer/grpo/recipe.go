package grpo

import (
	"errors"
	"fmt"
)

// Recipe are an RL run's hyperparameters. Every field is configurable;
// Defaults gives those of the public tau2 RL recipe.
type Recipe struct {
	// GroupSize is G, the rollouts per task (AReaL gconfig.n_samples).
	GroupSize int `json:"group_size"`
	// PolicyTemperature is the agent's sampling temperature (gconfig.temperature).
	PolicyTemperature float32 `json:"policy_temperature"`
	// UserTemperature is the user simulator's (econfig.user_llm_args.temperature).
	UserTemperature float32 `json:"user_temperature"`
	// MaxSteps bounds an episode (econfig.max_steps).
	MaxSteps int `json:"max_steps"`
	// Clip is the PPO ratio clip epsilon (actor.eps_clip).
	Clip float64 `json:"clip"`
	// KLCoef weighs the KL penalty to the reference policy (actor.kl_ctl).
	KLCoef float64 `json:"kl_coef"`
	// LearningRate is the optimizer's (actor.optimizer.lr).
	LearningRate float64 `json:"lr"`
	// BatchGroups is B, the informative groups per training step
	// (train_dataset.batch_size: tasks per step).
	BatchGroups int `json:"batch_groups"`
	// OversampleFactor caps the groups sampled per step at factor x B
	// (eigendata's; AReaL has no such cap).
	OversampleFactor int `json:"oversample_factor"`
	// MaxNewTokens bounds each policy reply in a rollout
	// (gconfig.max_new_tokens); 0 leaves it to the inference server.
	MaxNewTokens int `json:"max_new_tokens,omitempty"`
}

// Defaults returns the recipe of AReaL's examples/tau2
// (config_1.7b_airline.yaml): G = 8 rollouts at temperature 1.0, a user
// simulator at temperature 0, at most 50 steps per episode, eps_clip 0.4,
// kl_ctl 0 (no KL), lr 1.7e-5, 16 tasks per step; plus eigendata's
// oversampling cap of 3 x B.
func Defaults() Recipe {
	return Recipe{
		GroupSize:         8,
		PolicyTemperature: 1.0,
		UserTemperature:   0,
		MaxSteps:          50,
		Clip:              0.4,
		KLCoef:            0,
		LearningRate:      1.7e-5,
		BatchGroups:       16,
		OversampleFactor:  3,
	}
}

// Validate checks that the recipe can run: GRPO needs at least two
// rollouts per group to compare.
func (r Recipe) Validate() error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(r.GroupSize >= 2, "group_size must be >= 2 (got %d)", r.GroupSize)
	check(r.PolicyTemperature >= 0, "policy_temperature must be >= 0 (got %v)", r.PolicyTemperature)
	check(r.UserTemperature >= 0, "user_temperature must be >= 0 (got %v)", r.UserTemperature)
	check(r.MaxSteps >= 1, "max_steps must be >= 1 (got %d)", r.MaxSteps)
	check(r.Clip > 0 && r.Clip < 1, "clip must be in (0, 1) (got %v)", r.Clip)
	check(r.KLCoef >= 0, "kl_coef must be >= 0 (got %v)", r.KLCoef)
	check(r.LearningRate > 0, "lr must be > 0 (got %v)", r.LearningRate)
	check(r.BatchGroups >= 1, "batch_groups must be >= 1 (got %d)", r.BatchGroups)
	check(r.OversampleFactor >= 1, "oversample_factor must be >= 1 (got %d)", r.OversampleFactor)
	check(r.MaxNewTokens >= 0, "max_new_tokens must be >= 0 (got %d)", r.MaxNewTokens)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("grpo: recipe: %w", err)
	}
	return nil
}
