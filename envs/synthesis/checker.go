package synthesis

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/eigendata/eigendata/envs"
)

// RefusalPhrases are what a refusal must say (one of them).
var RefusalPhrases = []string{"cannot", "can't", "unable", "not able", "not allowed"}

// GoldTranscript is the transcript a faithful agent would leave: the gold
// calls (the user's on their own device as user calls) and a final
// message with the communicate info, the refusals or the transfer.
func GoldTranscript(sc Scenario, bp Blueprint) []envs.Message {
	msgs := []envs.Message{{Role: envs.RoleUser, Content: sc.Instructions.ReasonForCall}}
	for i, a := range bp.Actions {
		role := envs.RoleAssistant
		if a.Who() == envs.User {
			role = envs.RoleUser
		}
		msgs = append(msgs, envs.Message{Role: role, ToolCalls: []envs.ToolCall{{ID: fmt.Sprint(i), Name: a.Name, Arguments: a.Arguments, Requestor: a.Who()}}})
	}
	return append(msgs, envs.Message{Role: envs.RoleAssistant, Content: Closing(sc, bp)})
}

// checked reports whether the checker asserts a record of the view: the
// user's own, every intent's target, every record the gold plan changes,
// the user's phone and the env assertions.
func checked(sc Scenario, diff []Change, table, key string) bool {
	if key == sc.UserID || table == "device" || table == "assertions" {
		return true
	}
	if slices.ContainsFunc(sc.Intents, func(in Intent) bool { return in.Target == key }) {
		return true
	}
	return slices.ContainsFunc(diff, func(c Change) bool { return c.Table == table && c.Key == key })
}

// RefusalTargets is what a checker requires the refusals to name: ""
// (only a refusal phrase) when one request is refused, each refused
// request's mention (or target) when several are.
func RefusalTargets(sc Scenario) []string {
	var out []string
	for _, in := range sc.Intents {
		if !in.Allowed && !in.Transfer {
			m := in.Mention
			if m == "" {
				m = in.Target
			}
			out = append(out, m)
		}
	}
	if len(out) == 1 {
		return []string{""}
	}
	return out
}

// WriteCheckerBaseline is the rule-based checker writer: a Starlark program
// asserting that the user's record, every intent's target and every record
// the gold plan changes equal their gold state field by field (so both the
// fields the plan changes and the ones it must leave alone are checked;
// for a refusal the gold state is the untouched one; for telecom the
// user's phone and the env assertions too), that every refusal was said
// and a transfer made, and that the assistant communicated the required
// information.
func WriteCheckerBaseline(sc Scenario, bp Blueprint, goldView map[string]any, diff []Change) string {
	type exp struct {
		T, K, F string
		V       any
	}
	expect := []exp{}
	for _, t := range sortedKeys(goldView) {
		recs, _ := goldView[t].(map[string]any)
		for _, k := range sortedKeys(recs) {
			rec, isRec := recs[k].(map[string]any)
			if !isRec || !checked(sc, diff, t, k) {
				continue
			}
			for _, f := range sortedKeys(rec) {
				expect = append(expect, exp{t, k, f, rec[f]})
			}
		}
	}
	var changed []string
	for _, c := range diff {
		changed = append(changed, c.Table+"/"+c.Key+"."+c.Field)
	}
	transfer := slices.ContainsFunc(sc.Intents, func(in Intent) bool { return in.Transfer })
	var refusals []string
	if bp.Refusal || !sc.Allowed {
		refusals = RefusalTargets(sc)
	}
	if refusals == nil {
		refusals = []string{}
	}
	enc := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	pyBool := map[bool]string{true: "True", false: "False"}
	var b strings.Builder
	fmt.Fprintf(&b, "# checker for %s: %s\n", sc.Domain, strings.Join(sc.Kinds(), " + "))
	fmt.Fprintf(&b, "EXPECT = json.decode(%q)\n", enc(expect))
	fmt.Fprintf(&b, "# fields the gold plan changes: %s\n", strings.Join(changed, ", "))
	fmt.Fprintf(&b, "REFUSALS = json.decode(%q)\n", enc(refusals))
	fmt.Fprintf(&b, "TRANSFER = %s\n", pyBool[transfer])
	fmt.Fprintf(&b, "COMMUNICATE = json.decode(%q)\n", enc(append([]string{}, bp.Communicate...)))
	fmt.Fprintf(&b, "REFUSAL_PHRASES = json.decode(%q)\n", enc(RefusalPhrases))
	b.WriteString(`
def said(transcript, text):
    for m in transcript:
        if m["role"] == "assistant" and m.get("content") and contains(m["content"], text):
            return True
    return False

def refused(transcript, target):
    for m in transcript:
        if m["role"] != "assistant" or not m.get("content"):
            continue
        if target != "" and not contains(m["content"], target):
            continue
        for p in REFUSAL_PHRASES:
            if contains(m["content"], p):
                return True
    return False

def transferred(transcript):
    for m in transcript:
        if m["role"] != "assistant":
            continue
        for c in m.get("tool_calls") or []:
            if c["name"] == "transfer_to_human_agents":
                return True
    return False

def check(state, transcript):
    for e in EXPECT:
        rec = state.get(e["T"], {}).get(e["K"])
        if rec == None:
            return (False, "%s %s is missing" % (e["T"], e["K"]))
        if rec.get(e["F"]) != e["V"]:
            return (False, "%s %s: %s is %s, want %s" % (e["T"], e["K"], e["F"], json.encode(rec.get(e["F"])), json.encode(e["V"])))
    for t in REFUSALS:
        if not refused(transcript, t):
            return (False, "the assistant did not say it cannot do it" + (" (%s)" % t if t else ""))
    if TRANSFER and not transferred(transcript):
        return (False, "the assistant did not transfer the user to a human agent")
    for c in COMMUNICATE:
        if not said(transcript, c):
            return (False, "the assistant did not communicate %s" % c)
    return (True, "state and communication match the gold plan")
`)
	return b.String()
}
