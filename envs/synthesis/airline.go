package synthesis

import (
	"fmt"
	"slices"
	"sort"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/airline"
)

// airlineFamily is the airline domain knowledge of the planner: a unit is
// a user; the finders read the user's reservations, payment methods and
// the flight table, and apply the airline policy (policy.go).
type airlineFamily struct {
	p  *Planner
	db *airline.DB
}

func (f *airlineFamily) units() []string {
	keys := slices.Clone(f.db.Users.Keys())
	sort.Strings(keys)
	return keys
}

func (f *airlineFamily) pairs() [][2]string {
	var out [][2]string
	for uid, u := range f.db.Users.All() {
		for _, id := range u.Reservations {
			out = append(out, [2]string{uid, id})
		}
	}
	sortPairs(out)
	return out
}

func (f *airlineFamily) unitOf(user, entity string) (string, string) { return user, entity }

func (f *airlineFamily) begin(sc *Scenario, unit string) { sc.UserID = unit }

// compatible: one intent per reservation (a cancellation and a bag on the
// same booking would contradict each other), one booking per flight.
func (f *airlineFamily) compatible(have []Intent, b Intent) bool {
	return !slices.ContainsFunc(have, func(in Intent) bool { return in.Target == b.Target })
}

func (f *airlineFamily) finish(sc *Scenario) {
	sc.Instructions = envs.Instructions{Domain: "airline", ReasonForCall: reasonLine(sc.Intents),
		KnownInfo: ptrTo(knownLine(fmt.Sprintf("Your user id is %s.", sc.UserID), sc.Intents)), TaskInstructions: taskLine(len(sc.Intents))}
	sc.Basis = []envs.RewardType{envs.RewardDB}
}

func (f *airlineFamily) kinds(t ToolRef) []kind {
	k := func(allowed bool, find finder) kind {
		return kind{name: t.Name, tool: t.Name, allowed: allowed, find: find}
	}
	switch t.Name {
	case "cancel_reservation":
		return []kind{k(true, f.cancel(true)), k(false, f.cancel(false))}
	case "update_reservation_baggages":
		return []kind{k(true, f.addBag), k(false, f.removeBag)}
	case "update_reservation_flights":
		return []kind{k(true, f.changeFlights), k(false, f.changeBasicEconomy)}
	case "update_reservation_passengers":
		return []kind{k(true, f.replacePassenger), k(false, f.addPassenger)}
	case "send_certificate":
		return []kind{k(true, f.certificate(true)), k(false, f.certificate(false))}
	case "book_reservation":
		return []kind{k(true, f.book(1)), k(false, f.book(6))}
	}
	return nil
}

func ptrTo[T any](v T) *T { return &v }

func sortPairs(out [][2]string) {
	sort.Slice(out, func(i, j int) bool {
		if out[i][0] != out[j][0] {
			return out[i][0] < out[j][0]
		}
		return out[i][1] < out[j][1]
	})
}

// active returns the user's reservations that are not cancelled, in the
// user's order, starting at a random one.
func (f *airlineFamily) active(c *findCtx) (*airline.User, []*airline.Reservation) {
	u, ok := f.db.Users.Get(c.unit)
	if !ok {
		return nil, nil
	}
	var out []*airline.Reservation
	for _, id := range u.Reservations {
		if res, ok := f.db.Reservations.Get(id); ok && (res.Status == nil || *res.Status != "cancelled") && c.free(id) {
			out = append(out, res)
		}
	}
	if len(out) > 1 {
		k := c.r.IntN(len(out))
		out = append(out[k:], out[:k]...)
	}
	return u, out
}

// payment is the user's first credit card, or else a gift card that covers
// amount.
func payment(u *airline.User, amount int) string {
	for _, id := range u.PaymentMethods.Keys() {
		if pm, _ := u.PaymentMethods.Get(id); pm.Source == "credit_card" {
			return id
		}
	}
	for _, id := range u.PaymentMethods.Keys() {
		if pm, _ := u.PaymentMethods.Get(id); pm.Source == "gift_card" && pm.Amount != nil && *pm.Amount >= float64(max(amount, 50)) {
			return id
		}
	}
	return ""
}

