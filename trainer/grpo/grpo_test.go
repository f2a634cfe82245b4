package grpo

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-5 } // eps = 1e-6 in the divisor

func TestGroupAdvantagesHandComputed(t *testing.T) {
	cases := []struct {
		name    string
		rewards []float64
		opt     Options
		want    []float64
	}{
		// mean 0.25; unbiased std = sqrt((0.75² + 3·0.25²)/3) = sqrt(0.25) = 0.5
		{"single success of 4", []float64{1, 0, 0, 0}, DefaultOptions(), []float64{1.5, -0.5, -0.5, -0.5}},
		// mean 0.5; std = sqrt(4·0.25/3) = 0.57735; A = ±0.5/0.57735 = ±0.866025
		{"mixed 1010", []float64{1, 0, 1, 0}, DefaultOptions(), []float64{0.866025, -0.866025, 0.866025, -0.866025}},
		// mean 0.5; std = sqrt((0.25+0+0.25)/2) = 0.5
		{"graded", []float64{1, 0.5, 0}, DefaultOptions(), []float64{1, 0, -1}},
		{"all fail", []float64{0, 0, 0, 0}, DefaultOptions(), []float64{0, 0, 0, 0}},
		{"all pass", []float64{1, 1, 1}, DefaultOptions(), []float64{0, 0, 0}},
		// one rollout: mean 0, std 1 (verl)
		{"group of one", []float64{1}, DefaultOptions(), []float64{1}},
		{"mean-centred (Dr. GRPO)", []float64{1, 0, 0, 0}, Options{}, []float64{0.75, -0.25, -0.25, -0.25}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := GroupAdvantages(tc.rewards, tc.opt)
			for i := range got {
				if !near(got[i], tc.want[i]) {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func TestBatchNorm(t *testing.T) {
	// Group-centred: [0.75 -0.25 -0.25 -0.25] and [0.5 -0.5]; batch mean 0,
	// unbiased std = sqrt((0.5625+3·0.0625+2·0.25)/5) = sqrt(0.25) = 0.5.
	got := Advantages([][]float64{{1, 0, 0, 0}, {1, 0}}, Options{BatchNorm: true})
	want := [][]float64{{1.5, -0.5, -0.5, -0.5}, {1, -1}}
	for i := range want {
		for j := range want[i] {
			if !near(got[i][j], want[i][j]) {
				t.Fatalf("got %v, want %v", got, want)
			}
		}
	}
}

func TestFillDropsFlatGroupsAndCapsOversampling(t *testing.T) {
	groups := []Group{
		{TaskID: "pass", Rewards: []float64{1, 1, 1, 1}},
		{TaskID: "a", Rewards: []float64{1, 0, 0, 0}},
		{TaskID: "fail", Rewards: []float64{0, 0, 0, 0}},
		{TaskID: "b", Rewards: []float64{1, 0, 1, 0}},
		{TaskID: "half", Rewards: []float64{0.5, 0.5}},
		{TaskID: "c", Rewards: []float64{0, 1, 0, 0}},
	}
	cases := []struct {
		name            string
		b, cap          int
		kept            []string
		pass, fail, flt int
		capHit          bool
	}{
		{"fills to B", 2, 10, []string{"a", "b"}, 1, 1, 0, false},
		{"runs out of groups", 5, 10, []string{"a", "b", "c"}, 1, 1, 1, false},
		{"cap on oversampling", 3, 4, []string{"a", "b"}, 1, 1, 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			i := 0
			kept, st := Fill(tc.b, tc.cap, func() (Group, bool) {
				if i == len(groups) {
					return Group{}, false
				}
				i++
				return groups[i-1], true
			})
			var ids []string
			for _, g := range kept {
				ids = append(ids, g.TaskID)
			}
			if len(ids) != len(tc.kept) {
				t.Fatalf("kept %v, want %v", ids, tc.kept)
			}
			for k := range ids {
				if ids[k] != tc.kept[k] {
					t.Fatalf("kept %v, want %v", ids, tc.kept)
				}
			}
			if st.DroppedPass != tc.pass || st.DroppedFail != tc.fail || st.DroppedFlat != tc.flt || st.CapHit != tc.capHit || st.Kept != len(kept) {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestDefaultsFollowTheTau2Recipe(t *testing.T) {
	d := Defaults()
	if d.GroupSize != 8 || d.PolicyTemperature != 1 || d.UserTemperature != 0 || d.MaxSteps != 50 || d.Clip != 0.4 || d.KLCoef != 0 {
		t.Errorf("defaults %+v", d)
	}
}
