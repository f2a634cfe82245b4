package grpo

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// EqualTolerance is how close rewards must be to count as equal.
const EqualTolerance = 1e-9

// SuccessTolerance is how close a reward must be to 1 (or 0) for an
// all-equal group to count as all-pass (or all-fail); it is tau2's success
// threshold (|reward - 1| <= 1e-6).
const SuccessTolerance = 1e-6

// AllEqual reports whether a group's rewards are all equal (within
// EqualTolerance of the first): its advantages are all zero and it teaches
// nothing. An empty group counts as all equal.
func AllEqual(rewards []float64) bool {
	for _, r := range rewards {
		if !(math.Abs(r-rewards[0]) <= EqualTolerance) { // NaN is never equal
			return false
		}
	}
	return true
}

// Group is one task's G rollouts' rewards.
type Group struct {
	// TaskID names the task.
	TaskID string `json:"task_id"`
	// Rewards are the rollouts' checker rewards.
	Rewards []float64 `json:"rewards"`
	// Refs point at the rollouts (e.g. S3 keys), in reward order.
	Refs []string `json:"refs,omitempty"`
}

// Verdict is what dynamic filtering decides about one group.
type Verdict int

// The verdicts of Classify.
const (
	// Keep: the rewards differ, the group carries signal.
	Keep Verdict = iota
	// DropAllPass: every rollout succeeded (reward 1).
	DropAllPass
	// DropAllFail: every rollout failed (reward 0).
	DropAllFail
	// DropAllEqualOther: the rewards are equal at another value (or the
	// group is empty).
	DropAllEqualOther
	// DropInvalid: a reward is NaN or infinite.
	DropInvalid
)

// String names the verdict.
func (v Verdict) String() string {
	switch v {
	case Keep:
		return "keep"
	case DropAllPass:
		return "all-pass"
	case DropAllFail:
		return "all-fail"
	case DropAllEqualOther:
		return "all-equal"
	case DropInvalid:
		return "invalid"
	}
	return fmt.Sprintf("Verdict(%d)", int(v))
}

// Classify applies DAPO's dynamic-sampling rule to one group: a group
// whose rewards are all equal has zero advantages and is dropped.
func Classify(rewards []float64) Verdict {
	for _, r := range rewards {
		if math.IsNaN(r) || math.IsInf(r, 0) {
			return DropInvalid
		}
	}
	switch {
	case len(rewards) == 0:
		return DropAllEqualOther
	case !AllEqual(rewards):
		return Keep
	case math.Abs(rewards[0]-1) <= SuccessTolerance:
		return DropAllPass
	case math.Abs(rewards[0]) <= SuccessTolerance:
		return DropAllFail
	}
	return DropAllEqualOther
}

// FillStats counts what dynamic filtering saw. Sampled = Kept + Dropped().
type FillStats struct {
	// Sampled counts the groups drawn.
	Sampled int `json:"sampled"`
	// Kept counts the groups with signal.
	Kept int `json:"kept"`
	// DroppedPass counts all-pass groups dropped.
	DroppedPass int `json:"dropped_all_pass"`
	// DroppedFail counts all-fail groups dropped.
	DroppedFail int `json:"dropped_all_fail"`
	// DroppedFlat counts groups with equal rewards at another value, or none.
	DroppedFlat int `json:"dropped_all_equal_other"`
	// DroppedInvalid counts groups with a NaN or infinite reward.
	DroppedInvalid int `json:"dropped_invalid,omitempty"`
	// CapHit: the oversampling cap stopped sampling before the batch was full.
	CapHit bool `json:"cap_hit"`
	// Exhausted: the source ran out of groups before the batch was full.
	Exhausted bool `json:"exhausted,omitempty"`
}

// Dropped is the number of groups filtered out.
func (s FillStats) Dropped() int {
	return s.DroppedPass + s.DroppedFail + s.DroppedFlat + s.DroppedInvalid
}

// DroppedAllEqual is the number of groups dropped for equal rewards
// (all-pass, all-fail and other values).
func (s FillStats) DroppedAllEqual() int { return s.DroppedPass + s.DroppedFail + s.DroppedFlat }

// Count records one sampled group's verdict.
func (s *FillStats) Count(v Verdict) {
	s.Sampled++
	switch v {
	case Keep:
		s.Kept++
	case DropAllPass:
		s.DroppedPass++
	case DropAllFail:
		s.DroppedFail++
	case DropAllEqualOther:
		s.DroppedFlat++
	default:
		s.DroppedInvalid++
	}
}

// MaxGroups is the oversampling cap for a batch of b groups: factor x b
// groups at most (factor < 1 counts as 1, no oversampling).
func MaxGroups(b, factor int) int { return b * max(factor, 1) }

// ErrNoMoreGroups is returned by a Source that has no group left.
var ErrNoMoreGroups = errors.New("grpo: no more groups")

// Source yields rollout groups one at a time (it typically plays G
// rollouts of the next task); it returns ErrNoMoreGroups when none is left.
type Source func(ctx context.Context) (Group, error)

// FillFrom implements dynamic filtering (DAPO): it draws groups from next
// until the batch holds b groups whose rewards are not all equal, drawing
// at most maxGroups groups (the oversampling cap; a cap below b is raised
// to b). It returns the kept groups in draw order and the counts. It stops
// early, with what it has, when next returns ErrNoMoreGroups (Exhausted),
// when another error occurs (returned, wrapped), or when ctx ends.
func FillFrom(ctx context.Context, b, maxGroups int, next Source) ([]Group, FillStats, error) {
	var kept []Group
	var st FillStats
	maxGroups = max(maxGroups, b)
	for len(kept) < b {
		if st.Sampled >= maxGroups {
			st.CapHit = true
			break
		}
		if err := ctx.Err(); err != nil {
			return kept, st, fmt.Errorf("grpo: filling the batch: %w", err)
		}
		g, err := next(ctx)
		if errors.Is(err, ErrNoMoreGroups) {
			st.Exhausted = true
			break
		}
		if err != nil {
			return kept, st, fmt.Errorf("grpo: sampling group %d: %w", st.Sampled+1, err)
		}
		v := Classify(g.Rewards)
		st.Count(v)
		if v == Keep {
			kept = append(kept, g)
		}
	}
	return kept, st, nil
}

// Fill is FillFrom over a plain iterator: next returns false when no group
// is left.
func Fill(b, maxGroups int, next func() (Group, bool)) ([]Group, FillStats) {
	kept, st, _ := FillFrom(context.Background(), b, maxGroups, func(context.Context) (Group, error) {
		g, ok := next()
		if !ok {
			return Group{}, ErrNoMoreGroups
		}
		return g, nil
	})
	return kept, st
}
