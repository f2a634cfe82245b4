package airline

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/pyjson"
	"github.com/eigendata/eigendata/envs/retail"
)

// now is tau2's fixed clock for the airline domain.
const now = "2024-05-15T15:00:00"

// LoadDB reads a tau2 airline db.json.
func LoadDB(path string) (*DB, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("airline: %w", err)
	}
	var db DB
	if err := json.Unmarshal(b, &db); err != nil {
		return nil, fmt.Errorf("airline: parsing %s: %w", path, err)
	}
	return &db, nil
}

// Load reads db.json and policy.md from an airline data directory.
func Load(dir string) (*envs.Domain, error) {
	db, err := LoadDB(filepath.Join(dir, "db.json"))
	if err != nil {
		return nil, err
	}
	policy, err := os.ReadFile(filepath.Join(dir, "policy.md"))
	if err != nil {
		return nil, fmt.Errorf("airline: %w", err)
	}
	return New(db, string(policy)), nil
}

// New builds the airline domain over db (which it owns from then on).
func New(db *DB, policy string) *envs.Domain {
	return &envs.Domain{Name: "airline", Policy: policy, Initial: db,
		Agent: &envs.Toolkit{Class: "AirlineTools", Tools: tools()}}
}

func errf(format string, args ...any) error { return fmt.Errorf(format, args...) }

func (db *DB) user(id string) (*User, error) {
	u, ok := db.Users.Get(id)
	if !ok {
		return nil, errf("User %s not found", id)
	}
	return u, nil
}

func (db *DB) reservation(id string) (*Reservation, error) {
	r, ok := db.Reservations.Get(id)
	if !ok {
		return nil, errf("Reservation %s not found", id)
	}
	return r, nil
}

func (db *DB) flight(num string) (*Flight, error) {
	f, ok := db.Flights.Get(num)
	if !ok {
		return nil, errf("Flight %s not found", num)
	}
	return f, nil
}

func (db *DB) flightInstance(num, date string) (*FlightDate, error) {
	f, err := db.flight(num)
	if err != nil {
		return nil, err
	}
	d, ok := f.Dates.Get(date)
	if !ok {
		return nil, errf("Flight %s not found on date %s", num, date)
	}
	return d, nil
}

func (db *DB) searchDirect(date string, origin, destination, leaveAfter *string) []*DirectFlight {
	var out []*DirectFlight
	for _, f := range db.Flights.All() {
		d, ok := f.Dates.Get(date)
		if (origin == nil || f.Origin == *origin) && (destination == nil || f.Destination == *destination) &&
			ok && d.Status == "available" && (leaveAfter == nil || f.ScheduledDeparture >= *leaveAfter) {
			out = append(out, &DirectFlight{FlightNumber: f.FlightNumber, Origin: f.Origin, Destination: f.Destination,
				Status: "available", ScheduledDeparture: f.ScheduledDeparture, ScheduledArrival: f.ScheduledArrival,
				AvailableSeats: d.AvailableSeats, Prices: d.Prices})
		}
	}
	return out
}

// paymentForUpdate is tau2's _payment_for_update on a writable user.
func paymentForUpdate(u *User, paymentID string, total int) (*Payment, error) {
	pm, ok := u.PaymentMethods.Get(paymentID)
	if !ok {
		return nil, errors.New("Payment method not found")
	}
	if pm.Source == "certificate" {
		return nil, errors.New("Certificate cannot be used to update reservation")
	}
	if pm.Source == "gift_card" && amount(pm) < float64(total) {
		return nil, errors.New("Gift card balance is not enough")
	}
	if pm.Source == "gift_card" {
		v := amount(pm) - float64(total)
		pm.Amount = &v
	}
	if total == 0 {
		return nil, nil
	}
	return &Payment{PaymentID: paymentID, Amount: total}, nil
}

func amount(pm *PaymentMethod) float64 {
	if pm.Amount == nil {
		return 0
	}
	return *pm.Amount
}

// seats returns the per-cabin count (a missing cabin is a KeyError in Python).
func seats(m *pyjson.OrderedMap[int], cabin string) (int, error) {
	if m == nil {
		return 0, errf("'%s'", cabin)
	}
	v, ok := m.Get(cabin)
	if !ok {
		return 0, errf("'%s'", cabin)
	}
	return v, nil
}

type flightInfo struct {
	FlightNumber string `json:"flight_number"`
	Date         string `json:"date"`
}

// number is a numeric argument as Python received it: an int or a float
// (JSON "100" or "100.0"), which matters when it is formatted into a message.
type number struct {
	f       float64
	isFloat bool
}

