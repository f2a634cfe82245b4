package airline

import (
	"github.com/eigendata/eigendata/envs"
)

// Parameter schemas in the shape pydantic's model_json_schema gives tau2's tools.
const (
	defsFlightInfo = `"FlightInfo": {"properties": {"flight_number": {"description": "Flight number, such as 'HAT001'.", "title": "Flight Number", "type": "string"}, "date": {"description": "The date for the flight in the format 'YYYY-MM-DD', such as '2024-05-01'.", "title": "Date", "type": "string"}}, "required": ["flight_number", "date"], "title": "FlightInfo", "type": "object"}`
	defsPassenger  = `"Passenger": {"properties": {"first_name": {"description": "Passenger's first name", "title": "First Name", "type": "string"}, "last_name": {"description": "Passenger's last name", "title": "Last Name", "type": "string"}, "dob": {"description": "Date of birth in YYYY-MM-DD format", "title": "Dob", "type": "string"}}, "required": ["first_name", "last_name", "dob"], "title": "Passenger", "type": "object"}`
	defsPayment    = `"Payment": {"properties": {"payment_id": {"description": "Unique identifier for the payment", "title": "Payment Id", "type": "string"}, "amount": {"description": "Payment amount in dollars", "title": "Amount", "type": "integer"}}, "required": ["payment_id", "amount"], "title": "Payment", "type": "object"}`
	cabinEnum      = `"enum": ["business", "economy", "basic_economy"]`
	paymentIDDesc  = `The payment id stored in user profile, such as 'credit_card_7815826', 'gift_card_7815826', 'certificate_7815826'.`
)

func str(name, title, desc string) string {
	return `"` + name + `": {"description": "` + desc + `", "title": "` + title + `", "type": "string"}`
}

func integer(name, title, desc string) string {
	return `"` + name + `": {"description": "` + desc + `", "title": "` + title + `", "type": "integer"}`
}

func listOf(name, title, desc, def string) string {
	return `"` + name + `": {"description": "` + desc + `", "items": {"anyOf": [{"$ref": "#/$defs/` + def + `"}, {"additionalProperties": true, "type": "object"}]}, "title": "` + title + `", "type": "array"}`
}

func params(defs string, required []string, props ...string) string {
	s := `{`
	if defs != "" {
		s += `"$defs": {` + defs + `}, `
	}
	s += `"properties": {`
	for i, p := range props {
		if i > 0 {
			s += ", "
		}
		s += p
	}
	s += `}, "required": [`
	for i, r := range required {
		if i > 0 {
			s += ", "
		}
		s += `"` + r + `"`
	}
	return s + `], "title": "parameters", "type": "object"}`
}

