package activities

import (
	"math"
	"testing"
)

func TestShingleJaccard(t *testing.T) {
	const base = "I want to cancel my reservation ABC123 because my plans changed"
	for _, tc := range []struct {
		name string
		a, b string
		want float64
	}{
		{"identical", base, base, 1},
		{"case and spacing", base, "i WANT to  cancel my reservation abc123 because my plans changed", 1},
		// 11 words: 9 shingles each; a changed last word changes one.
		{"last word changed", base, "I want to cancel my reservation ABC123 because my plans moved", 8.0 / 10},
		{"disjoint", base, "please book a flight from boston to seattle next week", 0},
		{"both too short", "hi there", "bye", 1},
		{"one too short", base, "hi", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Jaccard(shingles(tc.a), shingles(tc.b)); math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("Jaccard = %v, want %v", got, tc.want)
			}
		})
	}
}