func readRes(id string) envs.Action {
	return call(envs.Assistant, "get_reservation_details", map[string]any{"reservation_id": id})
}

func (f *airlineFamily) cancel(allowed bool) finder {
	return func(c *findCtx) (Intent, bool) {
		_, rs := f.active(c)
		for _, res := range rs {
			ok, why := AirlineCancelAllowed(res)
			// A flown reservation needs a transfer, not a refusal: left out.
			if ok != allowed || flown(res) {
				continue
			}
			return Intent{Kind: "cancel_reservation", Variant: "change_of_plans", Tool: "cancel_reservation", Target: res.ReservationID,
				Allowed: ok, Why: why, Reads: []envs.Action{readRes(res.ReservationID)},
				Writes: []envs.Action{call(envs.Assistant, "cancel_reservation", map[string]any{"reservation_id": res.ReservationID})},
				Ask:    fmt.Sprintf("You want to cancel your reservation %s because your plans changed.", res.ReservationID),
				Known:  fmt.Sprintf("The reservation id is %s.", res.ReservationID)}, true
		}
		return Intent{}, false
	}
}

func (f *airlineFamily) addBag(c *findCtx) (Intent, bool) {
	u, rs := f.active(c)
	for _, res := range rs {
		if flown(res) {
			continue
		}
		total := res.TotalBaggages + 1
		free := FreeBags(u.Membership, res.Cabin) * len(res.Passengers)
		nonfree := max(total-free, res.NonfreeBaggages)
		fee := 50 * (nonfree - res.NonfreeBaggages)
		pay := payment(u, fee)
		if pay == "" {
			continue
		}
		in := Intent{Kind: "update_reservation_baggages", Variant: "add_bag", Tool: "update_reservation_baggages", Target: res.ReservationID,
			Allowed: true, Why: "bags may be added to any active reservation", Reads: []envs.Action{readRes(res.ReservationID)},
			Writes: []envs.Action{call(envs.Assistant, "update_reservation_baggages", map[string]any{"reservation_id": res.ReservationID,
				"total_baggages": total, "nonfree_baggages": nonfree, "payment_id": pay})},
			Ask:   fmt.Sprintf("You want to add one checked bag to your reservation %s.", res.ReservationID),
			Known: fmt.Sprintf("The reservation id is %s. Pay any fee with %s.", res.ReservationID, pay)}
		if fee > 0 {
			in.Communicate = []string{fmt.Sprint(fee)}
		}
		return in, true
	}
	return Intent{}, false
}

func (f *airlineFamily) removeBag(c *findCtx) (Intent, bool) {
	u, rs := f.active(c)
	for _, res := range rs {
		pay := payment(u, 0)
		if res.TotalBaggages < 1 || flown(res) || pay == "" {
			continue
		}
		total := res.TotalBaggages - 1
		return Intent{Kind: "update_reservation_baggages", Variant: "remove_bag", Tool: "update_reservation_baggages", Target: res.ReservationID,
			Allowed: false, Why: "checked bags can be added but not removed", Reads: []envs.Action{readRes(res.ReservationID)},
			Writes: []envs.Action{call(envs.Assistant, "update_reservation_baggages", map[string]any{"reservation_id": res.ReservationID,
				"total_baggages": total, "nonfree_baggages": min(res.NonfreeBaggages, total), "payment_id": pay})},
			Ask:   fmt.Sprintf("You want to remove one checked bag from your reservation %s.", res.ReservationID),
			Known: fmt.Sprintf("The reservation id is %s.", res.ReservationID)}, true
	}
	return Intent{}, false
}

// instance is a flight's status on a date.
func (f *airlineFamily) instance(num, date string) *airline.FlightDate {
	fl, ok := f.db.Flights.Get(num)
	if !ok {
		return nil
	}
	d, _ := fl.Dates.Get(date)
	return d
}