func (n *number) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*n = number{f: f, isFloat: strings.ContainsAny(string(b), ".eE")}
	return nil
}

// text is Python's str() of the value.
func (n number) text() string {
	if n.isFloat {
		return pyjson.FormatFloat(n.f)
	}
	return strconv.FormatInt(int64(n.f), 10)
}

// int converts as pydantic's int field does (integral floats only).
func (n number) int() (int, error) {
	if n.f != float64(int(n.f)) {
		return 0, errf("1 validation error for Payment\namount\n  Input should be a valid integer, got a number with a fractional part [type=int_from_float, input_value=%s, input_type=float]", n.text())
	}
	return int(n.f), nil
}

func bookReservation(db *DB, a struct {
	UserID         string       `json:"user_id"`
	Origin         string       `json:"origin"`
	Destination    string       `json:"destination"`
	FlightType     string       `json:"flight_type"`
	Cabin          string       `json:"cabin"`
	Flights        []flightInfo `json:"flights"`
	Passengers     []Passenger  `json:"passengers"`
	PaymentMethods []struct {
		PaymentID string `json:"payment_id"`
		Amount    number `json:"amount"`
	} `json:"payment_methods"`
	TotalBaggages   int    `json:"total_baggages"`
	NonfreeBaggages int    `json:"nonfree_baggages"`
	Insurance       string `json:"insurance"`
}) (any, error) {
	payments := make([]Payment, len(a.PaymentMethods))
	for i, p := range a.PaymentMethods {
		amt, err := p.Amount.int()
		if err != nil {
			return nil, err
		}
		payments[i] = Payment{PaymentID: p.PaymentID, Amount: amt}
	}
	u, err := db.user(a.UserID)
	if err != nil {
		return nil, err
	}
	resID := ""
	for _, id := range []string{"HATHAT", "HATHAU", "HATHAV"} {
		if !db.Reservations.Has(id) {
			resID = id
			break
		}
	}
	if resID == "" {
		return nil, errors.New("Too many reservations")
	}
	n := len(a.Passengers)
	res := Reservation{ReservationID: resID, UserID: a.UserID, Origin: a.Origin, Destination: a.Destination,
		FlightType: a.FlightType, Cabin: a.Cabin, Flights: []ReservationFlight{}, Passengers: append([]Passenger{}, a.Passengers...),
		PaymentHistory: append([]Payment{}, payments...), CreatedAt: now, TotalBaggages: a.TotalBaggages,
		NonfreeBaggages: a.NonfreeBaggages, Insurance: a.Insurance}
	total := 0
	for _, fi := range a.Flights {
		f, err := db.flight(fi.FlightNumber)
		if err != nil {
			return nil, err
		}
		d, err := db.flightInstance(fi.FlightNumber, fi.Date)
		if err != nil {
			return nil, err
		}
		if d.Status != "available" {
			return nil, errf("Flight %s not available on date %s", fi.FlightNumber, fi.Date)
		}
		free, err := seats(d.AvailableSeats, a.Cabin)
		if err != nil {
			return nil, err
		}
		if free < n {
			return nil, errf("Not enough seats on flight %s", fi.FlightNumber)
		}
		price, err := seats(d.Prices, a.Cabin)
		if err != nil {
			return nil, err
		}
		res.Flights = append(res.Flights, ReservationFlight{FlightNumber: fi.FlightNumber, Origin: f.Origin, Destination: f.Destination, Date: fi.Date, Price: price})
		total += price * n
	}
	if a.Insurance == "yes" {
		total += 30 * n
	}
	total += 50 * a.NonfreeBaggages
	for _, p := range payments {
		pm, ok := u.PaymentMethods.Get(p.PaymentID)
		if !ok {
			return nil, errf("Payment method %s not found", p.PaymentID)
		}
		if (pm.Source == "gift_card" || pm.Source == "certificate") && amount(pm) < float64(p.Amount) {
			return nil, errf("Not enough balance in payment method %s", p.PaymentID)
		}
	}
	paid := 0
	for _, p := range payments {
		paid += p.Amount
	}
	if paid != total {
		return nil, errf("Payment amount does not add up, total price is %d, but paid %d", total, paid)
	}
	mu, _ := db.Users.Mut(a.UserID)
	for _, p := range payments {
		pm, ok := mu.PaymentMethods.Get(p.PaymentID)
		if !ok {
			continue // a certificate listed twice was already removed
		}
		switch pm.Source {
		case "gift_card":
			c := *pm
			v := amount(pm) - float64(p.Amount)
			c.Amount = &v
			mu.PaymentMethods.Set(p.PaymentID, &c)
		case "certificate":
			mu.PaymentMethods.Delete(p.PaymentID)
		}
	}
	for _, fi := range a.Flights {
		f, _ := db.Flights.Mut(fi.FlightNumber)
		d, _ := f.Dates.Get(fi.Date)
		v, _ := d.AvailableSeats.Get(a.Cabin)
		d.AvailableSeats.Set(a.Cabin, v-n)
	}
	db.Reservations.Set(resID, res)
	mu.Reservations = append(mu.Reservations, resID)
	r, _ := db.Reservations.Get(resID)
	return r, nil
}

