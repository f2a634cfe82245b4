package synth

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/airline"
	"github.com/eigendata/eigendata/envs/retail"
)

// Family is the tool family of a domain: airline-shaped (tau2 airline,
// gen-airline) or retail-shaped (tau2 retail, gen-retail).
type Family string

// Families.
const (
	FamilyAirline Family = "airline"
	FamilyRetail  Family = "retail"
)

// FamilyOf returns the family of dom, from the type of its state.
func FamilyOf(dom *envs.Domain) (Family, error) {
	switch dom.Initial.(type) {
	case *airline.DB:
		return FamilyAirline, nil
	case *retail.DB:
		return FamilyRetail, nil
	}
	return "", reject(PlanUnsupportedDomain, "domain %s is neither airline- nor retail-shaped", dom.Name)
}

// Intent is what the user calls for.
type Intent string

// Intents of the airline family.
const (
	// AirlineCancel cancels a reservation: allowed when booked within 24
	// hours, when the airline cancelled a flight, for business cabins, or
	// with insurance and a covered reason, and nothing flown; else refused.
	AirlineCancel Intent = "airline.cancel_reservation"
	// AirlineAddBags adds one or two checked bags (allowed when not flown).
	AirlineAddBags Intent = "airline.add_checked_bags"
	// AirlineRemoveBags removes a checked bag: always refused.
	AirlineRemoveBags Intent = "airline.remove_checked_bag"
	// AirlineUpdatePassenger corrects a passenger's date of birth.
	AirlineUpdatePassenger Intent = "airline.update_passenger"
	// AirlineAddPassenger adds a passenger: always refused (the passenger
	// count cannot change).
	AirlineAddPassenger Intent = "airline.add_passenger"
	// AirlineChangeCabin changes the cabin of every flight: allowed when no
	// flight has been flown, else refused.
	AirlineChangeCabin Intent = "airline.change_cabin"
)

// Intents of the retail family.
const (
	// RetailCancel cancels an order: allowed when pending, else refused.
	RetailCancel Intent = "retail.cancel_pending_order"
	// RetailChangeAddress changes an order's shipping address: allowed when
	// pending, else refused.
	RetailChangeAddress Intent = "retail.change_order_address"
	// RetailChangePayment moves a pending order to another payment method.
	RetailChangePayment Intent = "retail.change_order_payment"
	// RetailModifyItems swaps an item of a pending order for another variant.
	RetailModifyItems Intent = "retail.modify_pending_items"
	// RetailReturn returns items of an order: allowed when delivered, else refused.
	RetailReturn Intent = "retail.return_delivered_items"
	// RetailExchange exchanges an item of an order for another variant:
	// allowed when delivered, else refused.
	RetailExchange Intent = "retail.exchange_delivered_items"
	// RetailChangeUserAddress changes the user's default address.
	RetailChangeUserAddress Intent = "retail.change_user_address"
)

// Variants says which outcomes an intent has.
type Variants int

// Variants of an intent.
const (
	AllowedOnly Variants = iota + 1
	RefusalOnly
	AllowedOrRefusal
)

// IntentVariants returns the outcomes an intent can have.
func IntentVariants(in Intent) Variants {
	switch in {
	case AirlineRemoveBags, AirlineAddPassenger:
		return RefusalOnly
	case AirlineCancel, AirlineChangeCabin, RetailCancel, RetailChangeAddress, RetailReturn, RetailExchange:
		return AllowedOrRefusal
	}
	return AllowedOnly
}

// Intents lists the intents of a family.
func Intents(f Family) []Intent {
	switch f {
	case FamilyAirline:
		return []Intent{AirlineCancel, AirlineAddBags, AirlineRemoveBags, AirlineUpdatePassenger, AirlineAddPassenger, AirlineChangeCabin}
	case FamilyRetail:
		return []Intent{RetailCancel, RetailChangeAddress, RetailChangePayment, RetailModifyItems, RetailReturn, RetailExchange, RetailChangeUserAddress}
	}
	return nil
}

// FamilyOfIntent returns the family an intent belongs to.
func FamilyOfIntent(in Intent) Family {
	for _, f := range []Family{FamilyAirline, FamilyRetail} {
		if slices.Contains(Intents(f), in) {
			return f
		}
	}
	return ""
}

// Passenger is an airline passenger (tau2's Passenger).
type Passenger struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Dob       string `json:"dob"`
}

// FlightRef is a flight on a date.
type FlightRef struct {
	FlightNumber string `json:"flight_number"`
	Date         string `json:"date"`
}

// Address is a postal address.
type Address struct {
	Address1 string `json:"address1"`
	Address2 string `json:"address2"`
	City     string `json:"city"`
	State    string `json:"state"`
	Country  string `json:"country"`
	Zip      string `json:"zip"`
}

// String renders the address on one line.
func (a Address) String() string {
	parts := []string{a.Address1}
	if a.Address2 != "" {
		parts = append(parts, a.Address2)
	}
	return strings.Join(append(parts, a.City, a.State+" "+a.Zip, a.Country), ", ")
}