func seatsIn(d *airline.FlightDate, cabin string, n int) (price int, ok bool) {
	if d == nil || d.Status != "available" || d.AvailableSeats == nil || d.Prices == nil {
		return 0, false
	}
	if s, _ := d.AvailableSeats.Get(cabin); s < n {
		return 0, false
	}
	p, ok := d.Prices.Get(cabin)
	return p, ok
}

// alternative finds another flight of the route on a later date with n
// seats in cabin.
func (f *airlineFamily) alternative(c *findCtx, rf airline.ReservationFlight, cabin string, n int) (num, date string, price int, ok bool) {
	var nums []string
	for num, fl := range f.db.Flights.All() {
		if fl.Origin == rf.Origin && fl.Destination == rf.Destination {
			nums = append(nums, num)
		}
	}
	for _, num := range nums {
		fl, _ := f.db.Flights.Get(num)
		for _, date := range fl.Dates.Keys() {
			if date <= rf.Date || num == rf.FlightNumber && date == rf.Date {
				continue
			}
			if p, ok := seatsIn(f.instance(num, date), cabin, n); ok {
				return num, date, p, true
			}
		}
	}
	return "", "", 0, false
}

func flightsArg(fs []airline.ReservationFlight) []map[string]any {
	out := make([]map[string]any, len(fs))
	for i, rf := range fs {
		out[i] = map[string]any{"flight_number": rf.FlightNumber, "date": rf.Date}
	}
	return out
}

func (f *airlineFamily) changeFlights(c *findCtx) (Intent, bool) {
	u, rs := f.active(c)
	upgrade := map[string]string{"basic_economy": "economy", "economy": "business"}
	dateFirst := c.r.IntN(2) == 0
	for _, res := range rs {
		if flown(res) || len(res.Flights) == 0 {
			continue
		}
		n := len(res.Passengers)
		tryCabin := func() (Intent, bool) {
			to, ok := upgrade[res.Cabin]
			if !ok {
				return Intent{}, false
			}
			diff := 0
			for _, rf := range res.Flights {
				p, ok := seatsIn(f.instance(rf.FlightNumber, rf.Date), to, n)
				if !ok {
					return Intent{}, false
				}
				diff += (p - rf.Price) * n
			}
			pay := payment(u, diff)
			if pay == "" {
				return Intent{}, false
			}
			in := Intent{Kind: "update_reservation_flights", Variant: "change_cabin", Tool: "update_reservation_flights", Target: res.ReservationID,
				Allowed: true, Why: "the cabin of a reservation with no flown flight may change", Reads: []envs.Action{readRes(res.ReservationID)},
				Writes: []envs.Action{call(envs.Assistant, "update_reservation_flights", map[string]any{"reservation_id": res.ReservationID,
					"cabin": to, "flights": flightsArg(res.Flights), "payment_id": pay})},
				Ask:   fmt.Sprintf("You want to change the cabin of your reservation %s to %s, keeping the same flights.", res.ReservationID, to),
				Known: fmt.Sprintf("The reservation id is %s. Pay or receive any price difference with %s.", res.ReservationID, pay)}
			if diff != 0 {
				in.Communicate = []string{fmt.Sprint(abs(diff))}
			}
			return in, true
		}
		tryDate := func() (Intent, bool) {
			if res.Cabin == "basic_economy" || len(res.Flights) != 1 {
				return Intent{}, false
			}
			rf := res.Flights[0]
			num, date, price, ok := f.alternative(c, rf, res.Cabin, n)
			if !ok {
				return Intent{}, false
			}
			diff := (price - rf.Price) * n
			pay := payment(u, diff)
			if pay == "" {
				return Intent{}, false
			}
			in := Intent{Kind: "update_reservation_flights", Variant: "change_date", Tool: "update_reservation_flights", Target: res.ReservationID,
				Allowed: true, Why: "a reservation that is not basic economy may change flights on the same route",
				Reads: []envs.Action{readRes(res.ReservationID),
					call(envs.Assistant, "search_direct_flight", map[string]any{"origin": rf.Origin, "destination": rf.Destination, "date": date})},
				Writes: []envs.Action{call(envs.Assistant, "update_reservation_flights", map[string]any{"reservation_id": res.ReservationID,
					"cabin": res.Cabin, "flights": []map[string]any{{"flight_number": num, "date": date}}, "payment_id": pay})},
				Ask: fmt.Sprintf("You want to move your reservation %s from flight %s on %s to flight %s on %s, in the same cabin.",
					res.ReservationID, rf.FlightNumber, rf.Date, num, date),
				Known: fmt.Sprintf("The reservation id is %s. Pay or receive any price difference with %s.", res.ReservationID, pay)}
			if diff != 0 {
				in.Communicate = []string{fmt.Sprint(abs(diff))}
			}
			return in, true
		}
		first, second := tryCabin, tryDate
		if dateFirst {
			first, second = tryDate, tryCabin
		}
		if in, ok := first(); ok {
			return in, true
		}
		if in, ok := second(); ok {
			return in, true
		}
	}
	return Intent{}, false
}

