package synth

import (
	"encoding/hex"
	"fmt"
	"strings"

	"crypto/sha256"

	"github.com/eigendata/eigendata/envs/checker"
	"go.starlark.net/starlark"
)

// CheckerVersion labels the baseline checker writer's output.
const CheckerVersion = "baseline-checker/v1"

// literal renders JSON as a Starlark literal.
func literal(raw []byte) string {
	v, err := checker.FromJSON(raw, 0)
	if err != nil {
		return "None"
	}
	return v.String()
}

func quote(s string) string { return starlark.String(s).String() }

// recordDigest is digest(record) as a checker computes it.
func recordDigest(raw []byte) string {
	v, err := checker.FromJSON(raw, 0)
	if err != nil {
		return ""
	}
	var sb strings.Builder
	if err := checker.Canonical(&sb, v); err != nil {
		return ""
	}
	sum := sha256.Sum256([]byte(sb.String()))
	return hex.EncodeToString(sum[:])
}

// WriteCheckerBaseline is the rule-based checker writer. Grounded in the
// gold execution, the program it returns checks, in the final state: every
// field the gold plan changed has its exact gold value; every other field
// of the target records (the reservation or order, and the user) keeps
// its value, which for a refusal means the targets are untouched; the
// user's other reservations or orders are unchanged (by digest). In the
// transcript it checks that a refusal was said and that each piece of
// required information was communicated.
func WriteCheckerBaseline(sc Scenario, bp Blueprint, gold Execution) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n", CheckerVersion)
	fmt.Fprintf(&b, "# %s %s on %s/%s (%s: %s)\n", sc.Domain, sc.Intent, sc.UserID, sc.EntityID, sc.Outcome(), sc.Rule)
	changed := map[string]bool{}
	b.WriteString("\n# Fields the gold plan changes, with their gold values.\nCHANGES = [\n")
	for _, c := range gold.Diff {
		changed[c.Path()] = true
		fmt.Fprintf(&b, "    (%s, %s, %s, %s),\n", quote(c.Table), quote(c.Key), quote(c.Field), literal(c.New))
	}
	b.WriteString("]\n\n# The other fields of the target records, which must keep their values.\nKEEP = [\n")
	var others []Record
	for _, r := range gold.Records {
		if !r.Target {
			if !changedRecord(gold.Diff, r) {
				others = append(others, r)
			}
			continue
		}
		v, err := checker.FromJSON(r.Value, 0)
		if err != nil {
			continue
		}
		d, ok := v.(*starlark.Dict)
		if !ok {
			continue
		}
		for _, kv := range d.Items() {
			f, _ := starlark.AsString(kv[0])
			if changed[Change{Table: r.Table, Key: r.Key, Field: f}.Path()] {
				continue
			}
			fmt.Fprintf(&b, "    (%s, %s, %s, %s),\n", quote(r.Table), quote(r.Key), quote(f), kv[1].String())
		}
	}
	b.WriteString("]\n\n# The user's other records, which the request does not concern (by digest).\nOTHERS = [\n")
	for _, r := range others {
		fmt.Fprintf(&b, "    (%s, %s, %s),\n", quote(r.Table), quote(r.Key), quote(recordDigest(r.Value)))
	}
	b.WriteString("]\n\n")
	comm := make([]string, len(bp.Communicate))
	for i, c := range bp.Communicate {
		comm[i] = quote(c)
	}
	phrases := make([]string, 0, len(RefusalPhrases()))
	for _, p := range RefusalPhrases() {
		phrases = append(phrases, quote(p))
	}
	fmt.Fprintf(&b, "COMMUNICATE = [%s]\n", strings.Join(comm, ", "))
	fmt.Fprintf(&b, "REFUSAL = %s\n", map[bool]string{true: "True", false: "False"}[bp.Refusal])
	fmt.Fprintf(&b, "REFUSAL_PHRASES = [%s]\n", strings.Join(phrases, ", "))
	b.WriteString(checkerBody)
	return b.String()
}

func changedRecord(diff []Change, r Record) bool {
	for _, c := range diff {
		if c.Table == r.Table && c.Key == r.Key {
			return true
		}
	}
	return false
}

const checkerBody = `
def lookup(state, table, key, field):
    t = state.get(table)
    if t == None:
        return (False, None)
    rec = t.get(key)
    if rec == None:
        return (False, None)
    if field == "":
        return (True, rec)
    return (field in rec, rec.get(field))

def check(state, transcript):
    for table, key, field, want in CHANGES:
        found, got = lookup(state, table, key, field)
        where = "%s/%s.%s" % (table, key, field) if field else "%s/%s" % (table, key)
        if want == None and field == "":
            if found:
                return (False, "%s should not exist" % where)
            continue
        if not found:
            return (False, "%s is missing" % where)
        if got != want:
            return (False, "%s is %s, want %s" % (where, json.encode(got), json.encode(want)))
    for table, key, field, want in KEEP:
        found, got = lookup(state, table, key, field)
        if not found or got != want:
            return (False, "%s/%s.%s changed to %s; it must stay %s" % (table, key, field, json.encode(got), json.encode(want)))
    for table, key, want in OTHERS:
        found, rec = lookup(state, table, key, "")
        if not found or digest(rec) != want:
            return (False, "%s/%s changed, but the request does not concern it" % (table, key))
    if REFUSAL:
        refused = False
        for p in REFUSAL_PHRASES:
            if said(transcript, p):
                refused = True
                break
        if not refused:
            return (False, "the assistant never told the user the request cannot be done")
    for info in COMMUNICATE:
        if not said(transcript, info):
            return (False, "the assistant did not communicate %s" % info)
    return (True, "the final state matches the gold plan and the assistant communicated what it must")
`
