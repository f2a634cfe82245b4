package grpo

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
)

func TestClassify(t *testing.T) {
	cases := []struct {
		name    string
		rewards []float64
		want    Verdict
	}{
		{"all pass", []float64{1, 1, 1, 1}, DropAllPass},
		{"all fail", []float64{0, 0, 0, 0}, DropAllFail},
		{"all equal at 0.5", []float64{0.5, 0.5}, DropAllEqualOther},
		{"empty", nil, DropAllEqualOther},
		{"single success", []float64{1, 0, 0, 0}, Keep},
		{"mixed", []float64{1, 0, 1, 0}, Keep},
		{"graded", []float64{1, 0.5, 0}, Keep},
		{"group of one success", []float64{1}, DropAllPass},
		{"equal within 1e-9", []float64{1, 1 + 5e-10}, DropAllPass},
		{"different beyond 1e-9", []float64{1, 1 + 1e-8}, Keep},
		{"pass within tau2's 1e-6", []float64{1 - 5e-7, 1 - 5e-7}, DropAllPass},
		{"NaN", []float64{1, math.NaN()}, DropInvalid},
		{"all NaN", []float64{math.NaN(), math.NaN()}, DropInvalid},
		{"infinite", []float64{math.Inf(-1), 0}, DropInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Classify(tc.rewards); got != tc.want {
				t.Errorf("Classify(%v) = %v, want %v", tc.rewards, got, tc.want)
			}
		})
	}
}

// stream is a Source over fixed groups.
func stream(groups []Group) Source {
	i := 0
	return func(context.Context) (Group, error) {
		if i == len(groups) {
			return Group{}, ErrNoMoreGroups
		}
		i++
		return groups[i-1], nil
	}
}

func TestFill(t *testing.T) {
	groups := []Group{
		{TaskID: "pass", Rewards: []float64{1, 1, 1, 1}},
		{TaskID: "a", Rewards: []float64{1, 0, 0, 0}},
		{TaskID: "fail", Rewards: []float64{0, 0, 0, 0}},
		{TaskID: "b", Rewards: []float64{1, 0, 1, 0}},
		{TaskID: "half", Rewards: []float64{0.5, 0.5}},
		{TaskID: "c", Rewards: []float64{0, 1, 0, 0}},
		{TaskID: "nan", Rewards: []float64{0, math.NaN()}},
		{TaskID: "d", Rewards: []float64{1, 0.5, 0}},
	}
	cases := []struct {
		name      string
		b, cap    int
		kept      []string
		want      FillStats
		exhausted bool
	}{
		{"fills to B", 2, 10, []string{"a", "b"},
			FillStats{Sampled: 4, Kept: 2, DroppedPass: 1, DroppedFail: 1}, false},
		{"runs out of groups", 5, 20, []string{"a", "b", "c", "d"},
			FillStats{Sampled: 8, Kept: 4, DroppedPass: 1, DroppedFail: 1, DroppedFlat: 1, DroppedInvalid: 1, Exhausted: true}, true},
		{"cap on oversampling", 3, 4, []string{"a", "b"},
			FillStats{Sampled: 4, Kept: 2, DroppedPass: 1, DroppedFail: 1, CapHit: true}, false},
		{"cap exactly enough", 3, 6, []string{"a", "b", "c"},
			FillStats{Sampled: 6, Kept: 3, DroppedPass: 1, DroppedFail: 1, DroppedFlat: 1}, false},
		{"cap below B is raised to B", 1, 0, nil,
			FillStats{Sampled: 1, DroppedPass: 1, CapHit: true}, false},
		{"B of zero samples nothing", 0, 10, nil, FillStats{}, false},
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
			if !slices.Equal(ids, tc.kept) {
				t.Errorf("kept %v, want %v", ids, tc.kept)
			}
			if st != tc.want {
				t.Errorf("stats %+v, want %+v", st, tc.want)
			}
			if st.Sampled != st.Kept+st.Dropped() {
				t.Errorf("sampled %d != kept %d + dropped %d", st.Sampled, st.Kept, st.Dropped())
			}
			if i != st.Sampled {
				t.Errorf("drew %d groups, counted %d", i, st.Sampled)
			}
		})
	}
}

func TestFillFromStopsOnErrorsAndCancel(t *testing.T) {
	boom := errors.New("endpoint down")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []struct {
		name    string
		ctx     context.Context
		next    Source
		wantErr error
		kept    int
	}{
		{"source error after one kept group", context.Background(), func() Source {
			n := 0
			return func(context.Context) (Group, error) {
				n++
				if n == 2 {
					return Group{}, boom
				}
				return Group{TaskID: "a", Rewards: []float64{1, 0}}, nil
			}
		}(), boom, 1},
		{"cancelled context", ctx, stream([]Group{{Rewards: []float64{1, 0}}}), context.Canceled, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			kept, st, err := FillFrom(tc.ctx, 3, 9, tc.next)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if len(kept) != tc.kept || st.Kept != tc.kept {
				t.Errorf("kept %d (stats %+v), want %d", len(kept), st, tc.kept)
			}
		})
	}
}

func TestMaxGroups(t *testing.T) {
	cases := []struct{ b, factor, want int }{{16, 3, 48}, {4, 1, 4}, {4, 0, 4}, {4, -2, 4}}
	for _, tc := range cases {
		if got := MaxGroups(tc.b, tc.factor); got != tc.want {
			t.Errorf("MaxGroups(%d, %d) = %d, want %d", tc.b, tc.factor, got, tc.want)
		}
	}
}