func cancelReservation(db *DB, a struct {
	ReservationID string `json:"reservation_id"`
}) (any, error) {
	if _, err := db.reservation(a.ReservationID); err != nil {
		return nil, err
	}
	r, _ := db.Reservations.Mut(a.ReservationID)
	var refunds []Payment
	for _, p := range r.PaymentHistory {
		refunds = append(refunds, Payment{PaymentID: p.PaymentID, Amount: -p.Amount})
	}
	r.PaymentHistory = append(r.PaymentHistory, refunds...)
	s := "cancelled"
	r.Status = &s
	return r, nil
}

func sendCertificate(db *DB, a struct {
	UserID string `json:"user_id"`
	Amount number `json:"amount"`
}) (any, error) {
	if _, err := db.user(a.UserID); err != nil {
		return nil, err
	}
	u, _ := db.Users.Mut(a.UserID)
	for _, n := range []int{3221322, 3221323, 3221324} {
		id := "certificate_" + strconv.Itoa(n)
		if _, ok := u.PaymentMethods.Get(id); ok {
			continue
		}
		amt := a.Amount.f
		u.PaymentMethods.Set(id, &PaymentMethod{Source: "certificate", ID: id, Amount: &amt})
		// Python formats the argument as given: 100 stays "100", 100.0 prints "100.0".
		return fmt.Sprintf("Certificate %s added to user %s with amount %s.", id, a.UserID, a.Amount.text()), nil
	}
	return nil, errors.New("Too many certificates")
}

func getReservation(db *DB, a struct {
	ReservationID string `json:"reservation_id"`
}) (any, error) {
	return db.reservation(a.ReservationID)
}

func getUser(db *DB, a struct {
	UserID string `json:"user_id"`
}) (any, error) {
	return db.user(a.UserID)
}

func listAirports(*DB, struct{}) (any, error) {
	codes := [][2]string{{"SFO", "San Francisco"}, {"JFK", "New York"}, {"LAX", "Los Angeles"}, {"ORD", "Chicago"},
		{"DFW", "Dallas"}, {"DEN", "Denver"}, {"SEA", "Seattle"}, {"ATL", "Atlanta"}, {"MIA", "Miami"}, {"BOS", "Boston"},
		{"PHX", "Phoenix"}, {"IAH", "Houston"}, {"LAS", "Las Vegas"}, {"MCO", "Orlando"}, {"EWR", "Newark"},
		{"CLT", "Charlotte"}, {"MSP", "Minneapolis"}, {"DTW", "Detroit"}, {"PHL", "Philadelphia"}, {"LGA", "LaGuardia"}}
	out := make([]AirportCode, len(codes))
	for i, c := range codes {
		out[i] = AirportCode{IATA: c[0], City: c[1]}
	}
	return out, nil
}

type searchArgs struct {
	Origin      string `json:"origin"`
	Destination string `json:"destination"`
	Date        string `json:"date"`
}

func searchDirect(db *DB, a searchArgs) (any, error) {
	res := db.searchDirect(a.Date, &a.Origin, &a.Destination, nil)
	if res == nil {
		res = []*DirectFlight{}
	}
	return res, nil
}

func searchOnestop(db *DB, a searchArgs) (any, error) {
	results := [][]*DirectFlight{}
	for _, r1 := range db.searchDirect(a.Date, &a.Origin, nil, nil) {
		d1 := a.Date
		r1.Date = &d1
		date2 := a.Date
		if strings.Contains(r1.ScheduledArrival, "+1") {
			// tau2 builds the next day without zero padding: f"2024-05-{int(date[-2:]) + 1}".
			day, err := strconv.Atoi(strings.TrimSpace(a.Date[max(0, len(a.Date)-2):]))
			if err != nil {
				return nil, errf("invalid literal for int() with base 10: '%s'", a.Date[max(0, len(a.Date)-2):])
			}
			date2 = fmt.Sprintf("2024-05-%d", day+1)
		}
		arr := r1.ScheduledArrival
		for _, r2 := range db.searchDirect(date2, &r1.Destination, &a.Destination, &arr) {
			d2 := date2
			r2.Date = &d2
			results = append(results, []*DirectFlight{r1, r2})
		}
	}
	return results, nil
}

