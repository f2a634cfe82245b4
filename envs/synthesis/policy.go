package synthesis

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/airline"
	"github.com/eigendata/eigendata/envs/retail"
	"github.com/eigendata/eigendata/envs/telecom"
)

// AirlineNow is the airline policy's current time (tau2's airline domain).
const AirlineNow = "2024-05-15T15:00:00"

// FreeBags is the airline policy's free checked bags per passenger.
func FreeBags(membership, cabin string) int {
	table := map[string][3]int{"regular": {0, 1, 2}, "silver": {1, 2, 3}, "gold": {2, 3, 4}}
	row, ok := table[membership]
	if !ok {
		row = table["regular"]
	}
	switch cabin {
	case "basic_economy":
		return row[0]
	case "economy":
		return row[1]
	}
	return row[2]
}

func flown(res *airline.Reservation) bool {
	for _, f := range res.Flights {
		if f.Date < AirlineNow[:10] {
			return true
		}
	}
	return false
}

// AirlineCancelAllowed is the airline policy's cancellation rule for a
// change of plans: no flight flown yet, and booked within the last 24
// hours or in business class (insurance covers only health or weather).
func AirlineCancelAllowed(res *airline.Reservation) (bool, string) {
	if flown(res) {
		return false, "a flight of the reservation has already been flown"
	}
	now, _ := time.Parse("2006-01-02T15:04:05", AirlineNow)
	if created, err := time.Parse("2006-01-02T15:04:05", res.CreatedAt); err == nil && now.Sub(created) <= 24*time.Hour {
		return true, "booked within the last 24 hours"
	}
	if res.Cabin == "business" {
		return true, "business-class reservations may always be cancelled"
	}
	return false, fmt.Sprintf("the reservation is in %s, was booked over 24 hours ago and has no cause covered by insurance, so it cannot be cancelled for a change of plans",
		strings.ReplaceAll(res.Cabin, "_", " "))
}

// CompensationAllowed is the airline policy's compensation rule for a
// flight the airline cancelled: only silver and gold members, travellers
// with insurance, or business class are compensated.
func CompensationAllowed(membership string, res *airline.Reservation) (bool, string) {
	switch {
	case membership == "silver" || membership == "gold":
		return true, fmt.Sprintf("a %s member is compensated $100 per passenger for a cancelled flight", membership)
	case res.Insurance == "yes":
		return true, "an insured traveller is compensated $100 per passenger for a cancelled flight"
	case res.Cabin == "business":
		return true, "a business traveller is compensated $100 per passenger for a cancelled flight"
	}
	return false, fmt.Sprintf("a regular member without insurance flying %s is not compensated", strings.ReplaceAll(res.Cabin, "_", " "))
}

// RetailModifyAllowed is the retail policy's rule: only pending orders may
// be cancelled or modified.
func RetailModifyAllowed(status string) (bool, string) {
	if status == retail.StatusPending {
		return true, "the order is pending"
	}
	return false, fmt.Sprintf("the order is %s; only pending orders can be cancelled or modified", status)
}

// RetailReturnAllowed is the retail policy's rule for returns and
// exchanges: only delivered orders.
func RetailReturnAllowed(status string) (bool, string) {
	if status == retail.StatusDelivered {
		return true, "the order is delivered"
	}
	return false, fmt.Sprintf("the order is %s; only delivered orders can be returned or exchanged", status)
}

// Violation is a policy rule a plan breaks.
type Violation struct {
	Rule   string `json:"rule"`
	Action int    `json:"action"`
	Detail string `json:"detail"`
}

// identifying reports whether a read call identifies the user.
func identifying(name string) bool {
	switch name {
	case "get_user_details", "find_user_id_by_email", "find_user_id_by_name_zip",
		"get_customer_by_phone", "get_customer_by_id", "get_customer_by_name":
		return true
	}
	return false
}

