package synth

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/airline"
	"github.com/eigendata/eigendata/envs/retail"
)

// RecordRef names one record of a domain state.
type RecordRef struct {
	Table string `json:"table"`
	Key   string `json:"key"`
}

// Blueprint is the gold plan of an instance: the assistant's tool calls,
// what it must tell the user, and, for a refusal, the write the user asks
// for that the policy forbids.
type Blueprint struct {
	// Actions are the gold tool calls, in order, by the assistant.
	Actions []envs.Action `json:"actions"`
	// Communicate is what the assistant must state (tau2 communicate_info).
	Communicate []string `json:"communicate_info,omitempty"`
	// Refusal marks a policy-forbidden request: the plan has no write.
	Refusal bool `json:"refusal,omitempty"`
	// Forbidden are the writes the user asks for and the policy forbids.
	Forbidden []envs.Action `json:"forbidden,omitempty"`
	// Targets are the records the intent is about (the reservation or
	// order, then the user).
	Targets []RecordRef `json:"targets"`
	// Closing is what the assistant says at the end: the communicated
	// information, or the refusal.
	Closing string `json:"closing"`
}

// Writes returns the blueprint's write actions, given which tools mutate.
func (bp Blueprint) Writes(mutates func(string) bool) []envs.Action {
	var out []envs.Action
	for _, a := range bp.Actions {
		if mutates(a.Name) {
			out = append(out, a)
		}
	}
	return out
}

func act(i int, name string, kv ...any) envs.Action {
	m := map[string]any{}
	for j := 0; j+1 < len(kv); j += 2 {
		m[kv[j].(string)] = kv[j+1]
	}
	b, _ := json.Marshal(m)
	return envs.Action{ActionID: fmt.Sprintf("gold-%d", i), Requestor: envs.Assistant, Name: name, Arguments: b}
}

// RefusalPhrases are the phrases a refusal is recognised by (one suffices).
func RefusalPhrases() []string {
	return []string{"cannot", "can't", "can not", "unable", "not able", "not allowed", "not permitted", "not eligible", "not possible"}
}

