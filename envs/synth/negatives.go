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

// Negative kinds.
const (
	// NegDropWrite: the gold plan with its last write dropped.
	NegDropWrite = "drop_last_write"
	// NegChangeArg: one argument of a gold write changed to another valid
	// value (the call still succeeds).
	NegChangeArg = "change_argument"
	// NegForbiddenWrite: for a refusal, the forbidden write performed (its
	// effect applied even where the tool itself would refuse).
	NegForbiddenWrite = "forbidden_write"
	// NegSilentRefusal: for a refusal, the gold state but no refusal said.
	NegSilentRefusal = "silent_refusal"
	// NegOmitInfo: the gold state but the required information not said.
	NegOmitInfo = "omit_information"
)

// Negative is a mutated outcome a checker must reject.
type Negative struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
	// Actions is the mutated plan, for state negatives.
	Actions []envs.Action `json:"actions,omitempty"`
	// Hash is the negative state's hash.
	Hash string `json:"hash"`
	// State and Transcript are what the checker is run on.
	State      envs.State     `json:"-"`
	Transcript []envs.Message `json:"-"`
}

// maxArgNegatives bounds the argument-change negatives per instance.
const maxArgNegatives = 2

// Negatives builds the mutated outcomes of an instance. For an allowed
// request: the last write dropped, up to two single-argument changes of a
// write (to valid alternatives so the call still succeeds: another
// payment method, bag count, reason, cabin, address, item, passenger
// detail or record of the user) and, when there is information to
// communicate, the closing message without it. For a refusal: the
// forbidden write performed (and a variant with an argument changed) and
// the closing message without the refusal. A state negative whose state
// equals the gold state is dropped.
func Negatives(dom *envs.Domain, inst *Instance) []Negative {
	sc, bp := inst.Scenario, inst.Blueprint
	gold := ExecuteBlueprint(dom, bp)
	goldTr := GoldTranscript(sc, bp, gold)
	mutates := inst.Mutates
	if len(inst.WriteTools) == 0 {
		mutates = dom.NewEnv().Mutates
	}
	var out []Negative
	hashes := map[string]bool{gold.Hash: true}
	addState := func(kind, name string, acts []envs.Action, env *envs.Env) bool {
		h := env.StateHash()
		if hashes[h] {
			return false
		}
		hashes[h] = true
		out = append(out, Negative{Name: name, Kind: kind, Actions: acts, Hash: h, State: env.State, Transcript: goldTr})
		return true
	}
	withClosing := func(closing string) []envs.Message {
		tr := slices.Clone(goldTr)
		for i := len(tr) - 1; i >= 0; i-- {
			if tr[i].Role == envs.RoleAssistant && !tr[i].IsToolCall() {
				tr[i].Content = closing
				break
			}
		}
		return tr
	}

	if !bp.Refusal {
		var writes []int
		for i, a := range bp.Actions {
			if mutates(a.Name) {
				writes = append(writes, i)
			}
		}
		if len(writes) > 0 {
			last := writes[len(writes)-1]
			acts := slices.Delete(slices.Clone(bp.Actions), last, last+1)
			env, _ := run(dom, acts)
			addState(NegDropWrite, "last write dropped: "+bp.Actions[last].Name, acts, env)
			n := 0
			for k := len(writes) - 1; k >= 0 && n < maxArgNegatives; k-- {
				w := writes[k]
				before, _ := run(dom, bp.Actions[:w])
				usedArgs := map[string]bool{}
				for _, m := range mutations(before.State, sc, bp.Actions[w]) {
					if n >= maxArgNegatives || usedArgs[m.arg] {
						continue
					}
					acts := slices.Clone(bp.Actions)
					acts[w] = m.action
					env, errs := run(dom, acts)
					if errs == 0 && addState(NegChangeArg, fmt.Sprintf("%s: %s changed to %s", bp.Actions[w].Name, m.arg, m.value), acts, env) {
						usedArgs[m.arg] = true
						n++
					}
				}
			}
		}
		if len(bp.Communicate) > 0 {
			out = append(out, Negative{Name: "closing without " + strings.Join(bp.Communicate, ", "), Kind: NegOmitInfo,
				Hash: gold.Hash, State: gold.Env.State, Transcript: withClosing("Your request has been completed.")})
		}
		return out
	}

	for _, f := range bp.Forbidden {
		env, _ := run(dom, bp.Actions)
		if forceApply(env, f) {
			addState(NegForbiddenWrite, "forbidden write performed: "+f.Name, append(slices.Clone(bp.Actions), f), env)
		}
		for _, m := range mutations(gold.Env.State, sc, f) {
			env, _ := run(dom, bp.Actions)
			if forceApply(env, m.action) && addState(NegForbiddenWrite, fmt.Sprintf("forbidden write performed with %s %s", m.arg, m.value), append(slices.Clone(bp.Actions), m.action), env) {
				break
			}
		}
	}
	out = append(out, Negative{Name: "refusal not said", Kind: NegSilentRefusal, Hash: gold.Hash, State: gold.Env.State,
		Transcript: withClosing("Your request has been completed.")})
	return out
}

// run executes actions on a fresh environment and counts tool errors.
func run(dom *envs.Domain, acts []envs.Action) (*envs.Env, int) {
	env := dom.NewEnv()
	errs := 0
	for _, a := range acts {
		if env.Call(a.Who(), a.Name, a.Arguments).Error {
			errs++
		}
	}
	return env, errs
}

