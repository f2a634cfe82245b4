package generate

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/eigendata/eigendata/envs"
)

// Kind names a family of generated tasks.
type Kind string

// Task kinds of the generated domains.
const (
	AirlineAddBag         Kind = "airline.add_bag"
	AirlineCancelBusiness Kind = "airline.cancel_business"
	RetailCancelPending   Kind = "retail.cancel_pending"
	RetailChangeAddress   Kind = "retail.change_order_address"
)

// Tasks returns n tau2-format tasks grounded in the generated database of
// domain ("gen-airline" or "gen-retail") built with opt: each samples a user
// and one of their reservations/orders that the policy lets the agent act on,
// with gold actions, user instructions and a DB reward basis. The same
// options and seed give the same tasks.
func Tasks(domain string, opt Options, n int, seed int64) ([]envs.Task, error) {
	r := rand.New(rand.NewPCG(uint64(seed), 7))
	var raw map[string]map[string]json.RawMessage
	switch domain {
	case "gen-airline":
		if err := json.Unmarshal(AirlineJSON(opt), &raw); err != nil {
			return nil, err
		}
		return airlineTasks(raw, r, n)
	case "gen-retail":
		if err := json.Unmarshal(RetailJSON(opt), &raw); err != nil {
			return nil, err
		}
		return retailTasks(raw, r, n)
	}
	return nil, fmt.Errorf("generate: no task generator for domain %q", domain)
}

type airlineUser struct {
	UserID         string                     `json:"user_id"`
	Name           struct{ FirstName string } `json:"name"`
	PaymentMethods map[string]struct {
		Source string `json:"source"`
	} `json:"payment_methods"`
	Reservations []string `json:"reservations"`
}