func (f *airlineFamily) changeBasicEconomy(c *findCtx) (Intent, bool) {
	u, rs := f.active(c)
	for _, res := range rs {
		if res.Cabin != "basic_economy" || flown(res) || len(res.Flights) == 0 {
			continue
		}
		rf := res.Flights[0]
		num, date, price, ok := f.alternative(c, rf, res.Cabin, len(res.Passengers))
		pay := payment(u, price)
		if !ok || pay == "" {
			continue
		}
		flights := flightsArg(res.Flights)
		flights[0] = map[string]any{"flight_number": num, "date": date}
		return Intent{Kind: "update_reservation_flights", Variant: "change_basic_economy", Tool: "update_reservation_flights", Target: res.ReservationID,
			Allowed: false, Why: "basic economy flights cannot be modified", Reads: []envs.Action{readRes(res.ReservationID)},
			Writes: []envs.Action{call(envs.Assistant, "update_reservation_flights", map[string]any{"reservation_id": res.ReservationID,
				"cabin": res.Cabin, "flights": flights, "payment_id": pay})},
			Ask: fmt.Sprintf("You want to move the flight %s on %s of your reservation %s to flight %s on %s.",
				rf.FlightNumber, rf.Date, res.ReservationID, num, date),
			Known: fmt.Sprintf("The reservation id is %s.", res.ReservationID)}, true
	}
	return Intent{}, false
}

// people is the pool of new passengers the planner names.
func people() []airline.Passenger {
	return []airline.Passenger{{FirstName: "Maya", LastName: "Okafor", Dob: "1991-03-14"}, {FirstName: "Lucas", LastName: "Berg", Dob: "1986-11-02"},
		{FirstName: "Sofia", LastName: "Romano", Dob: "2001-07-25"}, {FirstName: "Omar", LastName: "Haddad", Dob: "1979-01-30"},
		{FirstName: "Hana", LastName: "Sato", Dob: "1995-09-09"}, {FirstName: "Diego", LastName: "Ruiz", Dob: "1983-05-18"},
		{FirstName: "Nora", LastName: "Lindqvist", Dob: "1998-12-03"}, {FirstName: "Kofi", LastName: "Mensah", Dob: "1975-04-21"}}
}

// newPassengers returns n passengers not on the list: the user's saved
// passengers first, then the planner's pool from a random start.
func newPassengers(c *findCtx, u *airline.User, have []airline.Passenger, n int) []airline.Passenger {
	var out []airline.Passenger
	pool := people()
	k := c.r.IntN(len(pool))
	pool = append(slices.Clone(u.SavedPassengers), append(pool[k:], pool[:k]...)...)
	for _, p := range pool {
		if len(out) == n {
			break
		}
		dup := func(q airline.Passenger) bool { return q.FirstName == p.FirstName && q.LastName == p.LastName }
		if slices.ContainsFunc(have, dup) || slices.ContainsFunc(out, dup) {
			continue
		}
		out = append(out, p)
	}
	return out
}

