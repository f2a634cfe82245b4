package synthesis

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/airline"
	"github.com/eigendata/eigendata/envs/retail"
	"github.com/eigendata/eigendata/envs/sandbox"
	"github.com/eigendata/eigendata/envs/telecom"
)

// Reason codes, "<stage>.<cause>".
const (
	ReasonPlanNoEntity          = "plan.no_entity"
	ReasonPlanMalformed         = "plan.malformed"
	ReasonPlanUngrounded        = "plan.ungrounded"
	ReasonCheckerMalformed      = "checker.malformed"
	ReasonJudgeMalformed        = "judge.malformed"
	ReasonBlueprintToolError    = "blueprint.tool_error"
	ReasonBlueprintPolicy       = "blueprint.policy_violation"
	ReasonDialogueMaxSteps      = "dialogue.max_steps"
	ReasonDialogueTooManyErrors = "dialogue.too_many_errors"
	ReasonDialogueNoStop        = "dialogue.no_stop"
	ReasonDialogueNotAuth       = "dialogue.not_authenticated"
	ReasonDialogueModelError    = "dialogue.model_error"
	ReasonDialogueInvalidCall   = "dialogue.invalid_tool_call"
	ReasonDialogueUnknownTool   = "dialogue.unknown_tool"
	ReasonDialogueUnparsedCall  = "dialogue.unparsed_tool_call"
	ReasonDialogueEmptyAnswer   = "dialogue.empty_answer"
	ReasonDialogueContext       = "dialogue.context_overflow"
	ReasonCheckerCompile        = "checker.compile_error"
	ReasonVerifyStateMismatch   = "verify.state_mismatch"
	ReasonVerifyFailsDialogue   = "verify.checker_fails_dialogue"
	ReasonVerifyFailsGold       = "verify.checker_fails_gold"
	ReasonVerifyNegativePasses  = "verify.negative_passes"
	ReasonVerifyWeakNegatives   = "verify.too_few_negatives"
	ReasonVerifySandbox         = "verify.sandbox"
	ReasonDedup                 = "dedup.near_duplicate"
)

// ReasonCodes lists every code the engine emits (judge codes are
// "judge.<rubric item>" for the items of Rubric).
func ReasonCodes() []string {
	codes := []string{ReasonPlanNoEntity, ReasonPlanMalformed, ReasonPlanUngrounded, ReasonCheckerMalformed, ReasonJudgeMalformed, ReasonBlueprintToolError, ReasonBlueprintPolicy,
		ReasonDialogueMaxSteps, ReasonDialogueTooManyErrors, ReasonDialogueNoStop, ReasonDialogueNotAuth, ReasonDialogueModelError, ReasonDialogueInvalidCall,
		ReasonDialogueUnknownTool, ReasonDialogueUnparsedCall, ReasonDialogueEmptyAnswer, ReasonDialogueContext, ReasonCheckerCompile, ReasonVerifyStateMismatch, ReasonVerifyFailsDialogue, ReasonVerifyFailsGold,
		ReasonVerifyNegativePasses, ReasonVerifyWeakNegatives, ReasonVerifySandbox, ReasonDedup}
	for _, item := range Rubric {
		codes = append(codes, "judge."+item)
	}
	return codes
}

// Negative is a mutated outcome the checker must reject.
type Negative struct {
	Name       string
	View       map[string]any
	Transcript []envs.Message
}

// Negatives builds the mutated outcomes of a plan: each write dropped in
// turn, one argument of each write changed (to a value the tool still
// accepts), one field of each changed record altered, the communicated
// information omitted; for each refused request, the forbidden write
// performed (or, when the tools block it, its target record altered) and
// the refusal not said; for a transfer, no transfer made. Mutations that
// leave the outcome equal to gold are skipped.
func Negatives(dom *envs.Domain, sc Scenario, bp Blueprint) []Negative {
	return negatives(dom, sc, bp, GoldOf(dom, sc, bp))
}

// maxMutated bounds the writes whose arguments are mutated (each mutation
// executes the plan again).
const maxMutated = 3