func transfer(*DB, struct {
	Summary string `json:"summary"`
}) (any, error) {
	return "Transfer successful", nil
}

func calculate(_ *DB, a struct {
	Expression string `json:"expression"`
}) (any, error) {
	return retail.Calculate(a.Expression)
}

func updateBaggages(db *DB, a struct {
	ReservationID   string `json:"reservation_id"`
	TotalBaggages   int    `json:"total_baggages"`
	NonfreeBaggages int    `json:"nonfree_baggages"`
	PaymentID       string `json:"payment_id"`
}) (any, error) {
	r, err := db.reservation(a.ReservationID)
	if err != nil {
		return nil, err
	}
	if _, err := db.user(r.UserID); err != nil {
		return nil, err
	}
	total := 50 * max(0, a.NonfreeBaggages-r.NonfreeBaggages)
	u, _ := db.Users.Mut(r.UserID)
	pay, err := paymentForUpdate(u, a.PaymentID, total)
	if err != nil {
		return nil, err
	}
	mr, _ := db.Reservations.Mut(a.ReservationID)
	if pay != nil {
		mr.PaymentHistory = append(mr.PaymentHistory, *pay)
	}
	mr.TotalBaggages = a.TotalBaggages
	mr.NonfreeBaggages = a.NonfreeBaggages
	return mr, nil
}

func updateFlights(db *DB, a struct {
	ReservationID string       `json:"reservation_id"`
	Cabin         string       `json:"cabin"`
	Flights       []flightInfo `json:"flights"`
	PaymentID     string       `json:"payment_id"`
}) (any, error) {
	r, err := db.reservation(a.ReservationID)
	if err != nil {
		return nil, err
	}
	if _, err := db.user(r.UserID); err != nil {
		return nil, err
	}
	n := len(r.Passengers)
	total := 0
	var flights []ReservationFlight
	for _, fi := range a.Flights {
		matched := false
		for _, rf := range r.Flights {
			if rf.FlightNumber == fi.FlightNumber && rf.Date == fi.Date && a.Cabin == r.Cabin {
				total += rf.Price * n
				flights = append(flights, rf)
				matched = true
				break
			}
		}
		if matched {
			continue
		}
		f, err := db.flight(fi.FlightNumber)
		if err != nil {
			return nil, err
		}
		d, err := db.flightInstance(fi.FlightNumber, fi.Date)
		if err != nil {
			return nil, err
		}
		if d.Status != "available" {
			return nil, errf("Flight %s not available on date %s", fi.FlightNumber, fi.Date)
		}
		free, err := seats(d.AvailableSeats, a.Cabin)
		if err != nil {
			return nil, err
		}
		if free < n {
			return nil, errf("Not enough seats on flight %s", fi.FlightNumber)
		}
		price, err := seats(d.Prices, a.Cabin)
		if err != nil {
			return nil, err
		}
		flights = append(flights, ReservationFlight{FlightNumber: fi.FlightNumber, Origin: f.Origin, Destination: f.Destination, Date: fi.Date, Price: price})
		total += price * n
	}
	paid := 0
	for _, f := range r.Flights {
		paid += f.Price
	}
	total -= paid * n
	u, _ := db.Users.Mut(r.UserID)
	pay, err := paymentForUpdate(u, a.PaymentID, total)
	if err != nil {
		return nil, err
	}
	mr, _ := db.Reservations.Mut(a.ReservationID)
	if pay != nil {
		mr.PaymentHistory = append(mr.PaymentHistory, *pay)
	}
	if flights == nil {
		flights = []ReservationFlight{}
	}
	mr.Flights = flights
	mr.Cabin = a.Cabin
	return mr, nil
}

func updatePassengers(db *DB, a struct {
	ReservationID string      `json:"reservation_id"`
	Passengers    []Passenger `json:"passengers"`
}) (any, error) {
	r, err := db.reservation(a.ReservationID)
	if err != nil {
		return nil, err
	}
	if len(a.Passengers) != len(r.Passengers) {
		return nil, errors.New("Number of passengers does not match")
	}
	mr, _ := db.Reservations.Mut(a.ReservationID)
	mr.Passengers = append([]Passenger{}, a.Passengers...)
	return mr, nil
}

func flightStatus(db *DB, a struct {
	FlightNumber string `json:"flight_number"`
	Date         string `json:"date"`
}) (any, error) {
	d, err := db.flightInstance(a.FlightNumber, a.Date)
	if err != nil {
		return nil, err
	}
	return d.Status, nil
}
