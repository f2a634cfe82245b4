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
		ReasonCheckerCompile, ReasonVerifyStateMismatch, ReasonVerifyFailsDialogue, ReasonVerifyFailsGold,
		ReasonVerifyNegativePasses, ReasonVerifyWeakNegatives, ReasonVerifySandbox, ReasonDedup}
	for _, item := range Rubric {
		codes = append(codes, "judge."+item)
	}
	return codes
}

// Execution is a blueprint run on a fresh environment.
type Execution struct {
	Env     *envs.Env
	Outputs []string
	// Errors are the tool errors, "<action>: <output>".
	Errors []string
	Hash   string
}

// Execute runs actions on a fresh environment of dom.
func Execute(dom *envs.Domain, acts []envs.Action) Execution {
	env := dom.NewEnv()
	ex := Execution{Env: env}
	for _, a := range acts {
		res := env.Call(a.Who(), a.Name, a.Arguments)
		ex.Outputs = append(ex.Outputs, res.Content)
		if res.Error {
			ex.Errors = append(ex.Errors, a.Name+": "+res.Content)
		}
	}
	ex.Hash = env.StateHash()
	return ex
}

// View is the part of the state a checker reads: the scenario user's
// record and all of their reservations or orders, as the read tools show
// them: {"users": {id: record}, "reservations"|"orders": {id: record}}.
func View(env *envs.Env, sc Scenario) map[string]any {
	read := func(tool, arg, id string) any {
		b, _ := json.Marshal(map[string]string{arg: id})
		res := env.Call(envs.Assistant, tool, b)
		var v any
		if res.Error || json.Unmarshal([]byte(res.Content), &v) != nil {
			return nil
		}
		return v
	}
	view := map[string]any{}
	user := read("get_user_details", "user_id", sc.UserID)
	view["users"] = map[string]any{sc.UserID: user}
	var ids []string
	table, tool, arg := "reservations", "get_reservation_details", "reservation_id"
	switch db := env.State.(type) {
	case *airline.DB:
		if u, ok := db.Users.Get(sc.UserID); ok {
			ids = u.Reservations
		}
	case *retail.DB:
		table, tool, arg = "orders", "get_order_details", "order_id"
		if u, ok := db.Users.Get(sc.UserID); ok {
			ids = u.Orders
		}
	}
	recs := map[string]any{}
	for _, id := range ids {
		recs[id] = read(tool, arg, id)
	}
	view[table] = recs
	return view
}

// Change is one changed field of a record.
type Change struct {
	Table string `json:"table"`
	Key   string `json:"key"`
	Field string `json:"field"`
	Old   any    `json:"old"`
	New   any    `json:"new"`
}