func passengersArg(ps []airline.Passenger) []map[string]any {
	out := make([]map[string]any, len(ps))
	for i, p := range ps {
		out[i] = map[string]any{"first_name": p.FirstName, "last_name": p.LastName, "dob": p.Dob}
	}
	return out
}

func (f *airlineFamily) replacePassenger(c *findCtx) (Intent, bool) {
	u, rs := f.active(c)
	for _, res := range rs {
		if flown(res) || len(res.Passengers) == 0 {
			continue
		}
		repl := newPassengers(c, u, res.Passengers, 1)
		if len(repl) == 0 {
			continue
		}
		j := c.r.IntN(len(res.Passengers))
		old, p := res.Passengers[j], repl[0]
		ps := slices.Clone(res.Passengers)
		ps[j] = p
		return Intent{Kind: "update_reservation_passengers", Variant: "replace_passenger", Tool: "update_reservation_passengers", Target: res.ReservationID,
			Allowed: true, Why: "passengers may change as long as their number does not", Reads: []envs.Action{readRes(res.ReservationID)},
			Writes: []envs.Action{call(envs.Assistant, "update_reservation_passengers", map[string]any{"reservation_id": res.ReservationID,
				"passengers": passengersArg(ps)})},
			Ask: fmt.Sprintf("You want to replace the passenger %s %s on your reservation %s with %s %s (date of birth %s).",
				old.FirstName, old.LastName, res.ReservationID, p.FirstName, p.LastName, p.Dob),
			Known: fmt.Sprintf("The reservation id is %s.", res.ReservationID)}, true
	}
	return Intent{}, false
}

func (f *airlineFamily) addPassenger(c *findCtx) (Intent, bool) {
	u, rs := f.active(c)
	for _, res := range rs {
		if flown(res) {
			continue
		}
		add := newPassengers(c, u, res.Passengers, 1)
		if len(add) == 0 {
			continue
		}
		p := add[0]
		return Intent{Kind: "update_reservation_passengers", Variant: "add_passenger", Tool: "update_reservation_passengers", Target: res.ReservationID,
			Allowed: false, Why: "the number of passengers of a reservation cannot change", Reads: []envs.Action{readRes(res.ReservationID)},
			Writes: []envs.Action{call(envs.Assistant, "update_reservation_passengers", map[string]any{"reservation_id": res.ReservationID,
				"passengers": passengersArg(append(slices.Clone(res.Passengers), p))})},
			Ask: fmt.Sprintf("You want to add %s %s (date of birth %s) as another passenger on your reservation %s.",
				p.FirstName, p.LastName, p.Dob, res.ReservationID),
			Known: fmt.Sprintf("The reservation id is %s.", res.ReservationID)}, true
	}
	return Intent{}, false
}

// certificate grounds a compensation request for a flight the airline
// cancelled: allowed for silver and gold members, insured or business
// travellers ($100 per passenger), refused otherwise.
func (f *airlineFamily) certificate(allowed bool) finder {
	return func(c *findCtx) (Intent, bool) {
		u, ok := f.db.Users.Get(c.unit)
		if !ok {
			return Intent{}, false
		}
		for _, id := range u.Reservations {
			res, ok := f.db.Reservations.Get(id)
			if !ok || !c.free(id) {
				continue
			}
			for _, rf := range res.Flights {
				if d := f.instance(rf.FlightNumber, rf.Date); d == nil || d.Status != "cancelled" {
					continue
				}
				ok, why := CompensationAllowed(u.Membership, res)
				if ok != allowed {
					break
				}
				amount := 100 * len(res.Passengers)
				in := Intent{Kind: "send_certificate", Variant: "cancelled_flight", Tool: "send_certificate", Target: id, Allowed: ok, Why: why,
					Reads:  []envs.Action{readRes(id), call(envs.Assistant, "get_flight_status", map[string]any{"flight_number": rf.FlightNumber, "date": rf.Date})},
					Writes: []envs.Action{call(envs.Assistant, "send_certificate", map[string]any{"user_id": u.UserID, "amount": amount})},
					Ask: fmt.Sprintf("You want compensation because the airline cancelled your flight %s on %s (reservation %s).",
						rf.FlightNumber, rf.Date, id),
					Known: fmt.Sprintf("The reservation id is %s.", id)}
				if ok {
					in.Communicate = []string{fmt.Sprint(amount)}
				}
				return in, true
			}
		}
		return Intent{}, false
	}
}