func negatives(dom *envs.Domain, sc Scenario, bp Blueprint, gold Gold) []Negative {
	goldTr := GoldTranscript(sc, bp)
	var out []Negative
	addState := func(name string, acts []envs.Action) bool {
		ex := Execute(dom, sc, acts)
		if len(ex.Errors) > 0 || ex.Hash == gold.Hash {
			return false
		}
		out = append(out, Negative{Name: name, View: View(ex.Env, sc), Transcript: goldTr})
		return true
	}
	env := dom.NewEnv()
	var writes []int
	for i, a := range bp.Actions {
		if env.Mutates(a.Name) {
			writes = append(writes, i)
		}
	}
	for _, i := range writes {
		addState("write dropped: "+bp.Actions[i].Name, slices.Delete(slices.Clone(bp.Actions), i, i+1))
	}
	for n, i := range writes {
		if n >= maxMutated {
			break
		}
		for _, m := range mutations(dom, sc, bp.Actions[i]) {
			acts := slices.Clone(bp.Actions)
			acts[i] = m
			if addState("argument changed: "+m.Name+" "+string(m.Arguments), acts) {
				break
			}
		}
	}
	refused, transfer := false, false
	for _, in := range sc.Intents {
		switch {
		case in.Transfer:
			transfer = true
		case in.Allowed:
			continue
		default:
			refused = true
		}
		// The tools may block the forbidden write themselves; the checker
		// must still catch its effect, so then the target is altered in
		// the view directly.
		if len(in.Writes) == 0 || !addState("forbidden write performed: "+in.Tool, append(slices.Clone(bp.Actions), in.Writes...)) {
			out = append(out, Negative{Name: "target altered: " + in.Target, View: alterTarget(gold.View, sc, in.Target), Transcript: goldTr})
		}
	}
	withClosing := func(name, closing string) {
		tr := slices.Clone(goldTr)
		tr[len(tr)-1] = envs.Message{Role: envs.RoleAssistant, Content: closing}
		out = append(out, Negative{Name: name, View: gold.View, Transcript: tr})
	}
	// A mutated closing is a negative only if it really lacks what it
	// leaves out (a refusal phrase, an item of information), which the
	// rest of it may say by coincidence.
	if c := closingOf(sc, bp, false, true); refused && !saysAny(c, RefusalPhrases) {
		withClosing("refusal not said", c)
	}
	if transfer {
		var tr []envs.Message
		for _, m := range goldTr {
			if len(m.ToolCalls) > 0 && m.ToolCalls[0].Name == "transfer_to_human_agents" {
				continue
			}
			tr = append(tr, m)
		}
		out = append(out, Negative{Name: "no transfer made", View: gold.View, Transcript: tr})
	}
	// One changed field of each changed record given another value, in
	// case no argument mutation produced a distinct successful call.
	done := map[string]bool{}
	for _, c := range gold.Diff {
		if done[c.Table+"/"+c.Key] || len(done) >= 3 {
			continue
		}
		done[c.Table+"/"+c.Key] = true
		out = append(out, Negative{Name: "changed field altered: " + c.Table + "/" + c.Field, View: withField(gold.View, c.Table, c.Key, c.Field, alter(c.New)), Transcript: goldTr})
	}
	if c := closingOf(sc, bp, true, false); len(bp.Communicate) > 0 && !saysAll(c, bp.Communicate) {
		withClosing("information not communicated", c)
	}
	return out
}

// says is the checker sandbox's contains: case- and comma-insensitive.
func says(text, item string) bool {
	norm := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), ",", "") }
	return strings.Contains(norm(text), norm(item))
}

func saysAny(text string, items []string) bool {
	return slices.ContainsFunc(items, func(it string) bool { return says(text, it) })
}

func saysAll(text string, items []string) bool {
	return !slices.ContainsFunc(items, func(it string) bool { return !says(text, it) })
}