// BuildBlueprint derives the gold plan of a scenario: authenticate the
// user, read the records involved, then (when allowed) the write; for a
// refusal the write goes to Forbidden instead.
func BuildBlueprint(sc Scenario) (Blueprint, error) {
	var acts []envs.Action
	add := func(name string, kv ...any) { acts = append(acts, act(len(acts), name, kv...)) }
	var write []envs.Action
	w := func(name string, kv ...any) { write = append(write, act(0, name, kv...)) }
	p := sc.Params
	bp := Blueprint{Refusal: !sc.Allowed}
	switch sc.Family {
	case FamilyAirline:
		add("get_user_details", "user_id", sc.UserID)
		add("get_reservation_details", "reservation_id", sc.EntityID)
		bp.Targets = []RecordRef{{"reservations", sc.EntityID}, {"users", sc.UserID}}
		switch sc.Intent {
		case AirlineCancel:
			w("cancel_reservation", "reservation_id", sc.EntityID)
		case AirlineAddBags, AirlineRemoveBags:
			w("update_reservation_baggages", "reservation_id", sc.EntityID, "total_baggages", p.TotalBaggages,
				"nonfree_baggages", p.NonfreeBaggages, "payment_id", p.PaymentID)
		case AirlineUpdatePassenger, AirlineAddPassenger:
			w("update_reservation_passengers", "reservation_id", sc.EntityID, "passengers", p.Passengers)
		case AirlineChangeCabin:
			w("update_reservation_flights", "reservation_id", sc.EntityID, "cabin", p.Cabin, "flights", p.Flights, "payment_id", p.PaymentID)
		default:
			return Blueprint{}, reject(PlanUnknownIntent, "no blueprint for %q", sc.Intent)
		}
	case FamilyRetail:
		if sc.AuthBy == AuthNameZip {
			add("find_user_id_by_name_zip", "first_name", sc.FirstName, "last_name", sc.LastName, "zip", sc.Zip)
		} else {
			add("find_user_id_by_email", "email", sc.Email)
		}
		if sc.EntityID != "" {
			add("get_order_details", "order_id", sc.EntityID)
			bp.Targets = []RecordRef{{"orders", sc.EntityID}}
		}
		bp.Targets = append(bp.Targets, RecordRef{"users", sc.UserID})
		addr := func() []any {
			if p.Address == nil {
				return nil
			}
			a := p.Address
			return []any{"address1", a.Address1, "address2", a.Address2, "city", a.City, "state", a.State, "country", a.Country, "zip", a.Zip}
		}
		switch sc.Intent {
		case RetailCancel:
			w("cancel_pending_order", "order_id", sc.EntityID, "reason", p.Reason)
		case RetailChangeAddress:
			w("modify_pending_order_address", append([]any{"order_id", sc.EntityID}, addr()...)...)
		case RetailChangePayment:
			add("get_user_details", "user_id", sc.UserID)
			w("modify_pending_order_payment", "order_id", sc.EntityID, "payment_method_id", p.PaymentID)
		case RetailModifyItems, RetailExchange:
			add("get_user_details", "user_id", sc.UserID)
			name := "modify_pending_order_items"
			if sc.Intent == RetailExchange {
				name = "exchange_delivered_order_items"
			}
			w(name, "order_id", sc.EntityID, "item_ids", p.ItemIDs, "new_item_ids", p.NewItemIDs, "payment_method_id", p.PaymentID)
		case RetailReturn:
			add("get_user_details", "user_id", sc.UserID)
			w("return_delivered_order_items", "order_id", sc.EntityID, "item_ids", p.ItemIDs, "payment_method_id", p.PaymentID)
		case RetailChangeUserAddress:
			add("get_user_details", "user_id", sc.UserID)
			w("modify_user_address", append([]any{"user_id", sc.UserID}, addr()...)...)
		default:
			return Blueprint{}, reject(PlanUnknownIntent, "no blueprint for %q", sc.Intent)
		}
	default:
		return Blueprint{}, reject(PlanUnsupportedDomain, "no blueprint for family %q", sc.Family)
	}
	if sc.Allowed {
		for _, a := range write {
			a.ActionID = fmt.Sprintf("gold-%d", len(acts))
			acts = append(acts, a)
		}
		if p.Amount != 0 {
			bp.Communicate = []string{Money(p.Amount)}
		}
		bp.Closing = "Your request has been completed."
		if len(bp.Communicate) > 0 {
			bp.Closing += " For your information: " + strings.Join(bp.Communicate, "; ") + "."
		}
	} else {
		for i := range write {
			write[i].ActionID = fmt.Sprintf("forbidden-%d", i)
		}
		bp.Forbidden = write
		bp.Closing = fmt.Sprintf("I'm sorry, but I cannot do that: %s.", sc.Why)
	}
	bp.Actions = acts
	return bp, nil
}

// Record is one guarded record of a state, as JSON.
type Record struct {
	Table string          `json:"table"`
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
	// Target marks the blueprint's targets; the others are the user's
	// other reservations or orders.
	Target bool `json:"target,omitempty"`
}

// Execution is a blueprint run on a fresh environment.
type Execution struct {
	// Outputs are the actions' results.
	Outputs []envs.ToolResult `json:"outputs"`
	// Errors are the failed actions, "<index> <name>: <output>".
	Errors []string `json:"errors,omitempty"`
	// Hash is the final state's hash (the gold hash).
	Hash string `json:"hash"`
	// Diff is the gold state diff from the initial state.
	Diff []Change `json:"diff"`
	// Records are the gold values of the targets and of the user's other
	// reservations or orders.
	Records []Record `json:"records"`
	// Env is the environment in its final state.
	Env *envs.Env `json:"-"`
}

