// Package synthesis holds the pure logic of eigendata's synthesis engine,
// stage by stage, with no Temporal and no model calls: grounded scenario
// planning over a domain database (the rule-based planner baseline), gold
// blueprints executed on a fresh environment, the domain policy rules that
// are checkable as code, per-instance checker programs (the rule-based
// checker writer baseline), the verifier with mutated negatives, the
// rule-based judge baseline, near-duplicate signatures and the dataset
// export formats. Activities call it; model-backed roles produce the same
// types.
package synthesis

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/airline"
	"github.com/eigendata/eigendata/envs/retail"
)

// Family is the tool family of a domain: airline-shaped or retail-shaped.
type Family string

// Families.
const (
	Airline Family = "airline"
	Retail  Family = "retail"
)

// FamilyOf returns the family of dom's database.
func FamilyOf(dom *envs.Domain) (Family, error) {
	switch dom.Initial.(type) {
	case *airline.DB:
		return Airline, nil
	case *retail.DB:
		return Retail, nil
	}
	return "", fmt.Errorf("synthesis: domain %s is neither airline- nor retail-shaped", dom.Name)
}

// Intents the planner samples.
const (
	IntentCancelReservation = "cancel_reservation"
	IntentAddBag            = "add_checked_bag"
	IntentCancelOrder       = "cancel_pending_order"
	IntentChangeAddress     = "change_order_address"
)

// Scenario is a planned instance: grounded entities and a user intent the
// policy allows (Allowed) or forbids (the right outcome is a refusal).
type Scenario struct {
	Domain   string `json:"domain"`
	Family   Family `json:"family"`
	Seed     int64  `json:"seed"`
	Intent   string `json:"intent"`
	Allowed  bool   `json:"allowed"`
	UserID   string `json:"user_id"`
	Email    string `json:"email,omitempty"`
	EntityID string `json:"entity_id"`
	// Params are intent parameters (new bag counts, payment id, address...).
	Params map[string]any `json:"params,omitempty"`
	// Why explains the policy decision.
	Why          string            `json:"why"`
	Instructions envs.Instructions `json:"instructions"`
}

// Identity is what the user states to authenticate.
func (s Scenario) Identity() []string {
	if s.Email != "" {
		return []string{s.UserID, s.Email}
	}
	return []string{s.UserID}
}

// ErrNoEntity means the planner found nothing to ground the intent in.
var ErrNoEntity = fmt.Errorf("synthesis: no grounded entity for the intent")

// PlanBaseline is the rule-based planner: deterministic in seed, it picks a
// user and one of their reservations or orders from the database at random
// and an intent, then decides with the policy rules whether it is allowed.
func PlanBaseline(dom *envs.Domain, seed int64) (Scenario, error) {
	r := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	pairs := EntityPairs(dom)
	return plan(dom, seed, r, func(int) [2]string {
		if len(pairs) == 0 {
			return [2]string{}
		}
		return pairs[r.IntN(len(pairs))]
	})
}

// PlanAt is the rule-based planner for candidate index of a run: it walks
// the database's (user, reservation/order) pairs in an order fixed by
// runSeed, so a run's candidates ground distinct entities until the
// database is exhausted; seed picks the intent.
//
// pairs is EntityPairs(dom), which callers compute once per domain.
func PlanAt(dom *envs.Domain, pairs [][2]string, runSeed int64, index int, seed int64) (Scenario, error) {
	r := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	perm := rand.New(rand.NewPCG(uint64(runSeed), 0xe47)).Perm(len(pairs))
	return plan(dom, seed, r, func(try int) [2]string {
		if len(pairs) == 0 {
			return [2]string{}
		}
		// Fallbacks jump half the table away, far from the primaries of the
		// run's other candidates.
		return pairs[perm[(index+try*(len(pairs)/2+1))%len(pairs)]]
	})
}

// EntityPairs lists every (user id, reservation/order id), sorted.
func EntityPairs(dom *envs.Domain) [][2]string {
	var out [][2]string
	add := func(uid string, ids []string) {
		for _, id := range ids {
			out = append(out, [2]string{uid, id})
		}
	}
	switch db := dom.Initial.(type) {
	case *airline.DB:
		for uid, u := range db.Users.All() {
			add(uid, u.Reservations)
		}
	case *retail.DB:
		for uid, u := range db.Users.All() {
			add(uid, u.Orders)
		}
	}
	slices.SortFunc(out, func(a, b [2]string) int { return strings.Compare(a[0]+"\x00"+a[1], b[0]+"\x00"+b[1]) })
	return out
}

// PlanFor grounds a scenario a model planner chose: the user, their
// reservation or order, and the intent it wants (the policy rules still
// decide whether it is allowed; the parameters are derived from the data).
func PlanFor(dom *envs.Domain, seed int64, userID, entityID, intent string) (Scenario, error) {
	r := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	return planWish(dom, seed, r, intent, func(int) [2]string { return [2]string{userID, entityID} })
}

