package synth

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/eigendata/eigendata/envs"
)

// Now is the airline and retail policies' current time (tau2's clock).
const Now = "2024-05-15T15:00:00"

const timeLayout = "2006-01-02T15:04:05"

// Violation is a policy rule a plan breaks.
type Violation struct {
	// Rule names the rule, e.g. "cancel.eligibility" or "auth.first".
	Rule string `json:"rule"`
	// Action is the index of the offending action.
	Action int `json:"action"`
	// Detail explains the violation.
	Detail string `json:"detail"`
}

func (v Violation) String() string { return fmt.Sprintf("%s (action %d): %s", v.Rule, v.Action, v.Detail) }

// PolicyContext is what the conversation established before a write.
type PolicyContext struct {
	// User is the authenticated user id ("" until authenticated).
	User string
	// Reason is the reason the user gave (airline cancellations).
	Reason string
}

// Policy is a domain family's policy rules that are checkable as code.
type Policy interface {
	// Family returns the policy's family.
	Family() Family
	// Authenticates returns the user id a successful read call establishes
	// (airline: get_user_details; retail: find_user_id_by_email or
	// find_user_id_by_name_zip), or "".
	Authenticates(name string, args json.RawMessage, output string) string
	// Owner returns the user whose records a write touches ("" when the
	// records do not exist; the tool reports that).
	Owner(st envs.State, name string, args json.RawMessage) string
	// CheckWrite checks a write call against the rules on the state before
	// it runs, returning the rule it breaks or nil.
	CheckWrite(st envs.State, pc PolicyContext, name string, args json.RawMessage) *Violation
}

// PolicyFor returns the policy of dom: tau2's airline or retail policy,
// or eigendata's policies for the generated domains (which differ in the
// free-bag table).
func PolicyFor(dom *envs.Domain) (Policy, error) {
	fam, err := FamilyOf(dom)
	if err != nil {
		return nil, err
	}
	if fam == FamilyRetail {
		return RetailPolicy{}, nil
	}
	if dom.Name == "gen-airline" {
		return GenAirlinePolicy(), nil
	}
	return Tau2AirlinePolicy(), nil
}

// CheckPlan replays actions on a fresh environment of dom and checks
// every write, before it runs, against the policy: the user must be
// authenticated first, may act only on their own records, and each write
// must satisfy its rule. Tool errors are not violations (the blueprint
// stage reports them).
func CheckPlan(dom *envs.Domain, sc Scenario, actions []envs.Action) ([]Violation, error) {
	pol, err := PolicyFor(dom)
	if err != nil {
		return nil, err
	}
	env := dom.NewEnv()
	pc := PolicyContext{Reason: sc.Params.Reason}
	var out []Violation
	for i, a := range actions {
		if env.Mutates(a.Name) {
			switch owner := pol.Owner(env.State, a.Name, a.Arguments); {
			case pc.User == "":
				out = append(out, Violation{Rule: "auth.first", Action: i, Detail: a.Name + " before the user was authenticated"})
			case owner != "" && owner != pc.User:
				out = append(out, Violation{Rule: "auth.own_records", Action: i, Detail: fmt.Sprintf("%s touches records of %s, not of the authenticated %s", a.Name, owner, pc.User)})
			}
			if v := pol.CheckWrite(env.State, pc, a.Name, a.Arguments); v != nil {
				v.Action = i
				out = append(out, *v)
			}
		}
		res := env.Call(a.Who(), a.Name, a.Arguments)
		if !res.Error {
			if u := pol.Authenticates(a.Name, a.Arguments, res.Content); u != "" {
				pc.User = u
			}
		}
	}
	return out, nil
}

func argMap(args json.RawMessage) map[string]any {
	var m map[string]any
	_ = json.Unmarshal(args, &m)
	if m == nil {
		m = map[string]any{}
	}
	return m
}

func argString(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

func argInt(m map[string]any, k string) (int, bool) {
	f, ok := m[k].(float64)
	return int(f), ok
}

func argStrings(m map[string]any, k string) []string {
	raw, _ := m[k].([]any)
	out := make([]string, 0, len(raw))
	for _, x := range raw {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

func parseTime(s string) (time.Time, bool) {
	t, err := time.Parse(timeLayout, s)
	return t, err == nil
}

// coveredReason reports whether a cancellation reason is covered by
// travel insurance (health or weather).
func coveredReason(reason string) bool {
	words := strings.FieldsFunc(strings.ToLower(reason), func(r rune) bool { return r < 'a' || r > 'z' })
	for _, w := range words {
		switch w {
		case "health", "medical", "sick", "ill", "illness", "injury", "weather", "storm", "hurricane", "snow", "snowstorm":
			return true
		}
	}
	return false
}