// closingOf is Closing with the refusals or the information left out.
func closingOf(sc Scenario, bp Blueprint, refusals, info bool) string {
	s := sc
	if !refusals {
		s.Intents = nil
		for _, in := range sc.Intents {
			if in.Allowed || in.Transfer {
				s.Intents = append(s.Intents, in)
			}
		}
	}
	b := bp
	if !info {
		b.Communicate = nil
	}
	return Closing(s, b)
}

// alterTarget returns a copy of view with the record of target changed:
// its status marked cancelled, or else its first field altered (the user's
// own record when the target is not a record of the view).
func alterTarget(view map[string]any, sc Scenario, target string) map[string]any {
	for _, key := range []string{target, sc.UserID} {
		for _, t := range sortedKeys(view) {
			recs, _ := view[t].(map[string]any)
			rec, ok := recs[key].(map[string]any)
			if !ok || len(rec) == 0 {
				continue
			}
			if s, ok := rec["status"].(string); ok {
				v := "cancelled"
				if s == v {
					v = "altered"
				}
				return withField(view, t, key, "status", v)
			}
			f := sortedKeys(rec)[0]
			return withField(view, t, key, f, alter(rec[f]))
		}
	}
	return withField(view, "altered", "altered", "altered", true)
}

// mutations proposes variants of a write call with one argument changed.
func mutations(dom *envs.Domain, sc Scenario, a envs.Action) []envs.Action {
	var args map[string]any
	if json.Unmarshal(a.Arguments, &args) != nil {
		return nil
	}
	var variants []map[string]any
	with := func(k string, v any) {
		m := map[string]any{}
		for kk, vv := range args {
			m[kk] = vv
		}
		m[k] = v
		variants = append(variants, m)
	}
	for _, k := range sortedKeys(args) {
		switch v := args[k].(type) {
		case float64:
			with(k, v+1)
		case string:
			switch k {
			case "reservation_id", "order_id", "line_id", "bill_id":
				for _, other := range otherEntities(dom, sc, k, v) {
					with(k, other)
				}
			case "payment_id", "payment_method_id":
				for _, other := range otherEntities(dom, sc, k, v) {
					with(k, other)
				}
			case "reason":
				if v == "no longer needed" {
					with(k, "ordered by mistake")
				} else {
					with(k, "no longer needed")
				}
			case "zip":
				with(k, "99999")
			case "address1", "city":
				with(k, v+" North")
			case "cabin":
				for _, c := range []string{"basic_economy", "economy", "business"} {
					if c != v {
						with(k, c)
					}
				}
			case "mode":
				for _, m := range []string{"4g_only", "3g_only", "4g_5g_preferred"} {
					if m != v {
						with(k, m)
					}
				}
			case "permission":
				for _, p := range []string{"sms", "storage", "phone", "network"} {
					if p != v {
						with(k, p)
					}
				}
			}
		}
	}
	out := make([]envs.Action, 0, len(variants))
	for _, m := range variants {
		b, _ := json.Marshal(m)
		out = append(out, envs.Action{ActionID: a.ActionID, Name: a.Name, Arguments: b, Requestor: a.Requestor})
	}
	return out
}

// otherEntities lists the user's other records of the kind an argument
// names (reservations, orders, lines, bills, payment methods).
func otherEntities(dom *envs.Domain, sc Scenario, arg, not string) []string {
	var ids []string
	switch db := dom.Initial.(type) {
	case *airline.DB:
		if u, ok := db.Users.Get(sc.UserID); ok {
			ids = u.Reservations
			if arg == "payment_id" {
				ids = u.PaymentMethods.Keys()
			}
		}
	case *retail.DB:
		if u, ok := db.Users.Get(sc.UserID); ok {
			ids = u.Orders
			if arg == "payment_method_id" {
				ids = u.PaymentMethods.Keys()
			}
		}
	case *telecom.State:
		if c, ok := db.DB.Customers.Get(sc.UserID); ok {
			ids = c.LineIDs
			if arg == "bill_id" {
				ids = c.BillIDs
			}
		}
	}
	var out []string
	for _, id := range ids {
		if id != not {
			out = append(out, id)
		}
	}
	return out
}

