// Package synth is the pure logic of eigendata's synthesis engine, stage
// by stage, with rule-based baselines for every role and no Temporal or
// model dependency:
//
//  1. plan: PlanBaseline samples a grounded Scenario (a user, one of their
//     reservations/orders, an intent the domain policy allows or forbids);
//  2. blueprint: BuildBlueprint derives the gold tool-call plan, and
//     ExecuteBlueprint/ValidateBlueprint run it on a fresh environment and
//     check it against the domain's Policy (rules as code);
//  3. dialogue: Instance.Task renders a tau2 task that envs/episode, the
//     evaluator and the offline roles run as they run tau2's own;
//  4. checker: WriteCheckerBaseline writes a Starlark checker (package
//     envs/checker) grounded in the gold state diff;
//  5. verify: Verify replays the dialogue, runs the checker on the dialogue,
//     on the gold outcome and on mutated negatives;
//  6. judge: JudgeBaseline reviews the transcript against a rubric;
//
// plus Dedup (near-duplicate detection) and Export (OpenAI chat
// fine-tuning records). Every rejection carries a Code "<stage>.<cause>".
package synth

import (
	"errors"
	"fmt"
)

// Code is a rejection reason, "<stage>.<cause>".
type Code string

// Reason codes.
const (
	PlanNoEntity          Code = "plan.no_entity"
	PlanUnknownIntent     Code = "plan.unknown_intent"
	PlanUnsupportedDomain Code = "plan.unsupported_domain"

	BlueprintToolError       Code = "blueprint.tool_error"
	BlueprintPolicyViolation Code = "blueprint.policy_violation"
	BlueprintNoEffect        Code = "blueprint.no_effect"

	DialogueMaxSteps      Code = "dialogue.max_steps"
	DialogueTooManyErrors Code = "dialogue.too_many_errors"
	DialogueNoStop        Code = "dialogue.no_stop"
	DialogueParticipant   Code = "dialogue.participant_error"

	CheckerCompile Code = "checker.compile_error"

	VerifyReplay               Code = "verify.replay_error"
	VerifyStateMismatch        Code = "verify.state_mismatch"
	VerifyCheckerFailsGold     Code = "verify.checker_fails_gold"
	VerifyCheckerFailsDialogue Code = "verify.checker_fails_dialogue"
	VerifyNegativePasses       Code = "verify.negative_passes"
	VerifyTooFewNegatives      Code = "verify.too_few_negatives"
	VerifySandbox              Code = "verify.sandbox"

	DedupNearDuplicate Code = "dedup.near_duplicate"
)

// JudgeCode is the code of a failed rubric item: "judge.<item>".
func JudgeCode(item string) Code { return Code("judge." + item) }

// Codes lists every reason code the engine emits, judge codes included.
func Codes() []Code {
	codes := []Code{
		PlanNoEntity, PlanUnknownIntent, PlanUnsupportedDomain,
		BlueprintToolError, BlueprintPolicyViolation, BlueprintNoEffect,
		DialogueMaxSteps, DialogueTooManyErrors, DialogueNoStop, DialogueParticipant,
		CheckerCompile,
		VerifyReplay, VerifyStateMismatch, VerifyCheckerFailsGold, VerifyCheckerFailsDialogue,
		VerifyNegativePasses, VerifyTooFewNegatives, VerifySandbox,
	}
	for _, item := range Rubric() {
		codes = append(codes, JudgeCode(item))
	}
	return append(codes, DedupNearDuplicate)
}

// Reject is a stage's rejection of a candidate instance.
type Reject struct {
	Code   Code   `json:"code"`
	Detail string `json:"detail"`
}

func (r *Reject) Error() string { return string(r.Code) + ": " + r.Detail }

func reject(code Code, format string, args ...any) *Reject {
	return &Reject{Code: code, Detail: fmt.Sprintf(format, args...)}
}

// CodeOf returns the code of a *Reject in err's chain, or "" when there is
// none (an infrastructure error, not a rejection).
func CodeOf(err error) Code {
	var r *Reject
	if errors.As(err, &r) {
		return r.Code
	}
	return ""
}