// forceApply performs a write, applying its effect even when the tool
// enforces the precondition the policy forbids (retail order statuses,
// the airline passenger count, flown flights).
func forceApply(env *envs.Env, a envs.Action) bool {
	if !env.Call(a.Who(), a.Name, a.Arguments).Error {
		return true
	}
	m := argMap(a.Arguments)
	switch db := env.State.(type) {
	case *retail.DB:
		id := argString(m, "order_id")
		if !db.Orders.Has(id) {
			return false
		}
		want := retail.StatusPending
		if a.Name == "return_delivered_order_items" || a.Name == "exchange_delivered_order_items" {
			want = retail.StatusDelivered
		}
		o, _ := db.Orders.Mut(id)
		o.Status = want
		return !env.Call(a.Who(), a.Name, a.Arguments).Error
	case *airline.DB:
		res, ok := db.Reservations.Mut(argString(m, "reservation_id"))
		if !ok {
			return false
		}
		switch a.Name {
		case "update_reservation_passengers":
			var ps []airline.Passenger
			if json.Unmarshal(mustJSON(m["passengers"]), &ps) != nil {
				return false
			}
			res.Passengers = ps
			return true
		case "update_reservation_flights":
			res.Cabin = argString(m, "cabin")
			return true
		}
	}
	return false
}

type mutation struct {
	arg    string
	value  string
	action envs.Action
}

// mutations proposes variants of a write with one argument changed to
// another value that is valid in st (the state before the write).
func mutations(st envs.State, sc Scenario, a envs.Action) []mutation {
	args := argMap(a.Arguments)
	keys := make([]string, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []mutation
	with := func(k string, v any) {
		m := map[string]any{}
		for kk, vv := range args {
			m[kk] = vv
		}
		m[k] = v
		b, _ := json.Marshal(m)
		desc, _ := json.Marshal(v)
		out = append(out, mutation{arg: k, value: string(desc), action: envs.Action{ActionID: a.ActionID, Requestor: a.Requestor, Name: a.Name, Arguments: b}})
	}
	for _, k := range keys {
		switch k {
		case "payment_id", "payment_method_id":
			for _, id := range userPayments(st, sc.UserID) {
				if id != args[k] {
					with(k, id)
				}
			}
		case "total_baggages", "nonfree_baggages":
			n, _ := argInt(args, k)
			with(k, n+1)
		case "reservation_id", "order_id":
			for _, id := range userEntities(st, sc.UserID) {
				if id != args[k] {
					with(k, id)
				}
			}
		case "user_id":
			for _, id := range StateTables(st).TableKeys("users") {
				if id != args[k] {
					with(k, id)
					break
				}
			}
		case "reason":
			for _, r := range CancelReasons() {
				if r != args[k] {
					with(k, r)
				}
			}
		case "cabin":
			for _, c := range []string{"basic_economy", "economy", "business"} {
				if c != args[k] {
					with(k, c)
				}
			}
		case "zip":
			z := argString(args, k)
			if z != "" {
				with(k, z[:len(z)-1]+string('0'+(z[len(z)-1]-'0'+1)%10))
			}
		case "city":
			with(k, "Springfield")
		case "address1":
			with(k, "1 Main Street")
		case "passengers":
			var ps []Passenger
			if json.Unmarshal(mustJSON(args[k]), &ps) == nil {
				for i := range ps {
					c := slices.Clone(ps)
					c[i].FirstName += "a"
					with(k, c)
				}
			}
		case "item_ids", "new_item_ids":
			for _, alt := range itemAlternatives(st, argString(args, "order_id"), argStrings(args, k), k == "new_item_ids") {
				with(k, alt)
			}
		}
	}
	return out
}

func userPayments(st envs.State, userID string) []string {
	switch db := st.(type) {
	case *airline.DB:
		if u, ok := db.Users.Get(userID); ok {
			return u.PaymentMethods.Keys()
		}
	case *retail.DB:
		if u, ok := db.Users.Get(userID); ok {
			return u.PaymentMethods.Keys()
		}
	}
	return nil
}

func userEntities(st envs.State, userID string) []string {
	switch db := st.(type) {
	case *airline.DB:
		if u, ok := db.Users.Get(userID); ok {
			return u.Reservations
		}
	case *retail.DB:
		if u, ok := db.Users.Get(userID); ok {
			return u.Orders
		}
	}
	return nil
}

// itemAlternatives proposes other item lists: for item_ids another item of
// the order in place of the first; for new_item_ids another variant of the
// same product.
func itemAlternatives(st envs.State, orderID string, ids []string, variants bool) [][]string {
	db, ok := st.(*retail.DB)
	if !ok || len(ids) == 0 {
		return nil
	}
	o, ok := db.Orders.Get(orderID)
	if !ok {
		return nil
	}
	var out [][]string
	if !variants {
		for _, it := range o.Items {
			if !slices.Contains(ids, it.ItemID) {
				c := slices.Clone(ids)
				c[0] = it.ItemID
				out = append(out, c)
			}
		}
		if len(ids) > 1 {
			out = append(out, ids[:len(ids)-1])
		}
		return out
	}
	for _, p := range db.Products.All() {
		if _, ok := p.Variants.Get(ids[0]); !ok {
			continue
		}
		for _, id := range p.Variants.Keys() {
			if v, _ := p.Variants.Get(id); v.Available && id != ids[0] {
				c := slices.Clone(ids)
				c[0] = id
				out = append(out, c)
			}
		}
		break
	}
	return out
}
