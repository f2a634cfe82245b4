package synth

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/airline"
)

// AirlinePolicy is the airline family's checkable rules (tau2's airline
// policy; eigendata's generated airline differs only in free bags).
type AirlinePolicy struct {
	// FreeBags is the number of free checked bags per passenger by
	// membership level, for basic_economy, economy and business.
	FreeBags map[string][3]int
}

// Tau2AirlinePolicy returns tau2's airline rules.
func Tau2AirlinePolicy() AirlinePolicy {
	return AirlinePolicy{FreeBags: map[string][3]int{"regular": {0, 1, 2}, "silver": {1, 2, 3}, "gold": {2, 3, 4}}}
}

// GenAirlinePolicy returns the generated airline's rules (gold members get
// three free bags in business, not four).
func GenAirlinePolicy() AirlinePolicy {
	return AirlinePolicy{FreeBags: map[string][3]int{"regular": {0, 1, 2}, "silver": {1, 2, 3}, "gold": {2, 3, 3}}}
}

// Family implements Policy.
func (AirlinePolicy) Family() Family { return FamilyAirline }

// FreeBagsPer returns the free checked bags per passenger.
func (p AirlinePolicy) FreeBagsPer(membership, cabin string) int {
	row, ok := p.FreeBags[membership]
	if !ok {
		row = p.FreeBags["regular"]
	}
	switch cabin {
	case "basic_economy":
		return row[0]
	case "economy":
		return row[1]
	}
	return row[2]
}

// NonfreeBags is the number of paid bags a reservation must carry after
// changing to total bags: the bags over the free allowance, and never
// fewer than were already paid for.
func (p AirlinePolicy) NonfreeBags(db *airline.DB, res *airline.Reservation, total int) int {
	membership := "regular"
	if u, ok := db.Users.Get(res.UserID); ok {
		membership = u.Membership
	}
	free := p.FreeBagsPer(membership, res.Cabin) * len(res.Passengers)
	return max(res.NonfreeBaggages, total-free, 0)
}

func flightDateStatus(db *airline.DB, num, date string) string {
	f, ok := db.Flights.Get(num)
	if !ok {
		return ""
	}
	d, ok := f.Dates.Get(date)
	if !ok || d == nil {
		return ""
	}
	return d.Status
}

// Flown reports whether any flight of the reservation has taken off: it
// is landed or flying, or its date is past and the airline did not cancel it.
func Flown(db *airline.DB, res *airline.Reservation) bool {
	today := Now[:10]
	for _, f := range res.Flights {
		st := flightDateStatus(db, f.FlightNumber, f.Date)
		if st == "landed" || st == "flying" || f.Date < today && st != "cancelled" {
			return true
		}
	}
	return false
}

func airlineCancelledFlight(db *airline.DB, res *airline.Reservation) bool {
	for _, f := range res.Flights {
		if flightDateStatus(db, f.FlightNumber, f.Date) == "cancelled" {
			return true
		}
	}
	return false
}

func bookedWithin24h(res *airline.Reservation) bool {
	now, _ := parseTime(Now)
	created, ok := parseTime(res.CreatedAt)
	return ok && !created.After(now) && now.Sub(created).Hours() <= 24
}

// Decision is a policy decision on a request.
type Decision struct {
	Allowed bool   `json:"allowed"`
	Rule    string `json:"rule"`
	Why     string `json:"why"`
}

// CancelDecision applies the cancellation rule: nothing flown, and booked
// within 24 hours, or a flight cancelled by the airline, or a business
// cabin, or travel insurance with a covered reason (health, weather).
func (p AirlinePolicy) CancelDecision(db *airline.DB, res *airline.Reservation, reason string) Decision {
	switch {
	case res.Status != nil && *res.Status == "cancelled":
		return Decision{false, "cancel.already_cancelled", "the reservation is already cancelled"}
	case Flown(db, res):
		return Decision{false, "cancel.flown", "part of the trip has already been flown"}
	case bookedWithin24h(res):
		return Decision{true, "cancel.within_24h", "it was booked within the last 24 hours"}
	case airlineCancelledFlight(db, res):
		return Decision{true, "cancel.airline_cancelled", "the airline cancelled a flight of the reservation"}
	case res.Cabin == "business":
		return Decision{true, "cancel.business", "business-cabin reservations can always be cancelled"}
	case res.Insurance == "yes" && coveredReason(reason):
		return Decision{true, "cancel.insurance", "the travel insurance covers the reason (" + reason + ")"}
	case res.Insurance == "yes":
		return Decision{false, "cancel.not_eligible", fmt.Sprintf("the travel insurance does not cover %q, and the %s reservation was booked over 24 hours ago", reason, res.Cabin)}
	}
	return Decision{false, "cancel.not_eligible", fmt.Sprintf("the %s reservation was booked over 24 hours ago without travel insurance", res.Cabin)}
}