// CheckPolicy checks a plan against the domain's rules that are checkable
// as code, on the scenario's state before the plan runs (each write is
// checked against the state the earlier writes leave): the user is
// identified before any write of the assistant; writes touch only the
// user's own records; and each write satisfies its rule.
func CheckPolicy(dom *envs.Domain, sc Scenario, bp Blueprint) []Violation {
	var out []Violation
	env, err := NewEnv(dom, sc)
	if err != nil {
		return []Violation{{"initial_state", -1, err.Error()}}
	}
	identified := false
	for i, a := range bp.Actions {
		var args map[string]any
		_ = json.Unmarshal(a.Arguments, &args)
		if a.Who() == envs.Assistant && identifying(a.Name) {
			identified = true
		}
		if env.Mutates(a.Name) {
			if !identified && a.Who() == envs.Assistant {
				out = append(out, Violation{"authenticate_first", i, "write before the user was identified"})
			}
			out = append(out, writeRule(env, sc, a, args, i)...)
		}
		env.Call(a.Who(), a.Name, a.Arguments)
	}
	return out
}

func writeRule(env *envs.Env, sc Scenario, a envs.Action, args map[string]any, i int) []Violation {
	str := func(k string) string { s, _ := args[k].(string); return s }
	v := func(rule, detail string) []Violation { return []Violation{{rule, i, detail}} }
	switch db := env.State.(type) {
	case *airline.DB:
		if uid := str("user_id"); uid != "" && uid != sc.UserID {
			return v("own_records_only", "the write names another user")
		}
		res, ok := db.Reservations.Get(str("reservation_id"))
		if !ok {
			if a.Name == "book_reservation" {
				if ps, _ := args["passengers"].([]any); len(ps) > 5 {
					return v("max_passengers", "a reservation can have at most five passengers")
				}
			}
			return nil // the tool reports a missing reservation
		}
		if res.UserID != sc.UserID {
			return v("own_records_only", "reservation belongs to another user")
		}
		switch a.Name {
		case "cancel_reservation":
			if ok, why := AirlineCancelAllowed(res); !ok {
				return v("cancellation_eligibility", why)
			}
		case "update_reservation_baggages":
			if n, _ := args["total_baggages"].(float64); int(n) < res.TotalBaggages {
				return v("bags_not_removable", "checked bags cannot be removed")
			}
		case "update_reservation_flights":
			if flown(res) {
				return v("no_change_after_flown", "a flight of the reservation has already been flown")
			}
			if res.Cabin == "basic_economy" && changesFlights(res, args) {
				return v("basic_economy_fixed", "basic economy flights cannot be modified")
			}
		case "update_reservation_passengers":
			if ps, _ := args["passengers"].([]any); len(ps) != len(res.Passengers) {
				return v("passenger_count_fixed", "the number of passengers cannot change")
			}
		}
	case *retail.DB:
		if uid := str("user_id"); uid != "" && uid != sc.UserID {
			return v("own_records_only", "the write names another user")
		}
		o, ok := db.Orders.Get(str("order_id"))
		if !ok {
			return nil
		}
		if o.UserID != sc.UserID {
			return v("own_records_only", "order belongs to another user")
		}
		switch {
		case a.Name == "cancel_pending_order" || strings.HasPrefix(a.Name, "modify_pending_"):
			if ok, why := RetailModifyAllowed(o.Status); !ok {
				return v("pending_only", why)
			}
		case a.Name == "return_delivered_order_items" || a.Name == "exchange_delivered_order_items":
			if ok, why := RetailReturnAllowed(o.Status); !ok {
				return v("delivered_only", why)
			}
		}
	case *telecom.State:
		if cid := str("customer_id"); cid != "" && cid != sc.UserID {
			return v("own_records_only", "the write names another customer")
		}
		if a.Name == "refuel_data" {
			if gb, _ := args["gb_amount"].(float64); gb > TelecomMaxRefuelGB {
				return v("refuel_limit", fmt.Sprintf("at most %g GB can be refuelled", TelecomMaxRefuelGB))
			}
		}
	}
	return nil
}

// changesFlights reports whether an update_reservation_flights call
// replaces any flight (a cabin change keeps them).
func changesFlights(res *airline.Reservation, args map[string]any) bool {
	fs, _ := args["flights"].([]any)
	if len(fs) != len(res.Flights) {
		return true
	}
	for i, f := range fs {
		m, _ := f.(map[string]any)
		if m["flight_number"] != res.Flights[i].FlightNumber || m["date"] != res.Flights[i].Date {
			return true
		}
	}
	return false
}
