// Package grpo is the math of eigendata's verifier-based RL step, in plain
// Go: trajectory-level group-relative advantages, dynamic filtering of
// groups that carry no learning signal, the recipe defaults, and the batch
// format handed to a trainer backend.
//
// # Advantages
//
// Stage 1 (always) follows verl's GRPO outcome advantage
// (verl/trainer/ppo/core_algos.py, compute_grpo_outcome_advantage): for the
// G rollouts of one task with rewards r_1..r_G,
//
//	A_i = (r_i - mean(r)) / (std(r) + eps)
//
// where std is the unbiased sample standard deviation (divisor G-1, what
// torch.std computes by default), eps = 1e-6, and a group of a single
// rollout is given mean 0 and std 1 (so its advantage is its reward).
// DeepSeekMath's GRPO (Shao et al. 2024, §4.1.2) writes the same formula
// with "std(r)" without naming the divisor; the reference implementations
// (verl, TRL's GRPOTrainer) both use torch.std, i.e. the unbiased one.
// With NormByStd=false the group is only mean-centred (Dr. GRPO, Liu et al.
// 2025): A_i = r_i - mean(r).
//
// Stage 2 (optional) is AReaL's adv_norm (areal/utils/data.py,
// Normalization) applied to the stage-1 advantages: AReaL's examples/tau2
// recipe uses mean_level=batch, std_level=batch. See AdvNorm for exactly
// what is computed and where it differs from AReaL.
package grpo

import (
	"fmt"
	"math"
)

// DefaultEpsilon is verl's epsilon in the GRPO denominator.
const DefaultEpsilon = 1e-6

// Options select the advantage estimator.
//
// The fields carry no JSON tags on purpose: Options travels inside
// workflow inputs whose recorded histories use the Go field names.
type Options struct {
	// NormByStd divides the group-centred rewards by the group std (GRPO);
	// false only centres them (Dr. GRPO).
	NormByStd bool
	// Epsilon is added to every std divisor; zero or negative means
	// DefaultEpsilon.
	Epsilon float64
	// BatchNorm is shorthand for AdvNorm{MeanLevel: LevelBatch, StdLevel:
	// LevelBatch} (AReaL's tau2 adv_norm). It is ignored when AdvNorm is set.
	BatchNorm bool
	// AdvNorm, when set, normalises the stage-1 advantages a second time.
	AdvNorm *AdvNorm `json:",omitempty"`
}

// DefaultOptions are GRPO's: std-normalised groups, eps 1e-6, no second
// normalisation.
func DefaultOptions() Options { return Options{NormByStd: true, Epsilon: DefaultEpsilon} }

func (o Options) eps() float64 {
	if o.Epsilon <= 0 {
		return DefaultEpsilon
	}
	return o.Epsilon
}

// Level is the scope of a statistic in AdvNorm.
type Level string

// The levels AReaL's NormConfig accepts for mean_level and std_level.
const (
	// LevelNone skips the statistic: no centring, or a divisor of 1 (and
	// then no epsilon either).
	LevelNone Level = ""
	// LevelBatch computes the statistic over every trajectory of the batch.
	LevelBatch Level = "batch"
	// LevelGroup computes it over the trajectories of one group.
	LevelGroup Level = "group"
)

// AdvNorm is a second normalisation of the advantages, after AReaL's
// Normalization with its NormConfig fields of the same names. For stage-1
// advantages x (one per trajectory):
//
//	m_i = mean of x over the batch (LevelBatch), over i's group
//	      (LevelGroup), or 0 (LevelNone)
//	s_i = sqrt(sum_j (x_j - m_j)^2 / (n - 1)) with j over the batch or i's
//	      group (n its size); a divisor of n when Biased; 1 when n - 1 < 1
//	      (unbiased) or n = 0; 1 for LevelNone
//	y_i = (x_i - m_i) / (s_i + eps), eps = 0 for LevelNone
//
// Note that s is taken around the mean actually subtracted (m_j), as AReaL
// does, so mean_level=group with std_level=batch divides by the batch root
// mean square of the group-centred values.
//
// Differences from AReaL: AReaL applies adv_norm to per-token advantages
// under the loss mask, so its batch statistics weight every trajectory by
// its number of trained-on tokens; here every trajectory counts once
// (eigendata's rewards and advantages are per trajectory, and message-mode
// batches have no tokens yet). AReaL's groups are contiguous slices of a
// fixed group_size; here they are the groups given. AReaL's mean_leave1out
// is not implemented.
type AdvNorm struct {
	// MeanLevel is where the subtracted mean is taken (AReaL mean_level).
	MeanLevel Level `json:"mean_level,omitempty"`
	// StdLevel is where the divisor std is taken (AReaL std_level).
	StdLevel Level `json:"std_level,omitempty"`
	// Biased divides by n instead of n-1 (AReaL std_unbiased=false).
	Biased bool `json:"std_biased,omitempty"`
	// Eps is added to the std; zero or negative means Options.Epsilon.
	// (AReaL's NormConfig default is 1e-5.)
	Eps float64 `json:"eps,omitempty"`
}

