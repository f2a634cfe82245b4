// Package grpo is the math of eigendata's verifier-based RL step, in plain
// Go: trajectory-level group-relative advantages, dynamic filtering of
// groups that carry no learning signal, the recipe defaults, and the batch
// format handed to a trainer backend.
//
// Advantages follow verl's GRPO outcome advantage
// (compute_grpo_outcome_advantage): for the G rollouts of one task,
//
//	A_i = (r_i - mean(r)) / (std(r) + eps)
//
// with std the unbiased sample standard deviation (divisor G-1, what
// torch.std computes), and a group of one rollout given mean 0 and std 1.
// NormByStd=false gives the mean-centred variant (Dr. GRPO). BatchNorm
// additionally normalises the group-centred advantages by the mean and
// (unbiased) std over the whole batch, as AReaL's adv_norm does with
// mean_level=batch and std_level=batch.
package grpo

import "math"

// Options select the advantage estimator.
type Options struct {
	// NormByStd divides by the group std (GRPO); false only centres (Dr. GRPO).
	NormByStd bool
	// Epsilon keeps the division finite (default 1e-6).
	Epsilon float64
	// BatchNorm normalises advantages over the whole batch afterwards.
	BatchNorm bool
}

// DefaultOptions are GRPO's.
func DefaultOptions() Options { return Options{NormByStd: true, Epsilon: 1e-6} }

func meanStd(xs []float64) (mean, std float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, 0
	}
	for _, x := range xs {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(xs)-1))
}

// GroupAdvantages computes one group's advantages.
func GroupAdvantages(rewards []float64, opt Options) []float64 {
	eps := opt.Epsilon
	if eps == 0 {
		eps = 1e-6
	}
	mean, std := meanStd(rewards)
	if len(rewards) == 1 {
		mean, std = 0, 1
	}
	out := make([]float64, len(rewards))
	for i, r := range rewards {
		out[i] = r - mean
		if opt.NormByStd {
			out[i] /= std + eps
		}
	}
	return out
}

// Advantages computes every group's advantages, then the optional batch
// normalisation.
func Advantages(groups [][]float64, opt Options) [][]float64 {
	out := make([][]float64, len(groups))
	var all []float64
	for i, g := range groups {
		out[i] = GroupAdvantages(g, opt)
		all = append(all, out[i]...)
	}
	if opt.BatchNorm && len(all) > 1 {
		eps := opt.Epsilon
		if eps == 0 {
			eps = 1e-6
		}
		m, s := meanStd(all)
		for _, g := range out {
			for j := range g {
				g[j] = (g[j] - m) / (s + eps)
			}
		}
	}
	return out
}

// AllEqual reports whether a group's rewards are all equal (within 1e-9):
// its advantages are all zero and it teaches nothing.
func AllEqual(rewards []float64) bool {
	for _, r := range rewards[1:] {
		if math.Abs(r-rewards[0]) > 1e-9 {
			return false
		}
	}
	return true
}

// Group is one task's G rollouts' rewards.
type Group struct {
	TaskID  string    `json:"task_id"`
	Rewards []float64 `json:"rewards"`
	// Refs point at the rollouts (e.g. S3 keys), in reward order.
	Refs []string `json:"refs,omitempty"`
}

// FillStats counts what dynamic filtering saw.
type FillStats struct {
	Sampled     int  `json:"sampled"`
	Kept        int  `json:"kept"`
	DroppedPass int  `json:"dropped_all_pass"`
	DroppedFail int  `json:"dropped_all_fail"`
	DroppedFlat int  `json:"dropped_all_equal_other"`
	CapHit      bool `json:"cap_hit"`
}

// Dropped is the number of groups filtered out.
func (s FillStats) Dropped() int { return s.DroppedPass + s.DroppedFail + s.DroppedFlat }

// Fill implements dynamic filtering (DAPO): it draws groups from next until
// the batch holds b informative groups (rewards not all equal), drawing at
// most maxGroups (the oversampling cap); next returns false when no group
// is left.
func Fill(b, maxGroups int, next func() (Group, bool)) ([]Group, FillStats) {
	var kept []Group
	var st FillStats
	for len(kept) < b {
		if st.Sampled >= maxGroups {
			st.CapHit = true
			break
		}
		g, ok := next()
		if !ok {
			break
		}
		st.Sampled++
		if len(g.Rewards) == 0 || AllEqual(g.Rewards) {
			switch {
			case len(g.Rewards) > 0 && g.Rewards[0] >= 1-1e-6:
				st.DroppedPass++
			case len(g.Rewards) > 0 && g.Rewards[0] <= 1e-6:
				st.DroppedFail++
			default:
				st.DroppedFlat++
			}
			continue
		}
		kept = append(kept, g)
	}
	st.Kept = len(kept)
	return kept, st
}

// Recipe are the RL run's hyperparameters; Defaults are those of the public
// tau2 RL recipe (AReaL examples/tau2).
type Recipe struct {
	GroupSize         int     `json:"group_size"`
	PolicyTemperature float32 `json:"policy_temperature"`
	UserTemperature   float32 `json:"user_temperature"`
	MaxSteps          int     `json:"max_steps"`
	Clip              float64 `json:"clip"`
	KLCoef            float64 `json:"kl_coef"`
	LearningRate      float64 `json:"lr"`
	// BatchGroups is B, the informative groups per training step.
	BatchGroups int `json:"batch_groups"`
	// OversampleFactor caps the groups sampled per step at factor x B.
	OversampleFactor int `json:"oversample_factor"`
}

// Defaults returns the AReaL tau2 recipe's defaults.
func Defaults() Recipe {
	return Recipe{GroupSize: 8, PolicyTemperature: 1.0, UserTemperature: 0, MaxSteps: 50, Clip: 0.4, KLCoef: 0,
		LearningRate: 1e-6, BatchGroups: 16, OversampleFactor: 3}
}