// Params are an intent's parameters, all grounded in the database.
type Params struct {
	// Reason is the cancellation reason the user gives.
	Reason string `json:"reason,omitempty"`
	// PaymentID pays a fee or difference, or receives a refund.
	PaymentID string `json:"payment_id,omitempty"`
	// TotalBaggages and NonfreeBaggages are the requested bag counts.
	TotalBaggages   int `json:"total_baggages,omitempty"`
	NonfreeBaggages int `json:"nonfree_baggages,omitempty"`
	// Cabin is the requested cabin.
	Cabin string `json:"cabin,omitempty"`
	// Flights are the reservation's flights (cabin changes).
	Flights []FlightRef `json:"flights,omitempty"`
	// Passengers is the requested passenger list.
	Passengers []Passenger `json:"passengers,omitempty"`
	// Address is the requested address.
	Address *Address `json:"address,omitempty"`
	// ItemIDs and NewItemIDs are the items to return, exchange or modify
	// and the items they become.
	ItemIDs    []string `json:"item_ids,omitempty"`
	NewItemIDs []string `json:"new_item_ids,omitempty"`
	// Amount is the money the assistant must state: a refund, a fee or a
	// price difference (absolute value); 0 when none.
	Amount float64 `json:"amount,omitempty"`
}

// Auth methods.
const (
	AuthUserID  = "user_id"
	AuthEmail   = "email"
	AuthNameZip = "name_zip"
)

// Scenario is a planned instance: grounded entities, the user's intent,
// and whether the domain policy allows it (when not, the right outcome is
// a refusal with no write).
type Scenario struct {
	Domain string `json:"domain"`
	Family Family `json:"family"`
	Seed   int64  `json:"seed"`
	Intent Intent `json:"intent"`
	// Allowed is the policy's decision; Rule names the deciding rule and
	// Why explains it.
	Allowed bool   `json:"allowed"`
	Rule    string `json:"rule"`
	Why     string `json:"why"`
	// UserID is the user; EntityID the reservation or order ("" for
	// user-level intents).
	UserID   string `json:"user_id"`
	EntityID string `json:"entity_id,omitempty"`
	// AuthBy is how the user identifies: AuthUserID, AuthEmail or AuthNameZip.
	AuthBy    string `json:"auth_by"`
	Email     string `json:"email,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	Zip       string `json:"zip,omitempty"`
	Params    Params `json:"params"`
	// Instructions are the user simulator's instructions.
	Instructions envs.Instructions `json:"instructions"`
}

// Identity returns what the user states to identify themselves.
func (s Scenario) Identity() []string {
	switch s.AuthBy {
	case AuthEmail:
		return []string{s.Email}
	case AuthNameZip:
		return []string{s.Zip}
	}
	return []string{s.UserID}
}

// Outcome is "allowed" or "refusal".
func (s Scenario) Outcome() string {
	if s.Allowed {
		return "allowed"
	}
	return "refusal"
}

// EntityRef is a (user, reservation or order) pair of a database.
type EntityRef struct {
	UserID   string `json:"user_id"`
	EntityID string `json:"entity_id"`
}

// Entities lists every (user, reservation/order) pair of dom's initial
// state, sorted; callers may walk it to ground distinct entities.
func Entities(dom *envs.Domain) ([]EntityRef, error) {
	var out []EntityRef
	switch db := dom.Initial.(type) {
	case *airline.DB:
		for uid, u := range db.Users.All() {
			for _, id := range u.Reservations {
				out = append(out, EntityRef{uid, id})
			}
		}
	case *retail.DB:
		for uid, u := range db.Users.All() {
			for _, id := range u.Orders {
				out = append(out, EntityRef{uid, id})
			}
		}
	default:
		_, err := FamilyOf(dom)
		return nil, err
	}
	slices.SortFunc(out, func(a, b EntityRef) int {
		if c := strings.Compare(a.UserID, b.UserID); c != 0 {
			return c
		}
		return strings.Compare(a.EntityID, b.EntityID)
	})
	return out, nil
}

// Money renders an amount the way communicate_info states it: the shortest
// decimal (1234.5, 100), which is a substring of any two-decimal spelling
// and has no thousands separator.
func Money(x float64) string {
	if x < 0 {
		x = -x
	}
	return strconv.FormatFloat(round2(x), 'f', -1, 64)
}

func round2(x float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'f', 2, 64), 64)
	return v
}

func instructions(domain, reason, known, task string) envs.Instructions {
	return envs.Instructions{Domain: domain, ReasonForCall: reason, KnownInfo: &known, TaskInstructions: task}
}

// identityText is how the user introduces themselves in known_info.
func (s Scenario) identityText() string {
	switch s.AuthBy {
	case AuthEmail:
		return fmt.Sprintf("Your email is %s.", s.Email)
	case AuthNameZip:
		return fmt.Sprintf("Your name is %s %s and your zip code is %s.", s.FirstName, s.LastName, s.Zip)
	}
	return fmt.Sprintf("Your user id is %s.", s.UserID)
}
