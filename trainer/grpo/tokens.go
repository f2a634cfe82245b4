package grpo

import (
	"errors"
	"fmt"
)

// Turn is one policy call of a rollout in token ids, as an inference
// server that returns token ids reports it: the rendered prompt, the
// completion (the stop token included when the server sends it), and the
// sampling policy's log-prob of each completion token (optional).
type Turn struct {
	Prompt     []int
	Completion []int
	Logprobs   []float64
}

// Segment is a token-mode training sequence: token ids, the loss mask (1 on
// completion tokens) and the old log-probs (0 where the mask is 0, and
// everywhere when the turns carried none).
type Segment struct {
	TokenIDs    []int
	LossMask    []int
	OldLogProbs []float64
	// Turns is how many policy calls the segment holds.
	Turns int
}

// Segments turns a rollout's policy calls into token-mode training
// sequences. Calls are concatenated while each call's prompt extends the
// sequence so far (the previous prompt and completion, then whatever the
// environment and the user added): the added tokens get mask 0, the
// completion mask 1 with its log-probs. Where a prompt does not extend the
// sequence — the server re-rendered an earlier turn differently from what
// the model generated (a re-serialised tool call, a re-tokenised text) —
// a new segment starts with that call's full prompt rather than guessing an
// alignment: every generated token is trained on exactly once, each in the
// context the policy actually saw.
//
// A turn without completion tokens adds nothing (the server generated
// nothing) but still has to extend the sequence. Segments fails when a
// turn's log-probs do not match its completion in length, and when no turn
// has a completion token (nothing to train on). Log-probs are all-or-none:
// when some turn lacks them, the segments carry none (the backend then
// takes the policy's own, on-policy).
func Segments(turns []Turn) ([]Segment, error) {
	haveLP := len(turns) > 0
	for i, t := range turns {
		if len(t.Logprobs) == 0 && len(t.Completion) > 0 {
			haveLP = false
		}
		if len(t.Logprobs) != 0 && len(t.Logprobs) != len(t.Completion) {
			return nil, fmt.Errorf("grpo: turn %d has %d log-probs for %d completion tokens", i, len(t.Logprobs), len(t.Completion))
		}
		if len(t.Prompt) == 0 {
			return nil, fmt.Errorf("grpo: turn %d has no prompt tokens", i)
		}
	}
	var out []Segment
	var cur *Segment
	for _, t := range turns {
		if cur == nil || !hasPrefix(t.Prompt, cur.TokenIDs) {
			out = append(out, Segment{})
			cur = &out[len(out)-1]
		}
		added := t.Prompt[len(cur.TokenIDs):]
		cur.TokenIDs = append(cur.TokenIDs, added...)
		cur.LossMask = append(cur.LossMask, make([]int, len(added))...)
		cur.OldLogProbs = append(cur.OldLogProbs, make([]float64, len(added))...)
		cur.TokenIDs = append(cur.TokenIDs, t.Completion...)
		for j := range t.Completion {
			cur.LossMask = append(cur.LossMask, 1)
			lp := 0.0
			if haveLP {
				lp = t.Logprobs[j]
			}
			cur.OldLogProbs = append(cur.OldLogProbs, lp)
		}
		cur.Turns++
	}
	kept := out[:0]
	for _, s := range out {
		trained := 0
		for _, m := range s.LossMask {
			trained += m
		}
		if trained == 0 {
			continue
		}
		if !haveLP {
			s.OldLogProbs = nil
		}
		kept = append(kept, s)
	}
	if len(kept) == 0 {
		return nil, errors.New("grpo: no turn has a completion token")
	}
	return kept, nil
}

func hasPrefix(s, prefix []int) bool {
	if len(prefix) > len(s) {
		return false
	}
	for i, v := range prefix {
		if s[i] != v {
			return false
		}
	}
	return true
}
