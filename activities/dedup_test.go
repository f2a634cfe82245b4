package activities

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
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

// bruteNearDuplicates is nearDuplicates comparing every pair.
func bruteNearDuplicates(sets [][]uint64, t float64) []bool {
	dup := make([]bool, len(sets))
	var kept []int
	for i, s := range sets {
		for _, j := range kept {
			if Jaccard(s, sets[j]) >= t {
				dup[i] = true
				break
			}
		}
		if !dup[i] {
			kept = append(kept, i)
		}
	}
	return dup
}

// instructionSets makes n instructions in the way synthesis writes them
// (one phrasing, varying entities and intents), with near-copies, exact
// copies and empty ones among them, as shingle sets.
func instructionSets(rng *rand.Rand, n int) [][]uint64 {
	intents := []string{"cancel my reservation", "change the flight of my booking to a later date", "add a checked bag",
		"upgrade my cabin to business", "get a refund for the cancelled leg", "update the passenger name on the ticket"}
	var texts []string
	for i := range n {
		switch r := rng.IntN(20); {
		case r == 0:
			texts = append(texts, "")
		case r < 4 && i > 0: // a near or exact copy of an earlier one
			w := strings.Fields(texts[rng.IntN(i)])
			for range rng.IntN(3) {
				if len(w) > 0 {
					w[rng.IntN(len(w))] = fmt.Sprintf("word%d", rng.IntN(1000))
				}
			}
			texts = append(texts, strings.Join(w, " "))
		default:
			texts = append(texts, fmt.Sprintf("You are user_%d with reservation R%05d. You want to %s because %s. If the agent asks, your date of birth is 19%02d-0%d-1%d and you fly from %s. Do not accept a voucher.",
				rng.IntN(500), rng.IntN(100000), intents[rng.IntN(len(intents))], []string{"your plans changed", "of a family emergency", "the meeting moved"}[rng.IntN(3)],
				rng.IntN(100), 1+rng.IntN(9), rng.IntN(10), []string{"JFK", "SFO", "ORD", "BOS"}[rng.IntN(4)]))
		}
	}
	sets := make([][]uint64, n)
	for i, s := range texts {
		sets[i] = shingles(s)
	}
	return sets
}

func TestNearDuplicatesMatchesPairwise(t *testing.T) {
	for seed := range uint64(40) {
		rng := rand.New(rand.NewPCG(seed, 1))
		sets := instructionSets(rng, 10+rng.IntN(300))
		for _, th := range []float64{NearDuplicate, 0.5, 0.75, 0.8, 1} {
			got, want := nearDuplicates(sets, th), bruteNearDuplicates(sets, th)
			if !slices.Equal(got, want) {
				t.Fatalf("seed %d, threshold %v: %v, pairwise %v", seed, th, got, want)
			}
		}
	}
	// The generator makes near-duplicates, so the comparison means something.
	sets := instructionSets(rand.New(rand.NewPCG(1, 1)), 200)
	if n := len(slices.DeleteFunc(nearDuplicates(sets, NearDuplicate), func(d bool) bool { return !d })); n == 0 {
		t.Fatal("no near-duplicates among 200 generated instructions")
	}
}

// BenchmarkNearDuplicates200 finds the near-duplicates among 200
// instructions, as SynthFinalize does after a run's last instance.
func BenchmarkNearDuplicates200(b *testing.B) {
	sets := instructionSets(rand.New(rand.NewPCG(1, 1)), 200)
	for _, bc := range []struct {
		name string
		f    func([][]uint64, float64) []bool
	}{{"prefix", nearDuplicates}, {"pairwise", bruteNearDuplicates}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				bc.f(sets, NearDuplicate)
			}
		})
	}
}