// CabinDecision applies the cabin-change rule: no flight flown.
func (p AirlinePolicy) CabinDecision(db *airline.DB, res *airline.Reservation) Decision {
	if Flown(db, res) {
		return Decision{false, "cabin.flown", "the cabin cannot change once a flight of the reservation has been flown"}
	}
	return Decision{true, "cabin.not_flown", "no flight of the reservation has been flown"}
}

// Authenticates implements Policy: get_user_details identifies the user.
func (AirlinePolicy) Authenticates(name string, args json.RawMessage, _ string) string {
	if name == "get_user_details" {
		return argString(argMap(args), "user_id")
	}
	return ""
}

// Owner implements Policy.
func (AirlinePolicy) Owner(st envs.State, name string, args json.RawMessage) string {
	db, ok := st.(*airline.DB)
	if !ok {
		return ""
	}
	m := argMap(args)
	if id := argString(m, "reservation_id"); id != "" {
		if res, ok := db.Reservations.Get(id); ok {
			return res.UserID
		}
		return ""
	}
	return argString(m, "user_id")
}

func (p AirlinePolicy) checkPayment(db *airline.DB, userID, paymentID string) *Violation {
	u, ok := db.Users.Get(userID)
	if !ok {
		return nil
	}
	pm, ok := u.PaymentMethods.Get(paymentID)
	if !ok {
		return &Violation{Rule: "payment.on_profile", Detail: fmt.Sprintf("payment method %s is not on the user's profile", paymentID)}
	}
	if pm.Source == "certificate" {
		return &Violation{Rule: "payment.no_certificate", Detail: "a travel certificate cannot pay for a change"}
	}
	return nil
}

// CheckWrite implements Policy.
func (p AirlinePolicy) CheckWrite(st envs.State, pc PolicyContext, name string, args json.RawMessage) *Violation {
	db, ok := st.(*airline.DB)
	if !ok {
		return nil
	}
	m := argMap(args)
	res, ok := db.Reservations.Get(argString(m, "reservation_id"))
	if !ok {
		return nil // the tool reports unknown reservations
	}
	switch name {
	case "cancel_reservation":
		if d := p.CancelDecision(db, res, pc.Reason); !d.Allowed {
			return &Violation{Rule: d.Rule, Detail: d.Why}
		}
	case "update_reservation_baggages":
		total, _ := argInt(m, "total_baggages")
		nonfree, _ := argInt(m, "nonfree_baggages")
		if total < res.TotalBaggages || nonfree < res.NonfreeBaggages {
			return &Violation{Rule: "bags.no_removal", Detail: fmt.Sprintf("checked bags cannot be removed (%d -> %d)", res.TotalBaggages, total)}
		}
		if want := p.NonfreeBags(db, res, total); nonfree != want {
			return &Violation{Rule: "bags.fee", Detail: fmt.Sprintf("%d bags over the free allowance must be paid, not %d", want, nonfree)}
		}
		return p.checkPayment(db, res.UserID, argString(m, "payment_id"))
	case "update_reservation_flights":
		var flights []FlightRef
		_ = json.Unmarshal(mustJSON(m["flights"]), &flights)
		same := len(flights) == len(res.Flights)
		for i := 0; same && i < len(flights); i++ {
			same = flights[i].FlightNumber == res.Flights[i].FlightNumber && flights[i].Date == res.Flights[i].Date
		}
		if !same && res.Cabin == "basic_economy" {
			return &Violation{Rule: "flights.basic_economy", Detail: "basic economy flights cannot be modified"}
		}
		if cabin := argString(m, "cabin"); cabin != res.Cabin {
			if d := p.CabinDecision(db, res); !d.Allowed {
				return &Violation{Rule: d.Rule, Detail: d.Why}
			}
		}
		return p.checkPayment(db, res.UserID, argString(m, "payment_id"))
	case "update_reservation_passengers":
		raw, _ := m["passengers"].([]any)
		if len(raw) != len(res.Passengers) {
			return &Violation{Rule: "passengers.count", Detail: fmt.Sprintf("the number of passengers cannot change (%d -> %d)", len(res.Passengers), len(raw))}
		}
	}
	return nil
}

// paymentSources lists a user's payment method ids by source.
func airlinePayments(u *airline.User, sources ...string) []string {
	var out []string
	for _, id := range u.PaymentMethods.Keys() {
		pm, _ := u.PaymentMethods.Get(id)
		if slices.Contains(sources, pm.Source) {
			out = append(out, id)
		}
	}
	return out
}