// Diff lists the fields that differ between two views.
func Diff(before, after map[string]any) []Change {
	var out []Change
	tables := sortedKeys(after)
	for _, t := range tables {
		b, _ := before[t].(map[string]any)
		a, _ := after[t].(map[string]any)
		for _, k := range sortedKeys(a) {
			ar, _ := a[k].(map[string]any)
			br, _ := b[k].(map[string]any)
			for _, f := range sortedKeys(ar) {
				if !jsonEqual(br[f], ar[f]) {
					out = append(out, Change{Table: t, Key: k, Field: f, Old: br[f], New: ar[f]})
				}
			}
		}
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// Transcript renders messages as a checker reads them.
func Transcript(msgs []envs.Message) []any {
	out := make([]any, 0, len(msgs))
	for _, m := range msgs {
		e := map[string]any{"role": string(m.Role), "content": m.Content}
		var calls []any
		for _, tc := range m.ToolCalls {
			var args any
			_ = json.Unmarshal(tc.Arguments, &args)
			calls = append(calls, map[string]any{"name": tc.Name, "arguments": args})
		}
		if calls != nil {
			e["tool_calls"] = calls
		}
		if m.Role == envs.RoleTool {
			e["error"] = m.Error
		}
		out = append(out, e)
	}
	return out
}

// RefusalPhrases are what a refusal must say (one of them).
var RefusalPhrases = []string{"cannot", "can't", "unable", "not able", "not allowed"}

// GoldTranscript is the transcript a faithful agent would leave: the gold
// calls and a final message with the communicate info (or the refusal).
func GoldTranscript(sc Scenario, bp Blueprint) []envs.Message {
	msgs := []envs.Message{{Role: envs.RoleUser, Content: sc.Instructions.ReasonForCall}}
	for i, a := range bp.Actions {
		msgs = append(msgs, envs.Message{Role: envs.RoleAssistant, ToolCalls: []envs.ToolCall{{ID: fmt.Sprint(i), Name: a.Name, Arguments: a.Arguments, Requestor: envs.Assistant}}})
	}
	closing := "Your request has been completed."
	if bp.Refusal {
		closing = "I'm sorry, but I cannot do that: " + sc.Why + "."
	}
	if len(bp.Communicate) > 0 {
		closing += " For your information: " + strings.Join(bp.Communicate, "; ") + "."
	}
	return append(msgs, envs.Message{Role: envs.RoleAssistant, Content: closing})
}

// WriteCheckerBaseline is the rule-based checker writer: a Starlark program
// asserting that the user's record and the target reservation/order equal
// their gold state field by field (so both the fields the plan changes and
// the ones it must leave alone are checked; for a refusal the gold state is
// the untouched one), that a refusal was said, and that the assistant
// communicated the required information.
func WriteCheckerBaseline(sc Scenario, bp Blueprint, goldView map[string]any, diff []Change) string {
	type exp struct {
		T, K, F string
		V       any
	}
	table := "reservations"
	if sc.Family == Retail {
		table = "orders"
	}
	expect := []exp{}
	for _, tk := range [][2]string{{"users", sc.UserID}, {table, sc.EntityID}} {
		t, _ := goldView[tk[0]].(map[string]any)
		rec, _ := t[tk[1]].(map[string]any)
		for _, f := range sortedKeys(rec) {
			expect = append(expect, exp{tk[0], tk[1], f, rec[f]})
		}
	}
	var changed []string
	for _, c := range diff {
		changed = append(changed, c.Table+"/"+c.Key+"."+c.Field)
	}
	enc := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	var b strings.Builder
	fmt.Fprintf(&b, "# checker for %s %s on %s (%s)\n", sc.Domain, sc.Intent, sc.EntityID, map[bool]string{true: "allowed", false: "refusal"}[sc.Allowed])
	fmt.Fprintf(&b, "EXPECT = json.decode(%q)\n", enc(expect))
	fmt.Fprintf(&b, "# fields the gold plan changes: %s\n", strings.Join(changed, ", "))
	fmt.Fprintf(&b, "REFUSAL = %v\n", map[bool]string{true: "True", false: "False"}[bp.Refusal])
	fmt.Fprintf(&b, "COMMUNICATE = json.decode(%q)\n", enc(append([]string{}, bp.Communicate...)))
	fmt.Fprintf(&b, "REFUSAL_PHRASES = json.decode(%q)\n", enc(RefusalPhrases))
	b.WriteString(`
def said(transcript, text):
    for m in transcript:
        if m["role"] == "assistant" and m.get("content") and contains(m["content"], text):
            return True
    return False

def check(state, transcript):
    for e in EXPECT:
        rec = state.get(e["T"], {}).get(e["K"])
        if rec == None:
            return (False, "%s %s is missing" % (e["T"], e["K"]))
        if rec.get(e["F"]) != e["V"]:
            return (False, "%s %s: %s is %s, want %s" % (e["T"], e["K"], e["F"], json.encode(rec.get(e["F"])), json.encode(e["V"])))
    if REFUSAL:
        if not any([said(transcript, p) for p in REFUSAL_PHRASES]):
            return (False, "the assistant did not say it cannot do it")
    for c in COMMUNICATE:
        if not said(transcript, c):
            return (False, "the assistant did not communicate %s" % c)
    return (True, "state and communication match the gold plan")
`)
	return b.String()
}

// Negative is a mutated outcome the checker must reject.
type Negative struct {
	Name       string
	View       map[string]any
	Transcript []envs.Message
}

// Negatives builds the mutated outcomes: the last write dropped, one
// argument of the last write changed (to a value that still succeeds), the
// communicated information omitted; for refusals, the forbidden write
// performed. Mutations that leave the outcome equal to gold are skipped.
func Negatives(dom *envs.Domain, sc Scenario, bp Blueprint) []Negative {
	return negatives(dom, sc, bp, GoldOf(dom, sc, bp))
}

// Gold is a blueprint's gold outcome as the verifier uses it: the state
// hash, the checker's view of the state and that view's changes from the
// initial state.
type Gold struct {
	Hash string
	View map[string]any
	Diff []Change
}

// GoldOf executes the blueprint on a fresh environment and returns its gold
// outcome.
func GoldOf(dom *envs.Domain, sc Scenario, bp Blueprint) Gold {
	return GoldFrom(dom, sc, Execute(dom, bp.Actions))
}

// GoldFrom is the gold outcome of the blueprint's execution ex.
func GoldFrom(dom *envs.Domain, sc Scenario, ex Execution) Gold {
	view := View(ex.Env, sc)
	return Gold{Hash: ex.Hash, View: view, Diff: Diff(View(dom.NewEnv(), sc), view)}
}

func negatives(dom *envs.Domain, sc Scenario, bp Blueprint, gold Gold) []Negative {
	goldView := gold.View
	goldTr := GoldTranscript(sc, bp)
	var out []Negative
	addState := func(name string, acts []envs.Action) {
		ex := Execute(dom, acts)
		if ex.Hash == gold.Hash {
			return
		}
		out = append(out, Negative{Name: name, View: View(ex.Env, sc), Transcript: goldTr})
	}
	env := dom.NewEnv()
	last := -1
	for i, a := range bp.Actions {
		if env.Mutates(a.Name) {
			last = i
		}
	}
	if last >= 0 {
		addState("last write dropped", slices.Delete(slices.Clone(bp.Actions), last, last+1))
		for _, m := range mutations(dom, sc, bp.Actions[last]) {
			acts := slices.Clone(bp.Actions)
			acts[last] = m
			if ex := Execute(dom, acts); len(ex.Errors) == 0 && ex.Hash != gold.Hash {
				out = append(out, Negative{Name: "argument changed: " + string(m.Arguments), View: View(ex.Env, sc), Transcript: goldTr})
				break
			}
		}
	}
	table := "reservations"
	if sc.Family == Retail {
		table = "orders"
	}
	if bp.Refusal {
		// The tools may block the forbidden write themselves; the checker must
		// still catch its effect, so it is also applied to the view directly.
		out = append(out, Negative{Name: "target marked cancelled", View: withField(goldView, table, sc.EntityID, "status", "cancelled"), Transcript: goldTr})
		forbidden := BlueprintFor(Scenario{Family: sc.Family, Intent: sc.Intent, Allowed: true, UserID: sc.UserID, Email: sc.Email, EntityID: sc.EntityID, Params: sc.Params})
		addState("forbidden write performed", forbidden.Actions)
		silent := slices.Clone(goldTr)
		silent[len(silent)-1] = envs.Message{Role: envs.RoleAssistant, Content: "Done."}
		out = append(out, Negative{Name: "refusal not said", View: goldView, Transcript: silent})
	}
	if last >= 0 {
		// One changed field given another value, in case no argument
		// mutation produced a distinct successful call.
		for _, c := range gold.Diff {
			out = append(out, Negative{Name: "changed field altered: " + c.Field, View: withField(goldView, c.Table, c.Key, c.Field, alter(c.New)), Transcript: goldTr})
			break
		}
	}
	if len(bp.Communicate) > 0 {
		silent := slices.Clone(goldTr)
		silent[len(silent)-1] = envs.Message{Role: envs.RoleAssistant, Content: "Your request has been completed."}
		out = append(out, Negative{Name: "information not communicated", View: goldView, Transcript: silent})
	}
	return out
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
			case "reservation_id", "order_id":
				for _, other := range otherEntities(dom, sc) {
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

func otherEntities(dom *envs.Domain, sc Scenario) []string {
	var ids []string
	switch db := dom.Initial.(type) {
	case *airline.DB:
		if u, ok := db.Users.Get(sc.UserID); ok {
			ids = u.Reservations
		}
	case *retail.DB:
		if u, ok := db.Users.Get(sc.UserID); ok {
			ids = u.Orders
		}
	}
	var out []string
	for _, id := range ids {
		if id != sc.EntityID {
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