// Validate checks the levels.
func (n AdvNorm) Validate() error {
	for _, l := range []Level{n.MeanLevel, n.StdLevel} {
		switch l {
		case LevelNone, LevelBatch, LevelGroup:
		default:
			return fmt.Errorf("grpo: normalisation level %q: want %q, %q or empty", l, LevelBatch, LevelGroup)
		}
	}
	return nil
}

// GroupAdvantages computes one group's stage-1 advantages (see the package
// documentation). Rewards must be finite.
func GroupAdvantages(rewards []float64, opt Options) []float64 {
	out := make([]float64, len(rewards))
	if len(rewards) == 0 {
		return out
	}
	mean, std := 0.0, 1.0 // verl: a group of one has mean 0 and std 1
	if len(rewards) > 1 {
		mean = meanOf(rewards)
		std = stdAround(rewards, constant(mean), false)
	}
	eps := opt.eps()
	for i, r := range rewards {
		out[i] = r - mean
		if opt.NormByStd {
			out[i] /= std + eps
		}
	}
	return out
}

// Validate checks the options: a valid AdvNorm, a finite Epsilon.
func (o Options) Validate() error {
	if math.IsNaN(o.Epsilon) || math.IsInf(o.Epsilon, 0) {
		return fmt.Errorf("grpo: epsilon %v is not finite", o.Epsilon)
	}
	if o.AdvNorm != nil {
		return o.AdvNorm.Validate()
	}
	return nil
}

// Compute computes every group's stage-1 advantages, then the optional
// second normalisation (AdvNorm, or BatchNorm as its batch/batch
// shorthand). The result has the shape of groups. It fails on invalid
// options and on a reward that is NaN or infinite.
func Compute(groups [][]float64, opt Options) ([][]float64, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	for i, g := range groups {
		for j, r := range g {
			if math.IsNaN(r) || math.IsInf(r, 0) {
				return nil, fmt.Errorf("grpo: group %d reward %d is %v", i, j, r)
			}
		}
	}
	out := make([][]float64, len(groups))
	for i, g := range groups {
		out[i] = GroupAdvantages(g, opt)
	}
	norm := opt.AdvNorm
	if norm == nil && opt.BatchNorm {
		norm = &AdvNorm{MeanLevel: LevelBatch, StdLevel: LevelBatch}
	}
	if norm != nil {
		eps := norm.Eps
		if eps <= 0 {
			eps = opt.eps()
		}
		out = normalize(out, *norm, eps)
	}
	return out, nil
}

// Advantages is Compute for inputs known to be valid (options built in
// code, rewards from checkers, which are 0 or 1); it panics where Compute
// fails.
func Advantages(groups [][]float64, opt Options) [][]float64 {
	out, err := Compute(groups, opt)
	if err != nil {
		panic(err)
	}
	return out
}

// normalize applies AdvNorm to x (grouped).
func normalize(x [][]float64, n AdvNorm, eps float64) [][]float64 {
	var flat []float64
	for _, g := range x {
		flat = append(flat, g...)
	}
	// Means, per element.
	mean := make([][]float64, len(x))
	batchMean := meanOf(flat)
	for i, g := range x {
		mean[i] = make([]float64, len(g))
		m := 0.0
		switch n.MeanLevel {
		case LevelBatch:
			m = batchMean
		case LevelGroup:
			m = meanOf(g)
		}
		for j := range g {
			mean[i][j] = m
		}
	}
	// Stds, per group (the batch one shared).
	var flatMean []float64
	for _, m := range mean {
		flatMean = append(flatMean, m...)
	}
	batchStd := stdAround(flat, func(k int) float64 { return flatMean[k] }, n.Biased)
	out := make([][]float64, len(x))
	for i, g := range x {
		s, e := 1.0, eps
		switch n.StdLevel {
		case LevelBatch:
			s = batchStd
		case LevelGroup:
			s = stdAround(g, func(j int) float64 { return mean[i][j] }, n.Biased)
		default:
			e = 0
		}
		out[i] = make([]float64, len(g))
		for j, v := range g {
			out[i][j] = (v - mean[i][j]) / (s + e)
		}
	}
	return out
}

func meanOf(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func constant(c float64) func(int) float64 { return func(int) float64 { return c } }

// stdAround is sqrt(sum (x_k - mean(k))^2 / d) with d = n-1 (unbiased) or n
// (biased); it is 1 when d < 1, as in AReaL and verl.
func stdAround(xs []float64, mean func(int) float64, biased bool) float64 {
	d := float64(len(xs) - 1)
	if biased {
		d = float64(len(xs))
	}
	if d < 1 {
		return 1
	}
	var ss float64
	for k, x := range xs {
		ss += (x - mean(k)) * (x - mean(k))
	}
	return math.Sqrt(ss / d)
}
