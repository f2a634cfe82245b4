package grpo

import (
	"math"
	"strings"
	"testing"
)

// tol absorbs verl's eps = 1e-6 in the divisor: the hand-computed values
// below ignore it (|x/s - x/(s+1e-6)| < 1e-5 for the values used).
const tol = 1e-5

func near(a, b float64) bool { return math.Abs(a-b) < tol }

func sliceNear(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !near(a[i], b[i]) {
			return false
		}
	}
	return true
}

func TestGroupAdvantagesHandComputed(t *testing.T) {
	drGRPO := Options{NormByStd: false}
	cases := []struct {
		name    string
		rewards []float64
		opt     Options
		want    []float64
	}{
		// mean 0.25; squared deviations 0.5625 + 3*0.0625 = 0.75;
		// unbiased variance 0.75/3 = 0.25, std 0.5;
		// A = 0.75/0.5 = 1.5 and -0.25/0.5 = -0.5.
		{"single success of 4", []float64{1, 0, 0, 0}, DefaultOptions(), []float64{1.5, -0.5, -0.5, -0.5}},
		// mean 0.5; squared deviations 4*0.25 = 1; variance 1/3,
		// std 1/sqrt(3); A = ±0.5*sqrt(3) = ±sqrt(3)/2.
		{"mixed 1,0,1,0", []float64{1, 0, 1, 0}, DefaultOptions(), []float64{math.Sqrt(3) / 2, -math.Sqrt(3) / 2, math.Sqrt(3) / 2, -math.Sqrt(3) / 2}},
		// mean 0.5; squared deviations 0.25 + 0 + 0.25 = 0.5; variance
		// 0.5/2 = 0.25, std 0.5; A = 0.5/0.5, 0, -0.5/0.5.
		{"graded 1,0.5,0", []float64{1, 0.5, 0}, DefaultOptions(), []float64{1, 0, -1}},
		// std 0: eps keeps 0/0 away, every advantage is 0.
		{"all fail", []float64{0, 0, 0, 0}, DefaultOptions(), []float64{0, 0, 0, 0}},
		{"all pass", []float64{1, 1, 1}, DefaultOptions(), []float64{0, 0, 0}},
		// verl: a lone rollout has mean 0 and std 1, so A = r/(1+eps).
		{"group of one success", []float64{1}, DefaultOptions(), []float64{1}},
		{"group of one failure", []float64{0}, DefaultOptions(), []float64{0}},
		{"group of one, Dr. GRPO", []float64{1}, drGRPO, []float64{1}},
		// Dr. GRPO only centres: r - 0.25.
		{"Dr. GRPO single success", []float64{1, 0, 0, 0}, drGRPO, []float64{0.75, -0.25, -0.25, -0.25}},
		{"Dr. GRPO graded", []float64{1, 0.5, 0}, drGRPO, []float64{0.5, 0, -0.5}},
		{"empty group", nil, DefaultOptions(), []float64{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := GroupAdvantages(tc.rewards, tc.opt)
			if !sliceNear(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestEpsilon(t *testing.T) {
	// Rewards [1, 0]: mean 0.5, unbiased std sqrt(0.5) = 1/sqrt(2).
	cases := []struct {
		name string
		eps  float64
		want float64 // advantage of the success; the failure gets -want
	}{
		// 0.5 / (1/sqrt(2) + 0.5) = 1/(sqrt(2)+1) = sqrt(2)-1.
		{"large eps shows in the divisor", 0.5, math.Sqrt2 - 1},
		// 0.5 / (1/sqrt(2) + 1e-6), to 1e-9.
		{"zero means the default 1e-6", 0, 0.5 / (1/math.Sqrt2 + 1e-6)},
		{"negative means the default 1e-6", -3, 0.5 / (1/math.Sqrt2 + 1e-6)},
		{"explicit 1e-6", 1e-6, 0.5 / (1/math.Sqrt2 + 1e-6)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := GroupAdvantages([]float64{1, 0}, Options{NormByStd: true, Epsilon: tc.eps})
			if math.Abs(got[0]-tc.want) > 1e-9 || math.Abs(got[1]+tc.want) > 1e-9 {
				t.Errorf("got %v, want ±%v", got, tc.want)
			}
		})
	}
	// The default differs from no epsilon at all: 0.5*sqrt(2) exactly.
	if got := GroupAdvantages([]float64{1, 0}, DefaultOptions()); got[0] == math.Sqrt2/2 {
		t.Error("epsilon was not added to the std")
	}
}

func TestSecondNormalisation(t *testing.T) {
	groups := [][]float64{{1, 0, 0, 0}, {1, 0}}
	cases := []struct {
		name string
		opt  Options
		want [][]float64
	}{
		{
			// Dr. GRPO: [0.75 -0.25 -0.25 -0.25] and [0.5 -0.5]; batch mean
			// 0; squared sum 0.5625 + 3*0.0625 + 2*0.25 = 1.25; unbiased
			// variance 1.25/5 = 0.25, std 0.5.
			"Dr. GRPO then batch/batch (BatchNorm)",
			Options{BatchNorm: true},
			[][]float64{{1.5, -0.5, -0.5, -0.5}, {1, -1}},
		},
		{
			"Dr. GRPO then explicit batch/batch",
			Options{AdvNorm: &AdvNorm{MeanLevel: LevelBatch, StdLevel: LevelBatch}},
			[][]float64{{1.5, -0.5, -0.5, -0.5}, {1, -1}},
		},
		{
			// GRPO: [1.5 -0.5 -0.5 -0.5] and [±1/sqrt(2)]; batch mean 0;
			// squared sum 2.25 + 0.75 + 0.5 + 0.5 = 4; variance 4/5 = 0.8.
			// 1.5/sqrt(0.8), -0.5/sqrt(0.8), ±sqrt(0.5/0.8) = ±sqrt(0.625).
			"GRPO then batch/batch (AReaL tau2)",
			Options{NormByStd: true, BatchNorm: true},
			[][]float64{{1.5 / math.Sqrt(0.8), -0.5 / math.Sqrt(0.8), -0.5 / math.Sqrt(0.8), -0.5 / math.Sqrt(0.8)}, {math.Sqrt(0.625), -math.Sqrt(0.625)}},
		},
		{
			// Group-level mean and std on centred rewards is GRPO itself
			// (AReaL's reward_norm group/group): [1.5 -0.5 ...] and
			// ±0.5/sqrt(0.5) = ±sqrt(0.5).
			"Dr. GRPO then group/group equals GRPO",
			Options{AdvNorm: &AdvNorm{MeanLevel: LevelGroup, StdLevel: LevelGroup}},
			[][]float64{{1.5, -0.5, -0.5, -0.5}, {math.Sqrt(0.5), -math.Sqrt(0.5)}},
		},
		{
			// Biased batch std: sqrt(1.25/6); 0.75/sqrt(1.25/6) = 0.75*sqrt(4.8).
			"biased batch std",
			Options{AdvNorm: &AdvNorm{MeanLevel: LevelBatch, StdLevel: LevelBatch, Biased: true}},
			[][]float64{{0.75 * math.Sqrt(4.8), -0.25 * math.Sqrt(4.8), -0.25 * math.Sqrt(4.8), -0.25 * math.Sqrt(4.8)}, {0.5 * math.Sqrt(4.8), -0.5 * math.Sqrt(4.8)}},
		},
		{
			"none/none is the identity",
			Options{AdvNorm: &AdvNorm{}},
			[][]float64{{0.75, -0.25, -0.25, -0.25}, {0.5, -0.5}},
		},
		{
			// AdvNorm wins over BatchNorm; its eps 0.5 shows:
			// 0.75/(0.5+0.5), 0.5/(0.5+0.5).
			"AdvNorm eps, AdvNorm over BatchNorm",
			Options{BatchNorm: true, AdvNorm: &AdvNorm{StdLevel: LevelBatch, Eps: 0.5}},
			[][]float64{{0.75, -0.25, -0.25, -0.25}, {0.5, -0.5}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Compute(groups, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if !sliceNear(got[i], tc.want[i]) {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func TestSecondNormalisationOfASingleTrajectory(t *testing.T) {
	// One trajectory in the batch: the unbiased std has no degree of
	// freedom and is 1 (AReaL); mean-centring leaves 0.
	got := Advantages([][]float64{{1}}, Options{NormByStd: true, BatchNorm: true})
	if !near(got[0][0], 0) {
		t.Errorf("got %v, want [[0]]", got)
	}
	got = Advantages([][]float64{{1}}, Options{NormByStd: true, AdvNorm: &AdvNorm{StdLevel: LevelBatch}})
	if !near(got[0][0], 1) { // verl's lone rollout: 1/(1+eps), then /(1+eps)
		t.Errorf("got %v, want [[1]]", got)
	}
}

func TestComputeRejectsBadInput(t *testing.T) {
	cases := []struct {
		name   string
		groups [][]float64
		opt    Options
		want   string
	}{
		{"NaN reward", [][]float64{{1, math.NaN()}}, DefaultOptions(), "NaN"},
		{"infinite reward", [][]float64{{0}, {math.Inf(1), 0}}, DefaultOptions(), "group 1 reward 0"},
		{"unknown level", [][]float64{{1, 0}}, Options{AdvNorm: &AdvNorm{MeanLevel: "token"}}, `"token"`},
		{"NaN epsilon", [][]float64{{1, 0}}, Options{Epsilon: math.NaN()}, "epsilon"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Compute(tc.groups, tc.opt); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error naming %s", err, tc.want)
			}
		})
	}
}
