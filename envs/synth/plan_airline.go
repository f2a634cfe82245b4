package synth

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/eigendata/eigendata/envs/airline"
)

// cancelReasonPhrases are the reasons a user gives for cancelling: a
// change of plans (not covered by travel insurance), then two covered ones.
func cancelReasonPhrases() []string {
	return []string{"a change of plans", "a health problem", "bad weather at the destination"}
}

func groundAirline(db *airline.DB, pol AirlinePolicy, sc Scenario, refusal bool, ref EntityRef, r *rand.Rand) (Scenario, bool) {
	u, ok := db.Users.Get(ref.UserID)
	if !ok {
		return sc, false
	}
	res, ok := db.Reservations.Get(ref.EntityID)
	if !ok || res.UserID != u.UserID || res.Status != nil && *res.Status == "cancelled" {
		return sc, false
	}
	sc.UserID, sc.EntityID, sc.AuthBy, sc.Email = u.UserID, res.ReservationID, AuthUserID, u.Email
	sc.FirstName, sc.LastName = u.Name.FirstName, u.Name.LastName
	flown := Flown(db, res)
	who := fmt.Sprintf("Your user id is %s. The reservation id is %s.", u.UserID, res.ReservationID)
	refusalTask := "If the agent says it cannot do this, accept that and end the conversation."
	switch sc.Intent {
	case AirlineCancel:
		reasons := cancelReasonPhrases()
		if refusal {
			// A refusal is grounded in an uncovered reason: plans changed.
			reasons = reasons[:1]
		} else {
			r.Shuffle(len(reasons), func(i, j int) { reasons[i], reasons[j] = reasons[j], reasons[i] })
		}
		for _, reason := range reasons {
			d := pol.CancelDecision(db, res, reason)
			if d.Allowed == refusal {
				continue
			}
			sc.Allowed, sc.Rule, sc.Why = d.Allowed, d.Rule, d.Why
			sc.Params = Params{Reason: reason}
			if d.Allowed {
				for _, p := range res.PaymentHistory {
					sc.Params.Amount += float64(p.Amount)
				}
			}
			sc.Instructions = instructions(sc.Domain,
				fmt.Sprintf("You want to cancel your reservation %s because of %s.", res.ReservationID, reason),
				fmt.Sprintf("%s The reason for cancelling is %s.", who, reason),
				"Confirm the cancellation when the agent asks. "+refusalTask)
			return sc, true
		}
		return sc, false

	case AirlineAddBags:
		if flown {
			return sc, false
		}
		n := 1 + r.IntN(2)
		total := res.TotalBaggages + n
		nonfree := pol.NonfreeBags(db, res, total)
		fee := 50 * (nonfree - res.NonfreeBaggages)
		var pays []string
		for _, id := range airlinePayments(u, "credit_card", "gift_card") {
			pm, _ := u.PaymentMethods.Get(id)
			if pm.Source == "credit_card" || pm.Amount != nil && *pm.Amount >= float64(fee) {
				pays = append(pays, id)
			}
		}
		if len(pays) == 0 {
			return sc, false
		}
		sc.Allowed, sc.Rule, sc.Why = true, "bags.add", "checked bags can be added to a reservation"
		sc.Params = Params{TotalBaggages: total, NonfreeBaggages: nonfree, PaymentID: pick(r, pays), Amount: float64(fee)}
		bags := "one more checked bag"
		if n == 2 {
			bags = "two more checked bags"
		}
		sc.Instructions = instructions(sc.Domain,
			fmt.Sprintf("You want to add %s to your reservation %s.", bags, res.ReservationID),
			fmt.Sprintf("%s You want %d checked bags in total. Pay any fee with %s.", who, total, sc.Params.PaymentID),
			"Accept the fee and confirm when the agent asks.")
		return sc, true

	case AirlineRemoveBags:
		pays := airlinePayments(u, "credit_card", "gift_card")
		if flown || res.TotalBaggages < 1 || len(pays) == 0 {
			return sc, false
		}
		total := res.TotalBaggages - 1
		sc.Allowed, sc.Rule, sc.Why = false, "bags.no_removal", "checked bags can be added but not removed"
		sc.Params = Params{TotalBaggages: total, NonfreeBaggages: min(res.NonfreeBaggages, total), PaymentID: pays[0]}
		sc.Instructions = instructions(sc.Domain,
			fmt.Sprintf("You want to remove one checked bag from your reservation %s; you only need %d.", res.ReservationID, total),
			who, refusalTask)
		return sc, true

	case AirlineUpdatePassenger:
		if flown || len(res.Passengers) == 0 {
			return sc, false
		}
		i := r.IntN(len(res.Passengers))
		ps := passengersOf(res)
		old := ps[i]
		var y, m, d int
		if _, err := fmt.Sscanf(old.Dob, "%d-%d-%d", &y, &m, &d); err != nil {
			return sc, false
		}
		ps[i].Dob = fmt.Sprintf("%04d-%02d-%02d", y, m, d%28+1)
		sc.Allowed, sc.Rule, sc.Why = true, "passengers.details", "passenger details can be changed"
		sc.Params = Params{Passengers: ps}
		sc.Instructions = instructions(sc.Domain,
			fmt.Sprintf("The date of birth of passenger %s %s on your reservation %s is wrong.", old.FirstName, old.LastName, res.ReservationID),
			fmt.Sprintf("%s The correct date of birth of %s %s is %s; everything else stays the same.", who, old.FirstName, old.LastName, ps[i].Dob),
			"Confirm the change when the agent asks.")
		return sc, true

	case AirlineAddPassenger:
		if flown || len(res.Passengers) >= 5 {
			return sc, false
		}
		ps := passengersOf(res)
		extra := Passenger{FirstName: "Jordan", LastName: "Reyes", Dob: "1991-07-14"}
		for _, sp := range u.SavedPassengers {
			p := Passenger(sp)
			if !slices.Contains(ps, p) {
				extra = p
				break
			}
		}
		sc.Allowed, sc.Rule, sc.Why = false, "passengers.count", "the number of passengers of a reservation cannot change"
		sc.Params = Params{Passengers: append(ps, extra)}
		sc.Instructions = instructions(sc.Domain,
			fmt.Sprintf("You want to add %s %s as a passenger to your reservation %s.", extra.FirstName, extra.LastName, res.ReservationID),
			fmt.Sprintf("%s The new passenger is %s %s, born %s.", who, extra.FirstName, extra.LastName, extra.Dob),
			refusalTask)
		return sc, true

	case AirlineChangeCabin:
		d := pol.CabinDecision(db, res)
		if d.Allowed == refusal {
			return sc, false
		}
		cabins := []string{"basic_economy", "economy", "business"}
		r.Shuffle(len(cabins), func(i, j int) { cabins[i], cabins[j] = cabins[j], cabins[i] })
		flights := make([]FlightRef, len(res.Flights))
		for i, f := range res.Flights {
			flights[i] = FlightRef{FlightNumber: f.FlightNumber, Date: f.Date}
		}
		for _, cabin := range cabins {
			if cabin == res.Cabin {
				continue
			}
			diff, ok := cabinPriceDiff(db, res, cabin)
			if !ok && d.Allowed {
				continue
			}
			var pays []string
			for _, id := range airlinePayments(u, "credit_card", "gift_card") {
				pm, _ := u.PaymentMethods.Get(id)
				if pm.Source == "credit_card" || pm.Amount != nil && *pm.Amount >= float64(diff) {
					pays = append(pays, id)
				}
			}
			if len(pays) == 0 {
				continue
			}
			sc.Allowed, sc.Rule, sc.Why = d.Allowed, d.Rule, d.Why
			sc.Params = Params{Cabin: cabin, Flights: flights, PaymentID: pick(r, pays)}
			if d.Allowed {
				sc.Params.Amount = float64(max(diff, -diff))
			}
			sc.Instructions = instructions(sc.Domain,
				fmt.Sprintf("You want to change the cabin of every flight of your reservation %s to %s.", res.ReservationID, cabinName(cabin)),
				fmt.Sprintf("%s Pay or get refunded any price difference with %s.", who, sc.Params.PaymentID),
				"Accept the price difference and confirm when the agent asks. "+refusalTask)
			return sc, true
		}
		return sc, false
	}
	return sc, false
}

func cabinName(c string) string {
	if c == "basic_economy" {
		return "basic economy"
	}
	return c
}

func passengersOf(res *airline.Reservation) []Passenger {
	out := make([]Passenger, len(res.Passengers))
	for i, p := range res.Passengers {
		out[i] = Passenger(p)
	}
	return out
}

// cabinPriceDiff is what update_reservation_flights charges (positive) or
// refunds (negative) to move every flight to cabin, and whether every
// flight is available with enough seats.
func cabinPriceDiff(db *airline.DB, res *airline.Reservation, cabin string) (int, bool) {
	n := len(res.Passengers)
	total := 0
	for _, f := range res.Flights {
		fl, ok := db.Flights.Get(f.FlightNumber)
		if !ok {
			return 0, false
		}
		d, ok := fl.Dates.Get(f.Date)
		if !ok || d == nil || d.Status != "available" || d.AvailableSeats == nil || d.Prices == nil {
			return 0, false
		}
		seats, ok1 := d.AvailableSeats.Get(cabin)
		price, ok2 := d.Prices.Get(cabin)
		if !ok1 || !ok2 || seats < n {
			return 0, false
		}
		total += price*n - f.Price*n
	}
	return total, true
}
