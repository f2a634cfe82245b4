package grpo

import (
	"reflect"
	"strings"
	"testing"
)

func TestSegments(t *testing.T) {
	tests := []struct {
		name  string
		turns []Turn
		want  []Segment
	}{{
		name:  "one turn",
		turns: []Turn{{Prompt: []int{1, 2, 3}, Completion: []int{4, 5}, Logprobs: []float64{-0.5, -0.25}}},
		want:  []Segment{{TokenIDs: []int{1, 2, 3, 4, 5}, LossMask: []int{0, 0, 0, 1, 1}, OldLogProbs: []float64{0, 0, 0, -0.5, -0.25}, Turns: 1}},
	}, {
		name: "second prompt extends the first turn: one sequence",
		turns: []Turn{
			{Prompt: []int{1, 2}, Completion: []int{3, 4}, Logprobs: []float64{-1, -2}},
			{Prompt: []int{1, 2, 3, 4, 9, 9}, Completion: []int{5}, Logprobs: []float64{-3}},
		},
		want: []Segment{{TokenIDs: []int{1, 2, 3, 4, 9, 9, 5}, LossMask: []int{0, 0, 1, 1, 0, 0, 1},
			OldLogProbs: []float64{0, 0, -1, -2, 0, 0, -3}, Turns: 2}},
	}, {
		name: "a re-rendered earlier turn breaks the prefix: new segment with the full prompt",
		turns: []Turn{
			{Prompt: []int{1, 2}, Completion: []int{3, 4}, Logprobs: []float64{-1, -2}},
			{Prompt: []int{1, 2, 3, 7, 9}, Completion: []int{5}, Logprobs: []float64{-3}},
			{Prompt: []int{1, 2, 3, 7, 9, 5, 8}, Completion: []int{6}, Logprobs: []float64{-4}},
		},
		want: []Segment{
			{TokenIDs: []int{1, 2, 3, 4}, LossMask: []int{0, 0, 1, 1}, OldLogProbs: []float64{0, 0, -1, -2}, Turns: 1},
			{TokenIDs: []int{1, 2, 3, 7, 9, 5, 8, 6}, LossMask: []int{0, 0, 0, 0, 0, 1, 0, 1},
				OldLogProbs: []float64{0, 0, 0, 0, 0, -3, 0, -4}, Turns: 2},
		},
	}, {
		name: "a prompt shorter than the sequence starts a new segment",
		turns: []Turn{
			{Prompt: []int{1, 2}, Completion: []int{3}, Logprobs: []float64{-1}},
			{Prompt: []int{1, 2}, Completion: []int{4}, Logprobs: []float64{-2}},
		},
		want: []Segment{
			{TokenIDs: []int{1, 2, 3}, LossMask: []int{0, 0, 1}, OldLogProbs: []float64{0, 0, -1}, Turns: 1},
			{TokenIDs: []int{1, 2, 4}, LossMask: []int{0, 0, 1}, OldLogProbs: []float64{0, 0, -2}, Turns: 1},
		},
	}, {
		name: "missing log-probs on one turn: none at all (on-policy backend)",
		turns: []Turn{
			{Prompt: []int{1}, Completion: []int{2}, Logprobs: []float64{-1}},
			{Prompt: []int{1, 2, 3}, Completion: []int{4}},
		},
		want: []Segment{{TokenIDs: []int{1, 2, 3, 4}, LossMask: []int{0, 1, 0, 1}, Turns: 2}},
	}, {
		name: "an empty completion adds no segment of its own",
		turns: []Turn{
			{Prompt: []int{1}, Completion: []int{2}, Logprobs: []float64{-1}},
			{Prompt: []int{5, 6}},
		},
		want: []Segment{{TokenIDs: []int{1, 2}, LossMask: []int{0, 1}, OldLogProbs: []float64{0, -1}, Turns: 1}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Segments(tt.turns)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tt.want)
			}
			// Every generated token is trained on exactly once.
			var gen, trained int
			for _, tr := range tt.turns {
				gen += len(tr.Completion)
			}
			for _, s := range got {
				if err := (Sample{TaskID: "t", TokenIDs: s.TokenIDs, LossMask: s.LossMask, OldLogProbs: s.OldLogProbs}).Validate(); err != nil {
					t.Errorf("segment is not a valid sample: %v", err)
				}
				for _, m := range s.LossMask {
					trained += m
				}
			}
			if gen != trained {
				t.Errorf("%d generated tokens, %d trained on", gen, trained)
			}
		})
	}
}

func TestSegmentsErrors(t *testing.T) {
	tests := []struct {
		name  string
		turns []Turn
		want  string
	}{
		{"no turns", nil, "no turn has a completion"},
		{"no completion", []Turn{{Prompt: []int{1}}}, "no turn has a completion"},
		{"log-probs length", []Turn{{Prompt: []int{1}, Completion: []int{2, 3}, Logprobs: []float64{-1}}}, "1 log-probs for 2"},
		{"no prompt", []Turn{{Completion: []int{2}}}, "no prompt tokens"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Segments(tt.turns)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}