// Intents lists the intents of a family.
func Intents(f Family) []string {
	if f == Retail {
		return []string{IntentCancelOrder, IntentChangeAddress}
	}
	return []string{IntentCancelReservation, IntentAddBag}
}

func plan(dom *envs.Domain, seed int64, r *rand.Rand, choose func(try int) [2]string) (Scenario, error) {
	return planWish(dom, seed, r, "", choose)
}

func planWish(dom *envs.Domain, seed int64, r *rand.Rand, wish string, choose func(try int) [2]string) (Scenario, error) {
	sc := Scenario{Domain: dom.Name, Seed: seed, Intent: wish}
	switch db := dom.Initial.(type) {
	case *airline.DB:
		sc.Family = Airline
		return planAirline(db, r, sc, choose)
	case *retail.DB:
		sc.Family = Retail
		return planRetail(db, r, sc, choose)
	}
	return sc, fmt.Errorf("synthesis: domain %s is neither airline- nor retail-shaped", dom.Name)
}

func planAirline(db *airline.DB, r *rand.Rand, sc Scenario, choose func(int) [2]string) (Scenario, error) {
	wish := sc.Intent
	for try := 0; try < 50; try++ {
		p := choose(try)
		u, ok := db.Users.Get(p[0])
		if !ok {
			continue
		}
		res, ok := db.Reservations.Get(p[1])
		if !ok || (res.Status != nil && *res.Status == "cancelled") {
			continue
		}
		sc.UserID, sc.EntityID = u.UserID, res.ReservationID
		cancel := r.IntN(2) == 0
		if wish != "" {
			cancel = wish == IntentCancelReservation
		}
		pay := ""
		for _, id := range u.PaymentMethods.Keys() {
			pm, _ := u.PaymentMethods.Get(id)
			if pm.Source == "credit_card" || pm.Source == "gift_card" && pm.Amount != nil && *pm.Amount >= 50 {
				pay = id
				break
			}
		}
		if pay == "" || flown(res) {
			// No bag can be added here: the same entity still grounds a
			// cancellation (allowed or a refusal), which keeps a run's
			// candidates on distinct entities.
			cancel = true
		}
		if cancel {
			sc.Intent = IntentCancelReservation
			sc.Allowed, sc.Why = AirlineCancelAllowed(res)
			sc.Instructions = instructions(
				fmt.Sprintf("You want to cancel your reservation %s; your plans changed.", res.ReservationID),
				fmt.Sprintf("Your user id is %s. The reservation id is %s.", u.UserID, res.ReservationID),
				"If the agent says it cannot cancel, accept that and end the conversation.")
			return sc, nil
		}
		total := res.TotalBaggages + 1
		free := FreeBags(u.Membership, res.Cabin) * len(res.Passengers)
		nonfree := max(total-free, res.NonfreeBaggages)
		sc.Intent, sc.Allowed, sc.Why = IntentAddBag, true, "bags may be added to any active reservation"
		sc.Params = map[string]any{"total_baggages": total, "nonfree_baggages": nonfree, "payment_id": pay,
			"fee": 50 * (nonfree - res.NonfreeBaggages)}
		sc.Instructions = instructions(
			fmt.Sprintf("You want to add one checked bag to your reservation %s.", res.ReservationID),
			fmt.Sprintf("Your user id is %s. The reservation id is %s. Pay any fee with %s.", u.UserID, res.ReservationID, pay),
			"Confirm when the agent asks.")
		return sc, nil
	}
	return sc, ErrNoEntity
}

func planRetail(db *retail.DB, r *rand.Rand, sc Scenario, choose func(int) [2]string) (Scenario, error) {
	wish := sc.Intent
	for try := 0; try < 50; try++ {
		p := choose(try)
		u, ok := db.Users.Get(p[0])
		if !ok {
			continue
		}
		o, ok := db.Orders.Get(p[1])
		if !ok {
			continue
		}
		sc.UserID, sc.Email, sc.EntityID = u.UserID, u.Email, o.OrderID
		pending := o.Status == retail.StatusPending
		cancel := r.IntN(2) == 0
		if wish != "" {
			cancel = wish == IntentCancelOrder
		}
		if cancel || !pending {
			sc.Intent = IntentCancelOrder
			sc.Allowed, sc.Why = RetailModifyAllowed(o.Status)
			sc.Params = map[string]any{"reason": "no longer needed"}
			sc.Instructions = instructions(
				fmt.Sprintf("You want to cancel your order %s because you no longer need it.", o.OrderID),
				fmt.Sprintf("Your email is %s. The order id is %s.", u.Email, o.OrderID),
				"If the agent says it cannot cancel, accept that and end the conversation.")
			return sc, nil
		}
		addr := u.Address
		if addr == o.Address {
			addr.Address1 = fmt.Sprintf("%d Elm Street", 100+r.IntN(900))
		}
		sc.Intent, sc.Allowed, sc.Why = IntentChangeAddress, true, "pending orders may change their shipping address"
		sc.Params = map[string]any{"address1": addr.Address1, "address2": addr.Address2, "city": addr.City,
			"state": addr.State, "country": addr.Country, "zip": addr.Zip}
		sc.Instructions = instructions(
			fmt.Sprintf("You want your order %s shipped to %s, %s instead.", o.OrderID, addr.Address1, addr.City),
			fmt.Sprintf("Your email is %s. The order id is %s. The new address is %s, %s, %s, %s %s, %s.",
				u.Email, o.OrderID, addr.Address1, addr.Address2, addr.City, addr.State, addr.Zip, addr.Country),
			"Confirm when the agent asks.")
		return sc, nil
	}
	return sc, ErrNoEntity
}