func tools() []*envs.Tool {
	resID := func(ex string) string {
		return str("reservation_id", "Reservation Id", "The reservation ID, such as '"+ex+"'.")
	}
	return []*envs.Tool{
		envs.NewTool("book_reservation", envs.Write, "Book a reservation.",
			params(defsFlightInfo+", "+defsPassenger+", "+defsPayment,
				[]string{"user_id", "origin", "destination", "flight_type", "cabin", "flights", "passengers", "payment_methods", "total_baggages", "nonfree_baggages", "insurance"},
				str("user_id", "User Id", "The ID of the user to book the reservation such as 'sara_doe_496'`."),
				str("origin", "Origin", "The IATA code for the origin city such as 'SFO'."),
				str("destination", "Destination", "The IATA code for the destination city such as 'JFK'."),
				`"flight_type": {"description": "The type of flight such as 'one_way' or 'round_trip'.", "enum": ["round_trip", "one_way"], "title": "Flight Type", "type": "string"}`,
				`"cabin": {"description": "The cabin class such as 'basic_economy', 'economy', or 'business'.", `+cabinEnum+`, "title": "Cabin", "type": "string"}`,
				listOf("flights", "Flights", "An array of objects containing details about each piece of flight.", "FlightInfo"),
				listOf("passengers", "Passengers", "An array of objects containing details about each passenger.", "Passenger"),
				listOf("payment_methods", "Payment Methods", "An array of objects containing details about each payment method.", "Payment"),
				integer("total_baggages", "Total Baggages", "The total number of baggage items to book the reservation."),
				integer("nonfree_baggages", "Nonfree Baggages", "The number of non-free baggage items to book the reservation."),
				`"insurance": {"description": "Whether the reservation has insurance.", "enum": ["yes", "no"], "title": "Insurance", "type": "string"}`),
			envs.Bind(bookReservation)),
		envs.NewTool("calculate", envs.Generic, "Calculate the result of a mathematical expression.",
			params("", []string{"expression"}, str("expression", "Expression", "The mathematical expression to calculate, such as '2 + 2'. The expression can contain numbers, operators (+, -, *, /), parentheses, and spaces.")),
			envs.Bind(calculate)),
		envs.NewTool("cancel_reservation", envs.Write, "Cancel the whole reservation.",
			params("", []string{"reservation_id"}, resID("ZFA04Y")), envs.Bind(cancelReservation)),
		envs.NewTool("get_reservation_details", envs.Read, "Get the details of a reservation.",
			params("", []string{"reservation_id"}, resID("8JX2WO")), envs.Bind(getReservation)),
		envs.NewTool("get_user_details", envs.Read, "Get the details of a user, including their reservations.",
			params("", []string{"user_id"}, str("user_id", "User Id", "The user ID, such as 'sara_doe_496'.")), envs.Bind(getUser)),
		envs.NewTool("list_all_airports", envs.Read, "Returns a list of all available airports.",
			params("", nil), envs.Bind(listAirports)),
		envs.NewTool("search_direct_flight", envs.Read, "Search for direct flights between two cities on a specific date.",
			params("", []string{"origin", "destination", "date"},
				str("origin", "Origin", "The origin city airport in three letters, such as 'JFK'."),
				str("destination", "Destination", "The destination city airport in three letters, such as 'LAX'."),
				str("date", "Date", "The date of the flight in the format 'YYYY-MM-DD', such as '2024-01-01'.")),
			envs.Bind(searchDirect)),
		envs.NewTool("search_onestop_flight", envs.Read, "Search for one-stop flights between two cities on a specific date.",
			params("", []string{"origin", "destination", "date"},
				str("origin", "Origin", "The origin city airport in three letters, such as 'JFK'."),
				str("destination", "Destination", "The destination city airport in three letters, such as 'LAX'."),
				str("date", "Date", "The date of the flight in the format 'YYYY-MM-DD', such as '2024-05-01'.")),
			envs.Bind(searchOnestop)),
		envs.NewTool("send_certificate", envs.Write, "Send a certificate to a user. Be careful!",
			params("", []string{"user_id", "amount"},
				str("user_id", "User Id", "The ID of the user to book the reservation, such as 'sara_doe_496'."),
				integer("amount", "Amount", "The amount of the certificate to send.")),
			envs.Bind(sendCertificate)),
		envs.NewTool("transfer_to_human_agents", envs.Generic,
			"Transfer the user to a human agent, with a summary of the user's issue.\n\nOnly transfer if\n -  the user explicitly asks for a human agent\n -  given the policy and the available tools, you cannot solve the user's issue.",
			params("", []string{"summary"}, str("summary", "Summary", "A summary of the user's issue.")), envs.Bind(transfer)),
		envs.NewTool("update_reservation_baggages", envs.Write, "Update the baggage information of a reservation.",
			params("", []string{"reservation_id", "total_baggages", "nonfree_baggages", "payment_id"},
				str("reservation_id", "Reservation Id", "The reservation ID, such as 'ZFA04Y'"),
				integer("total_baggages", "Total Baggages", "The updated total number of baggage items included in the reservation."),
				integer("nonfree_baggages", "Nonfree Baggages", "The updated number of non-free baggage items included in the reservation."),
				str("payment_id", "Payment Id", paymentIDDesc)),
			envs.Bind(updateBaggages)),
		envs.NewTool("update_reservation_flights", envs.Write, "Update the flight information of a reservation.",
			params(defsFlightInfo, []string{"reservation_id", "cabin", "flights", "payment_id"},
				resID("ZFA04Y"),
				`"cabin": {"description": "The cabin class of the reservation", `+cabinEnum+`, "title": "Cabin", "type": "string"}`,
				listOf("flights", "Flights", "An array of objects containing details about each piece of flight in the ENTIRE new reservation. Even if the a flight segment is not changed, it should still be included in the array.", "FlightInfo"),
				str("payment_id", "Payment Id", paymentIDDesc)),
			envs.Bind(updateFlights)),
		envs.NewTool("update_reservation_passengers", envs.Write, "Update the passenger information of a reservation.",
			params(defsPassenger, []string{"reservation_id", "passengers"},
				resID("ZFA04Y"),
				listOf("passengers", "Passengers", "An array of objects containing details about each passenger.", "Passenger")),
			envs.Bind(updatePassengers)),
		envs.NewTool("get_flight_status", envs.Read, "Get the status of a flight.",
			params("", []string{"flight_number", "date"},
				str("flight_number", "Flight Number", "The flight number."),
				str("date", "Date", "The date of the flight.")),
			envs.Bind(flightStatus)),
	}
}
