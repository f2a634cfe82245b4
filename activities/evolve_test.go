package activities

import (
	"math"
	"testing"
)

func TestFisherGreater(t *testing.T) {
	cases := []struct {
		a, n1, c, n2 int
		want         float64
	}{
		{3, 3, 0, 3, 1.0 / 20},        // C(3,3)C(3,0)/C(6,3)
		{10, 10, 0, 10, 1.0 / 184756}, // 1/C(20,10)
		{0, 10, 5, 10, 1},             // the candidate is worse: p = 1
		{5, 10, 5, 10, 0.6718},        // equal rates: P(X>=5) of hypergeometric(20,10,10)
	}
	for _, tc := range cases {
		if got := FisherGreater(tc.a, tc.n1, tc.c, tc.n2); math.Abs(got-tc.want) > 1e-4 {
			t.Errorf("FisherGreater(%d/%d vs %d/%d) = %.6f, want %.6f", tc.a, tc.n1, tc.c, tc.n2, got, tc.want)
		}
	}
}
