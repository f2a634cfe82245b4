// Package airline is tau2-bench's airline domain in Go: the flight,
// user and reservation database and every agent tool of tau2's
// AirlineTools, returning byte-for-byte the strings tau2 emits.
package airline

import (
	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/pyjson"
)

// Name is a person's name.
type Name struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
}

// Address is a postal address.
type Address struct {
	Address1 string  `json:"address1"`
	Address2 *string `json:"address2"`
	City     string  `json:"city"`
	Country  string  `json:"country"`
	State    string  `json:"state"`
	Zip      string  `json:"zip"`
}

// Payment is one entry of a reservation's payment history.
type Payment struct {
	PaymentID string `json:"payment_id"`
	Amount    int    `json:"amount"`
}

// PaymentMethod is a user's credit card, gift card or certificate; the
// fields present follow tau2's model for each source.
type PaymentMethod struct {
	Source   string   `json:"source"`
	ID       string   `json:"id"`
	Brand    string   `json:"brand,omitempty"`
	LastFour string   `json:"last_four,omitempty"`
	Amount   *float64 `json:"amount,omitempty"`
}

// Passenger is a traveller.
type Passenger struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Dob       string `json:"dob"`
}

// FlightDate is a flight's status on one date; which fields are present
// depends on the status (available, landed, cancelled, delayed, flying, on time).
type FlightDate struct {
	Status             string                  `json:"status"`
	AvailableSeats     *pyjson.OrderedMap[int] `json:"available_seats,omitempty"`
	Prices             *pyjson.OrderedMap[int] `json:"prices,omitempty"`
	ActualDeparture    string                  `json:"actual_departure_time_est,omitempty"`
	ActualArrival      string                  `json:"actual_arrival_time_est,omitempty"`
	EstimatedDeparture string                  `json:"estimated_departure_time_est,omitempty"`
	EstimatedArrival   string                  `json:"estimated_arrival_time_est,omitempty"`
}

// Flight is a scheduled flight with its status per date.
type Flight struct {
	FlightNumber       string                         `json:"flight_number"`
	Origin             string                         `json:"origin"`
	Destination        string                         `json:"destination"`
	ScheduledDeparture string                         `json:"scheduled_departure_time_est"`
	ScheduledArrival   string                         `json:"scheduled_arrival_time_est"`
	Dates              pyjson.OrderedMap[*FlightDate] `json:"dates"`
}

// DirectFlight is a search result.
type DirectFlight struct {
	FlightNumber       string                  `json:"flight_number"`
	Origin             string                  `json:"origin"`
	Destination        string                  `json:"destination"`
	Status             string                  `json:"status"`
	ScheduledDeparture string                  `json:"scheduled_departure_time_est"`
	ScheduledArrival   string                  `json:"scheduled_arrival_time_est"`
	Date               *string                 `json:"date"`
	AvailableSeats     *pyjson.OrderedMap[int] `json:"available_seats"`
	Prices             *pyjson.OrderedMap[int] `json:"prices"`
}

// ReservationFlight is one flight of a reservation.
type ReservationFlight struct {
	FlightNumber string `json:"flight_number"`
	Origin       string `json:"origin"`
	Destination  string `json:"destination"`
	Date         string `json:"date"`
	Price        int    `json:"price"`
}

// User is an airline customer.
type User struct {
	UserID          string                            `json:"user_id"`
	Name            Name                              `json:"name"`
	Address         Address                           `json:"address"`
	Email           string                            `json:"email"`
	Dob             string                            `json:"dob"`
	PaymentMethods  pyjson.OrderedMap[*PaymentMethod] `json:"payment_methods"`
	SavedPassengers []Passenger                       `json:"saved_passengers"`
	Membership      string                            `json:"membership"`
	Reservations    []string                          `json:"reservations"`
}

// Reservation is a booking.
type Reservation struct {
	ReservationID   string              `json:"reservation_id"`
	UserID          string              `json:"user_id"`
	Origin          string              `json:"origin"`
	Destination     string              `json:"destination"`
	FlightType      string              `json:"flight_type"`
	Cabin           string              `json:"cabin"`
	Flights         []ReservationFlight `json:"flights"`
	Passengers      []Passenger         `json:"passengers"`
	PaymentHistory  []Payment           `json:"payment_history"`
	CreatedAt       string              `json:"created_at"`
	TotalBaggages   int                 `json:"total_baggages"`
	NonfreeBaggages int                 `json:"nonfree_baggages"`
	Insurance       string              `json:"insurance"`
	Status          *string             `json:"status"`
}

// AirportCode is an airport of list_all_airports.
type AirportCode struct {
	IATA string `json:"iata"`
	City string `json:"city"`
}

// DB is the airline database (tau2's FlightDB); it implements envs.State.
type DB struct {
	Flights      envs.Table[Flight]      `json:"flights"`
	Users        envs.Table[User]        `json:"users"`
	Reservations envs.Table[Reservation] `json:"reservations"`
}

// Clone implements envs.State (copy-on-write).
func (db *DB) Clone() envs.State {
	return &DB{Flights: db.Flights.Clone(), Users: db.Users.Clone(), Reservations: db.Reservations.Clone()}
}

// Hash implements envs.State.
func (db *DB) Hash() (string, string) {
	f, u, r := db.Flights.Hash(), db.Users.Hash(), db.Reservations.Hash()
	return envs.Digest([]byte("flights"), f[:], []byte("users"), u[:], []byte("reservations"), r[:]), ""
}