type airlineRes struct {
	ReservationID   string `json:"reservation_id"`
	Cabin           string `json:"cabin"`
	TotalBaggages   int    `json:"total_baggages"`
	NonfreeBaggages int    `json:"nonfree_baggages"`
	Flights         []struct {
		Date string `json:"date"`
	} `json:"flights"`
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func args(kv ...any) json.RawMessage {
	m := o(kv...)
	b, _ := json.Marshal(m)
	return b
}

func airlineTasks(raw map[string]map[string]json.RawMessage, r *rand.Rand, n int) ([]envs.Task, error) {
	users := sortedKeys(raw["users"])
	var tasks []envs.Task
	for tries := 0; len(tasks) < n && tries < 100*n; tries++ {
		var u airlineUser
		if err := json.Unmarshal(raw["users"][users[r.IntN(len(users))]], &u); err != nil {
			return nil, err
		}
		if len(u.Reservations) == 0 {
			continue
		}
		var res airlineRes
		if err := json.Unmarshal(raw["reservations"][u.Reservations[r.IntN(len(u.Reservations))]], &res); err != nil {
			return nil, err
		}
		if len(res.Flights) == 0 || res.Flights[0].Date <= "2024-05-15" {
			continue // already flown or departing today
		}
		id := fmt.Sprintf("gen-airline-%d", len(tasks))
		known := fmt.Sprintf("Your user id is %s. Your reservation id is %s.", u.UserID, res.ReservationID)
		switch {
		case res.Cabin == "business" && r.IntN(2) == 0:
			tasks = append(tasks, task(id, "gen-airline", string(AirlineCancelBusiness),
				fmt.Sprintf("You want to cancel your upcoming trip (reservation %s) because your plans changed.", res.ReservationID), known,
				"Confirm the cancellation when the agent asks. End the conversation once it is cancelled.",
				envs.Action{ActionID: id + "-0", Name: "get_reservation_details", Arguments: args("reservation_id", res.ReservationID)},
				envs.Action{ActionID: id + "-1", Name: "cancel_reservation", Arguments: args("reservation_id", res.ReservationID)}))
		default:
			card := ""
			for _, pid := range sortedKeys(u.PaymentMethods) {
				if u.PaymentMethods[pid].Source == "credit_card" {
					card = pid
					break
				}
			}
			if card == "" {
				continue
			}
			tasks = append(tasks, task(id, "gen-airline", string(AirlineAddBag),
				fmt.Sprintf("You want to add one checked bag to reservation %s and pay for it.", res.ReservationID),
				known+fmt.Sprintf(" You pay with credit card %s.", card),
				"Accept the $50 fee. End the conversation once the bag is added.",
				envs.Action{ActionID: id + "-0", Name: "get_reservation_details", Arguments: args("reservation_id", res.ReservationID)},
				envs.Action{ActionID: id + "-1", Name: "update_reservation_baggages", Arguments: args("reservation_id", res.ReservationID,
					"total_baggages", res.TotalBaggages+1, "nonfree_baggages", res.NonfreeBaggages+1, "payment_id", card)}))
		}
	}
	if len(tasks) < n {
		return nil, fmt.Errorf("generate: only %d of %d airline tasks found; use more users", len(tasks), n)
	}
	return tasks, nil
}

type retailUser struct {
	UserID string `json:"user_id"`
	Email  string `json:"email"`
	Orders []string
}

type retailOrder struct {
	OrderID string `json:"order_id"`
	Status  string `json:"status"`
}

func retailTasks(raw map[string]map[string]json.RawMessage, r *rand.Rand, n int) ([]envs.Task, error) {
	users := sortedKeys(raw["users"])
	var tasks []envs.Task
	for tries := 0; len(tasks) < n && tries < 100*n; tries++ {
		var u retailUser
		if err := json.Unmarshal(raw["users"][users[r.IntN(len(users))]], &u); err != nil {
			return nil, err
		}
		if len(u.Orders) == 0 {
			continue
		}
		var ord retailOrder
		if err := json.Unmarshal(raw["orders"][u.Orders[r.IntN(len(u.Orders))]], &ord); err != nil {
			return nil, err
		}
		if ord.Status != "pending" {
			continue
		}
		id := fmt.Sprintf("gen-retail-%d", len(tasks))
		known := fmt.Sprintf("Your email is %s. Your order id is %s.", u.Email, ord.OrderID)
		lookup := envs.Action{ActionID: id + "-0", Name: "find_user_id_by_email", Arguments: args("email", u.Email)}
		if r.IntN(2) == 0 {
			tasks = append(tasks, task(id, "gen-retail", string(RetailCancelPending),
				fmt.Sprintf("You want to cancel order %s because you no longer need it.", ord.OrderID), known,
				"Give 'no longer needed' as the reason and confirm. End the conversation once it is cancelled.",
				lookup,
				envs.Action{ActionID: id + "-1", Name: "cancel_pending_order", Arguments: args("order_id", ord.OrderID, "reason", "no longer needed")}))
			continue
		}
		tasks = append(tasks, task(id, "gen-retail", string(RetailChangeAddress),
			fmt.Sprintf("You moved and want order %s shipped to 12 Harbor Street, Apt 4, Portland, OR 97201, USA.", ord.OrderID), known,
			"Confirm the new address when asked. End the conversation once it is updated.",
			lookup,
			envs.Action{ActionID: id + "-1", Name: "modify_pending_order_address", Arguments: args("order_id", ord.OrderID,
				"address1", "12 Harbor Street", "address2", "Apt 4", "city", "Portland", "state", "OR", "country", "USA", "zip", "97201")}))
	}
	if len(tasks) < n {
		return nil, fmt.Errorf("generate: only %d of %d retail tasks found; use more users", len(tasks), n)
	}
	return tasks, nil
}

func task(id, domain, kind, reason, known, instructions string, actions ...envs.Action) envs.Task {
	desc, _ := json.Marshal(map[string]string{"purpose": kind})
	return envs.Task{
		ID:          id,
		Description: desc,
		UserScenario: envs.UserScenario{Instructions: envs.Instructions{
			Domain: domain, ReasonForCall: reason, KnownInfo: &known, TaskInstructions: instructions,
		}},
		EvaluationCriteria: &envs.EvaluationCriteria{Actions: actions, RewardBasis: []envs.RewardType{envs.RewardDB}},
	}
}