// ExecuteActions runs actions on a fresh environment of dom.
func ExecuteActions(dom *envs.Domain, acts []envs.Action) *envs.Env {
	env := dom.NewEnv()
	for _, a := range acts {
		env.Call(a.Who(), a.Name, a.Arguments)
	}
	return env
}

// ExecuteBlueprint runs the blueprint's actions on a fresh environment of
// dom and returns the outputs, tool errors, gold hash, gold state diff and
// the guarded records.
func ExecuteBlueprint(dom *envs.Domain, bp Blueprint) Execution {
	env := dom.NewEnv()
	ex := Execution{Env: env}
	for i, a := range bp.Actions {
		res := env.Call(a.Who(), a.Name, a.Arguments)
		ex.Outputs = append(ex.Outputs, res)
		if res.Error {
			ex.Errors = append(ex.Errors, fmt.Sprintf("%d %s: %s", i, a.Name, res.Content))
		}
	}
	ex.Hash = env.StateHash()
	ex.Diff = Diff(dom.Initial, env.State)
	ex.Records = guardedRecords(env.State, bp.Targets)
	return ex
}

// guardedRecords returns the targets and the user's other reservations or
// orders, from st.
func guardedRecords(st envs.State, targets []RecordRef) []Record {
	var out []Record
	seen := map[RecordRef]bool{}
	addRec := func(ref RecordRef, target bool) {
		if seen[ref] {
			return
		}
		seen[ref] = true
		v, ok := RecordJSON(st, ref.Table, ref.Key)
		if !ok {
			v = null()
		}
		out = append(out, Record{Table: ref.Table, Key: ref.Key, Value: v, Target: target})
	}
	for _, t := range targets {
		addRec(t, true)
	}
	for _, t := range targets {
		if t.Table != "users" {
			continue
		}
		switch db := st.(type) {
		case *airline.DB:
			if u, ok := db.Users.Get(t.Key); ok {
				for _, id := range u.Reservations {
					addRec(RecordRef{"reservations", id}, false)
				}
			}
		case *retail.DB:
			if u, ok := db.Users.Get(t.Key); ok {
				for _, id := range u.Orders {
					addRec(RecordRef{"orders", id}, false)
				}
			}
		}
	}
	return out
}

// ValidateBlueprint executes the blueprint and checks it: no tool errors
// (BlueprintToolError); no policy violation (BlueprintPolicyViolation); an
// allowed plan changes the state (BlueprintNoEffect); a refusal writes
// nothing and its forbidden writes do break a rule or fail.
func ValidateBlueprint(dom *envs.Domain, sc Scenario, bp Blueprint) (Execution, error) {
	ex := ExecuteBlueprint(dom, bp)
	if len(ex.Errors) > 0 {
		return ex, reject(BlueprintToolError, "%s", ex.Errors[0])
	}
	vs, err := CheckPlan(dom, sc, bp.Actions)
	if err != nil {
		return ex, err
	}
	if len(vs) > 0 {
		return ex, reject(BlueprintPolicyViolation, "%s", vs[0])
	}
	switch {
	case !bp.Refusal && len(ex.Diff) == 0:
		return ex, reject(BlueprintNoEffect, "the plan of an allowed %s changes nothing", sc.Intent)
	case bp.Refusal && len(ex.Diff) > 0:
		return ex, reject(BlueprintPolicyViolation, "the plan of a refusal writes %s", ex.Diff[0].Path())
	case bp.Refusal:
		if len(bp.Forbidden) == 0 {
			return ex, reject(BlueprintPolicyViolation, "a refusal names no forbidden write")
		}
		all := append(slices.Clone(bp.Actions), bp.Forbidden...)
		vs, err := CheckPlan(dom, sc, all)
		if err != nil {
			return ex, err
		}
		if len(vs) == 0 {
			return ex, reject(BlueprintPolicyViolation, "the policy allows the write the refusal forbids (%s)", bp.Forbidden[0].Name)
		}
	}
	return ex, nil
}