// book grounds a one-way booking on an available flight for n passengers
// (the user first), paid with the user's credit card; more than five
// passengers is a refusal.
func (f *airlineFamily) book(n int) finder {
	return func(c *findCtx) (Intent, bool) {
		u, ok := f.db.Users.Get(c.unit)
		if !ok {
			return Intent{}, false
		}
		card := ""
		for _, id := range u.PaymentMethods.Keys() {
			if pm, _ := u.PaymentMethods.Get(id); pm.Source == "credit_card" {
				card = id
				break
			}
		}
		if card == "" {
			return Intent{}, false
		}
		pax := []airline.Passenger{{FirstName: u.Name.FirstName, LastName: u.Name.LastName, Dob: u.Dob}}
		pax = append(pax, newPassengers(c, u, pax, n-1)...)
		if len(pax) != n {
			return Intent{}, false
		}
		nums := f.db.Flights.Keys()
		if len(nums) == 0 {
			return Intent{}, false
		}
		start := c.r.IntN(len(nums))
		cabins := []string{"economy", "business", "basic_economy"}
		cabin := cabins[c.r.IntN(len(cabins))]
		for i := range nums {
			num := nums[(start+i)%len(nums)]
			fl, _ := f.db.Flights.Get(num)
			for _, date := range fl.Dates.Keys() {
				target := num + "/" + date
				price, ok := seatsIn(f.instance(num, date), cabin, n)
				if !ok || !c.free(target) {
					continue
				}
				ok, why := true, "a one-way booking of at most five passengers paid with a card on file"
				if n > 5 {
					ok, why = false, "a reservation can have at most five passengers"
				}
				who := "for yourself only"
				if n > 1 {
					who = fmt.Sprintf("for %d passengers: yourself and %s", n, names(pax[1:]))
				}
				total := price * n
				in := Intent{Kind: "book_reservation", Variant: fmt.Sprintf("one_way_%d", n), Tool: "book_reservation", Target: target, Mention: num,
					Allowed: ok, Why: why,
					Reads: []envs.Action{call(envs.Assistant, "search_direct_flight", map[string]any{"origin": fl.Origin, "destination": fl.Destination, "date": date})},
					Writes: []envs.Action{call(envs.Assistant, "book_reservation", map[string]any{"user_id": u.UserID, "origin": fl.Origin,
						"destination": fl.Destination, "flight_type": "one_way", "cabin": cabin,
						"flights": []map[string]any{{"flight_number": num, "date": date}}, "passengers": passengersArg(pax),
						"payment_methods": []map[string]any{{"payment_id": card, "amount": total}}, "total_baggages": 0, "nonfree_baggages": 0,
						"insurance": "no"})},
					Ask: fmt.Sprintf("You want to book a one-way %s trip from %s to %s on %s, flight %s, %s, without travel insurance or checked bags.",
						cabin, fl.Origin, fl.Destination, date, num, who),
					Known: fmt.Sprintf("Pay the booking with %s.", card)}
				if ok {
					in.Communicate = []string{fmt.Sprint(total)}
				}
				return in, true
			}
		}
		return Intent{}, false
	}
}

func names(ps []airline.Passenger) string {
	var s string
	for i, p := range ps {
		switch {
		case i == 0:
		case i == len(ps)-1:
			s += " and "
		default:
			s += ", "
		}
		s += fmt.Sprintf("%s %s (born %s)", p.FirstName, p.LastName, p.Dob)
	}
	return s
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
