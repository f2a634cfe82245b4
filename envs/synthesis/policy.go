package synthesis

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/airline"
	"github.com/eigendata/eigendata/envs/retail"
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
	return false, fmt.Sprintf("a %s reservation booked over 24 hours ago cannot be cancelled for a change of plans", res.Cabin)
}

// RetailModifyAllowed is the retail policy's rule: only pending orders may
// be cancelled or modified.
func RetailModifyAllowed(status string) (bool, string) {
	if status == retail.StatusPending {
		return true, "the order is pending"
	}
	return false, fmt.Sprintf("the order is %s; only pending orders can be cancelled or modified", status)
}

// Violation is a policy rule a plan breaks.
type Violation struct {
	Rule   string `json:"rule"`
	Action int    `json:"action"`
	Detail string `json:"detail"`
}

// CheckPolicy checks a plan against the domain's rules that are checkable
// as code, on the state before the plan runs: the user is identified
// before any write; writes touch only the user's own records; and each
// write satisfies its rule.
func CheckPolicy(dom *envs.Domain, sc Scenario, bp Blueprint) []Violation {
	var out []Violation
	env := dom.NewEnv()
	identified := false
	for i, a := range bp.Actions {
		var args map[string]any
		_ = json.Unmarshal(a.Arguments, &args)
		if a.Name == "get_user_details" || a.Name == "find_user_id_by_email" || a.Name == "find_user_id_by_name_zip" {
			identified = true
		}
		if env.Mutates(a.Name) {
			if !identified {
				out = append(out, Violation{"authenticate_first", i, "write before the user was identified"})
			}
			out = append(out, writeRule(dom, sc, a.Name, args, i)...)
		}
	}
	return out
}

func writeRule(dom *envs.Domain, sc Scenario, name string, args map[string]any, i int) []Violation {
	id := func(k string) string { s, _ := args[k].(string); return s }
	switch db := dom.Initial.(type) {
	case *airline.DB:
		res, ok := db.Reservations.Get(id("reservation_id"))
		if !ok {
			return nil // the tool reports it
		}
		if res.UserID != sc.UserID {
			return []Violation{{"own_records_only", i, "reservation belongs to another user"}}
		}
		if name == "cancel_reservation" {
			if ok, why := AirlineCancelAllowed(res); !ok {
				return []Violation{{"cancellation_eligibility", i, why}}
			}
		}
		if name == "update_reservation_baggages" {
			if n, _ := args["total_baggages"].(float64); int(n) < res.TotalBaggages {
				return []Violation{{"bags_not_removable", i, "checked bags cannot be removed"}}
			}
		}
	case *retail.DB:
		o, ok := db.Orders.Get(id("order_id"))
		if !ok {
			return nil
		}
		if o.UserID != sc.UserID {
			return []Violation{{"own_records_only", i, "order belongs to another user"}}
		}
		if name == "cancel_pending_order" || len(name) > 15 && name[:15] == "modify_pending_" {
			if ok, why := RetailModifyAllowed(o.Status); !ok {
				return []Violation{{"pending_only", i, why}}
			}
		}
	}
	return nil
}
