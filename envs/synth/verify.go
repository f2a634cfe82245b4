package synth

import (
	"context"
	"fmt"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/checker"
)

// NegativeResult is the checker's verdict on one negative.
type NegativeResult struct {
	Name    string          `json:"name"`
	Kind    string          `json:"kind"`
	Verdict checker.Verdict `json:"verdict"`
}

// VerifyResult is the verifier's verdict on an instance.
type VerifyResult struct {
	// OK is true when the instance is accepted; else Code and Detail say why.
	OK     bool   `json:"ok"`
	Code   Code   `json:"code,omitempty"`
	Detail string `json:"detail,omitempty"`
	// DialogueHash is the state hash the dialogue leads to.
	DialogueHash string `json:"dialogue_hash,omitempty"`
	// Dialogue and Gold are the checker's verdicts on the dialogue and on
	// the gold outcome.
	Dialogue checker.Verdict `json:"dialogue"`
	Gold     checker.Verdict `json:"gold"`
	// Negatives are the checker's verdicts on the mutated negatives.
	Negatives []NegativeResult `json:"negatives"`
}

// MinNegatives is how many negatives a checker must reject.
const MinNegatives = 2

func (r VerifyResult) fail(code Code, format string, args ...any) VerifyResult {
	r.OK, r.Code, r.Detail = false, code, fmt.Sprintf(format, args...)
	return r
}

// Verify checks an instance against a dialogue (its full trajectory):
//
//   - the checker compiles (CheckerCompile);
//   - replaying the dialogue's writes on a fresh environment reproduces
//     its outputs (VerifyReplay) and reaches the gold state hash
//     (VerifyStateMismatch);
//   - the checker passes on the dialogue's final state and transcript
//     (VerifyCheckerFailsDialogue) and on the gold state with the gold
//     transcript (VerifyCheckerFailsGold);
//   - it fails on every negative of Negatives (VerifyNegativePasses), of
//     which there must be at least MinNegatives, one a state negative
//     (VerifyTooFewNegatives).
//
// A checker that errors in the sandbox fails with VerifySandbox; a memory
// failure is retried once, since the heap bound is process-wide.
func Verify(ctx context.Context, dom *envs.Domain, inst *Instance, dialogue []envs.Message, lim checker.Limits) VerifyResult {
	var res VerifyResult
	prog, err := checker.Compile(inst.ID, inst.Checker)
	if err != nil {
		return res.fail(CheckerCompile, "%v", err)
	}
	env := dom.NewEnv()
	task := inst.Task()
	if err := env.Initialize(task.InitialState); err != nil {
		return res.fail(VerifyReplay, "initializing: %v", err)
	}
	if _, err := env.Replay(dialogue, true); err != nil {
		return res.fail(VerifyReplay, "%v", err)
	}
	res.DialogueHash = env.StateHash()
	gold := ExecuteBlueprint(dom, inst.Blueprint)
	if gold.Hash != inst.GoldHash {
		return res.fail(VerifyStateMismatch, "the gold plan now leads to %s, not the recorded gold hash %s", gold.Hash[:12], inst.GoldHash[:min(12, len(inst.GoldHash))])
	}
	if res.DialogueHash != gold.Hash {
		detail := "the dialogue's final state differs from the gold state"
		if d := Diff(gold.Env.State, env.State); len(d) > 0 {
			detail += fmt.Sprintf(" (first difference: %s is %s, gold %s)", d[0].Path(), d[0].New, d[0].Old)
		}
		return res.fail(VerifyStateMismatch, "%s", detail)
	}
	check := func(st envs.State, msgs []envs.Message) checker.Verdict {
		v := prog.Check(ctx, StateTables(st), Transcript(msgs), lim)
		if v.Failed(checker.FailMemory) {
			v = prog.Check(ctx, StateTables(st), Transcript(msgs), lim)
		}
		return v
	}
	if res.Dialogue = check(env.State, dialogue); res.Dialogue.Err != "" {
		return res.fail(VerifySandbox, "on the dialogue: %s", res.Dialogue.Err)
	} else if !res.Dialogue.Pass {
		return res.fail(VerifyCheckerFailsDialogue, "%s", res.Dialogue.Reason)
	}
	if res.Gold = check(gold.Env.State, GoldTranscript(inst.Scenario, inst.Blueprint, gold)); res.Gold.Err != "" {
		return res.fail(VerifySandbox, "on the gold outcome: %s", res.Gold.Err)
	} else if !res.Gold.Pass {
		return res.fail(VerifyCheckerFailsGold, "%s", res.Gold.Reason)
	}
	states := 0
	for _, n := range Negatives(dom, inst) {
		v := check(n.State, n.Transcript)
		res.Negatives = append(res.Negatives, NegativeResult{Name: n.Name, Kind: n.Kind, Verdict: v})
		switch {
		case v.Err != "":
			return res.fail(VerifySandbox, "on negative %q: %s", n.Name, v.Err)
		case v.Pass:
			return res.fail(VerifyNegativePasses, "the checker accepts the negative %q", n.Name)
		}
		if n.Kind != NegOmitInfo && n.Kind != NegSilentRefusal {
			states++
		}
	}
	if len(res.Negatives) < MinNegatives || states == 0 {
		return res.fail(VerifyTooFewNegatives, "%d negatives (%d of state), want %d with one of state", len(res.Negatives), states, MinNegatives)
	}
	res.OK = true
	return res
}