// VerifyResult is the verifier's verdict.
type VerifyResult struct {
	OK        bool     `json:"ok"`
	Reason    string   `json:"reason,omitempty"`
	Detail    string   `json:"detail,omitempty"`
	Negatives []string `json:"negatives"`
}

// Verify checks an instance: the dialogue's final state equals the gold
// state; the checker passes on the dialogue and on the gold outcome; and it
// fails on at least two mutated negatives.
func Verify(ctx context.Context, dom *envs.Domain, sc Scenario, bp Blueprint, checker string, dialogue []envs.Message, dialogueHash string, dialogueView map[string]any, lim sandbox.Limits) VerifyResult {
	return VerifyGold(ctx, dom, sc, bp, GoldOf(dom, sc, bp), checker, dialogue, dialogueHash, dialogueView, lim, nil)
}

// VerifyGold is Verify with the blueprint's gold outcome already computed
// (as the blueprint stage stores it), so the gold plan is not executed
// again; the negatives are still executed here. The checker is compiled
// through progs (nil: compiled here).
func VerifyGold(ctx context.Context, dom *envs.Domain, sc Scenario, bp Blueprint, gold Gold, checker string, dialogue []envs.Message, dialogueHash string, dialogueView map[string]any, lim sandbox.Limits, progs *sandbox.Cache) VerifyResult {
	if dialogueHash != gold.Hash {
		return VerifyResult{Reason: ReasonVerifyStateMismatch, Detail: "the dialogue's final state differs from the gold state"}
	}
	prog, err := progs.Compile("checker", checker)
	if err != nil {
		return VerifyResult{Reason: ReasonCheckerCompile, Detail: err.Error()}
	}
	run := func(view map[string]any, msgs []envs.Message) sandbox.Verdict {
		return prog.Check(ctx, view, Transcript(msgs), lim)
	}
	if v := run(dialogueView, dialogue); v.Err != "" {
		return VerifyResult{Reason: ReasonVerifySandbox, Detail: v.Err}
	} else if !v.Pass {
		return VerifyResult{Reason: ReasonVerifyFailsDialogue, Detail: v.Reason}
	}
	if v := run(gold.View, GoldTranscript(sc, bp)); v.Err != "" {
		return VerifyResult{Reason: ReasonVerifySandbox, Detail: v.Err}
	} else if !v.Pass {
		return VerifyResult{Reason: ReasonVerifyFailsGold, Detail: v.Reason}
	}
	res := VerifyResult{}
	for _, n := range negatives(dom, sc, bp, gold) {
		v := run(n.View, n.Transcript)
		if v.Err != "" {
			return VerifyResult{Reason: ReasonVerifySandbox, Detail: n.Name + ": " + v.Err}
		}
		if v.Pass {
			return VerifyResult{Reason: ReasonVerifyNegativePasses, Detail: "the checker accepts the negative: " + n.Name}
		}
		res.Negatives = append(res.Negatives, n.Name+": "+v.Reason)
	}
	if len(res.Negatives) < 2 {
		return VerifyResult{Reason: ReasonVerifyWeakNegatives, Detail: fmt.Sprintf("only %d negatives", len(res.Negatives)), Negatives: res.Negatives}
	}
	res.OK = true
	return res
}

// withField returns a deep copy of view with one field of one record set.
func withField(view map[string]any, table, key, field string, v any) map[string]any {
	cp, _ := copyJSON(view).(map[string]any)
	if t, ok := cp[table].(map[string]any); ok {
		if rec, ok := t[key].(map[string]any); ok {
			rec[field] = v
		}
	}
	return cp
}

// copyJSON deep-copies a JSON-shaped value (as encoding/json decodes into
// any): maps and slices are copied, scalars shared.
func copyJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = copyJSON(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = copyJSON(e)
		}
		return l
	}
	return v
}

// alter returns a value different from v of the same JSON kind.
func alter(v any) any {
	switch x := v.(type) {
	case float64:
		return x + 1
	case string:
		return x + " (altered)"
	case bool:
		return !x
	}
	return "altered"
}