func instructions(reason, known, task string) envs.Instructions {
	return envs.Instructions{ReasonForCall: reason, KnownInfo: &known, TaskInstructions: task}
}

// Blueprint is the gold plan: the assistant's tool calls, what it must
// tell the user, and whether the right outcome is a refusal.
type Blueprint struct {
	Actions     []envs.Action `json:"actions"`
	Communicate []string      `json:"communicate_info,omitempty"`
	Refusal     bool          `json:"refusal,omitempty"`
}

func action(i int, name string, args map[string]any) envs.Action {
	b, _ := json.Marshal(args)
	return envs.Action{ActionID: fmt.Sprintf("gold-%d", i), Name: name, Arguments: b, Requestor: envs.Assistant}
}

// BlueprintFor derives the gold plan of a scenario (the baseline planner's
// plans are derived by rule; a model planner's plans are checked the same way).
func BlueprintFor(sc Scenario) Blueprint {
	var acts []envs.Action
	add := func(name string, args map[string]any) { acts = append(acts, action(len(acts), name, args)) }
	bp := Blueprint{Refusal: !sc.Allowed}
	switch sc.Family {
	case Airline:
		add("get_user_details", map[string]any{"user_id": sc.UserID})
		add("get_reservation_details", map[string]any{"reservation_id": sc.EntityID})
	case Retail:
		add("find_user_id_by_email", map[string]any{"email": sc.Email})
		add("get_order_details", map[string]any{"order_id": sc.EntityID})
	}
	if !sc.Allowed {
		bp.Actions = acts
		return bp
	}
	switch sc.Intent {
	case IntentCancelReservation:
		add("cancel_reservation", map[string]any{"reservation_id": sc.EntityID})
	case IntentAddBag:
		add("update_reservation_baggages", map[string]any{"reservation_id": sc.EntityID,
			"total_baggages": sc.Params["total_baggages"], "nonfree_baggages": sc.Params["nonfree_baggages"], "payment_id": sc.Params["payment_id"]})
		if fee, _ := sc.Params["fee"].(int); fee > 0 {
			bp.Communicate = []string{fmt.Sprint(fee)}
		}
	case IntentCancelOrder:
		add("cancel_pending_order", map[string]any{"order_id": sc.EntityID, "reason": sc.Params["reason"]})
	case IntentChangeAddress:
		p := sc.Params
		add("modify_pending_order_address", map[string]any{"order_id": sc.EntityID, "address1": p["address1"], "address2": p["address2"],
			"city": p["city"], "state": p["state"], "country": p["country"], "zip": p["zip"]})
	}
	bp.Actions = acts
	return bp
}

// Task renders the instance as a tau2-format task, so tau2's evaluator,
// the episode runner and EvalWorkflow run on synthetic instances.
func Task(id string, sc Scenario, bp Blueprint) envs.Task {
	basis := []envs.RewardType{envs.RewardDB}
	if len(bp.Communicate) > 0 {
		basis = append(basis, envs.RewardCommunicate)
	}
	purpose := fmt.Sprintf("synthetic %s (%s)", sc.Intent, map[bool]string{true: "allowed", false: "refusal"}[sc.Allowed])
	desc, _ := json.Marshal(map[string]string{"purpose": purpose})
	return envs.Task{
		ID:                 id,
		Description:        desc,
		UserScenario:       envs.UserScenario{Instructions: sc.Instructions},
		EvaluationCriteria: &envs.EvaluationCriteria{Actions: bp.Actions, CommunicateInfo: bp.Communicate, RewardBasis: basis},
	}
}

// Signature identifies near-duplicates: same intent on the same entity.
func Signature(sc Scenario) string {
	return strings.Join([]string{sc.Domain, sc.Intent, sc.EntityID, fmt.Sprint(sc.Allowed)}, "|")
}
