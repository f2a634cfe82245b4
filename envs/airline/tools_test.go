package airline

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"

	"github.com/eigendata/eigendata/envs"
)

// call is one step of a compatibility case.
type call struct {
	tool, args string
}

// TestToolOutputsMatchTau2 compares exact outputs with tau2's. Short
// expected strings are written out from tau2's source (the branch is named
// in each case); long model dumps are given as the sha256 of the string
// tau2 emits, derived independently from db.json in pydantic field order
// with Python's json.dumps.
func TestToolOutputsMatchTau2(t *testing.T) {
	d := domain(t)
	const bookOK = `{"user_id": "mia_li_3668", "origin": "JFK", "destination": "SEA", "flight_type": "one_way", "cabin": "economy", "flights": [{"flight_number": "HAT069", "date": "2024-05-16"}], "passengers": [{"first_name": "Mia", "last_name": "Li", "dob": "1990-04-05"}], "payment_methods": [{"payment_id": "credit_card_4421486", "amount": 180}], "total_baggages": 2, "nonfree_baggages": 1, "insurance": "yes"}`
	book := func(edit func(m map[string]any)) string {
		var m map[string]any
		_ = json.Unmarshal([]byte(bookOK), &m)
		edit(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	cases := []struct {
		name    string
		before  []call
		call    call
		want    string // exact output, or
		wantSHA string // sha256 of the exact output
		isErr   bool
	}{
		// book_reservation
		{name: "book ok", call: call{"book_reservation", bookOK}, wantSHA: "9291ccf97bdafea071dd99d36c84ec5977ac1c84835f26e5acf129661fe716cf"},
		{name: "book _get_user", call: call{"book_reservation", book(func(m map[string]any) { m["user_id"] = "nobody" })}, want: "Error: User nobody not found", isErr: true},
		{name: "book _get_flight", call: call{"book_reservation", book(func(m map[string]any) {
			m["flights"] = []any{map[string]any{"flight_number": "HAT999", "date": "2024-05-16"}}
		})}, want: "Error: Flight HAT999 not found", isErr: true},
		{name: "book _get_flight_instance", call: call{"book_reservation", book(func(m map[string]any) {
			m["flights"] = []any{map[string]any{"flight_number": "HAT069", "date": "2024-06-30"}}
		})}, want: "Error: Flight HAT069 not found on date 2024-06-30", isErr: true},
		{name: "book not available", call: call{"book_reservation", book(func(m map[string]any) {
			m["flights"] = []any{map[string]any{"flight_number": "HAT069", "date": "2024-05-01"}}
		})}, want: "Error: Flight HAT069 not available on date 2024-05-01", isErr: true},
		{name: "book not enough seats", call: call{"book_reservation", book(func(m map[string]any) {
			m["cabin"] = "business"
			p := map[string]any{"first_name": "A", "last_name": "B", "dob": "2000-01-01"}
			m["passengers"] = []any{p, p, p, p, p, p, p}
		})}, want: "Error: Not enough seats on flight HAT069", isErr: true},
		{name: "book payment method not found", call: call{"book_reservation", book(func(m map[string]any) {
			m["payment_methods"] = []any{map[string]any{"payment_id": "credit_card_0", "amount": 180}}
		})}, want: "Error: Payment method credit_card_0 not found", isErr: true},
		{name: "book not enough balance", call: call{"book_reservation", book(func(m map[string]any) {
			m["payment_methods"] = []any{map[string]any{"payment_id": "certificate_4856383", "amount": 180}}
		})}, want: "Error: Not enough balance in payment method certificate_4856383", isErr: true},
		{name: "book amount does not add up", call: call{"book_reservation", book(func(m map[string]any) {
			m["payment_methods"] = []any{map[string]any{"payment_id": "credit_card_4421486", "amount": 100}}
		})}, want: "Error: Payment amount does not add up, total price is 180, but paid 100", isErr: true},
		{name: "book too many reservations", before: []call{{"book_reservation", bookOK}, {"book_reservation", bookOK}, {"book_reservation", bookOK}},
			call: call{"book_reservation", bookOK}, want: "Error: Too many reservations", isErr: true},
		{name: "book missing argument", call: call{"book_reservation", `{"user_id": "mia_li_3668"}`},
			want: "Error: AirlineTools.book_reservation() missing 10 required positional arguments: 'origin', 'destination', 'flight_type', 'cabin', 'flights', 'passengers', 'payment_methods', 'total_baggages', 'nonfree_baggages', and 'insurance'", isErr: true},
		// calculate
		{name: "calculate", call: call{"calculate", `{"expression": "(100 + 30) * 3 / 2"}`}, want: "195.0"},
		{name: "calculate invalid characters", call: call{"calculate", `{"expression": "2 ** x"}`}, want: "Error: Invalid characters in expression", isErr: true},
		// cancel_reservation
		{name: "cancel ok", call: call{"cancel_reservation", `{"reservation_id": "4WQ150"}`}, wantSHA: "7a028225d5dd5b5cfff71931002eb43d20227d77c47041f3a164e13cfbe523cc"},
		{name: "cancel _get_reservation", call: call{"cancel_reservation", `{"reservation_id": "ZZZZZZ"}`}, want: "Error: Reservation ZZZZZZ not found", isErr: true},
		// get_reservation_details / get_user_details
		{name: "reservation details", call: call{"get_reservation_details", `{"reservation_id": "4WQ150"}`}, wantSHA: "c5b4552cc525eb51d77f7184a0a6fd9cb061fac10045173cef0e32016087776d"},
		{name: "reservation details not found", call: call{"get_reservation_details", `{"reservation_id": "NOPE"}`}, want: "Error: Reservation NOPE not found", isErr: true},
		{name: "user details", call: call{"get_user_details", `{"user_id": "mia_li_3668"}`}, wantSHA: "e07c6225c2ff0e707eecea8ca73128a4688e2a1217adb86e60b6f75711c44fd0"},
		{name: "user details not found", call: call{"get_user_details", `{"user_id": "x"}`}, want: "Error: User x not found", isErr: true},
		{name: "user details unexpected argument", call: call{"get_user_details", `{"user_id": "x", "email": "y"}`}, want: "Error: AirlineTools.get_user_details() got an unexpected keyword argument 'email'", isErr: true},
		// list_all_airports
		{name: "airports", call: call{"list_all_airports", `{}`}, wantSHA: sha(`[{"iata": "SFO", "city": "San Francisco"}, {"iata": "JFK", "city": "New York"}, {"iata": "LAX", "city": "Los Angeles"}, {"iata": "ORD", "city": "Chicago"}, {"iata": "DFW", "city": "Dallas"}, {"iata": "DEN", "city": "Denver"}, {"iata": "SEA", "city": "Seattle"}, {"iata": "ATL", "city": "Atlanta"}, {"iata": "MIA", "city": "Miami"}, {"iata": "BOS", "city": "Boston"}, {"iata": "PHX", "city": "Phoenix"}, {"iata": "IAH", "city": "Houston"}, {"iata": "LAS", "city": "Las Vegas"}, {"iata": "MCO", "city": "Orlando"}, {"iata": "EWR", "city": "Newark"}, {"iata": "CLT", "city": "Charlotte"}, {"iata": "MSP", "city": "Minneapolis"}, {"iata": "DTW", "city": "Detroit"}, {"iata": "PHL", "city": "Philadelphia"}, {"iata": "LGA", "city": "LaGuardia"}]`)},
		// searches
		{name: "direct flights", call: call{"search_direct_flight", `{"origin": "JFK", "destination": "SEA", "date": "2024-05-16"}`}, wantSHA: "d7ba2bf4b4ecb1af7fa2755fe96c42cddfbd83f3eb8707a101f3faf4b2a41199"},
		{name: "direct flights none", call: call{"search_direct_flight", `{"origin": "JFK", "destination": "JFK", "date": "2024-05-16"}`}, want: "[]"},
		{name: "one-stop flights", call: call{"search_onestop_flight", `{"origin": "JFK", "destination": "SEA", "date": "2024-05-16"}`}, wantSHA: "f3fdf7698a8349481a2437efa913d935518dd8d05086f65ff9fb27bb9cd66251"},
		// send_certificate
		{name: "certificate int amount", call: call{"send_certificate", `{"user_id": "mia_li_3668", "amount": 150}`}, want: "Certificate certificate_3221322 added to user mia_li_3668 with amount 150."},
		{name: "certificate float amount", call: call{"send_certificate", `{"user_id": "mia_li_3668", "amount": 150.0}`}, want: "Certificate certificate_3221322 added to user mia_li_3668 with amount 150.0."},
		{name: "certificate user not found", call: call{"send_certificate", `{"user_id": "nobody", "amount": 50}`}, want: "Error: User nobody not found", isErr: true},
		{name: "too many certificates", before: []call{{"send_certificate", `{"user_id": "mia_li_3668", "amount": 1}`}, {"send_certificate", `{"user_id": "mia_li_3668", "amount": 1}`}, {"send_certificate", `{"user_id": "mia_li_3668", "amount": 1}`}},
			call: call{"send_certificate", `{"user_id": "mia_li_3668", "amount": 1}`}, want: "Error: Too many certificates", isErr: true},
		// transfer_to_human_agents
		{name: "transfer", call: call{"transfer_to_human_agents", `{"summary": "help"}`}, want: "Transfer successful"},
		// update_reservation_baggages
		{name: "bags ok (gift card charged $100)", call: call{"update_reservation_baggages", `{"reservation_id": "4WQ150", "total_baggages": 7, "nonfree_baggages": 2, "payment_id": "gift_card_3576581"}`}, wantSHA: "ee2db69074d3d23b5aec62f6686afb997d086f17df6ae4c5c6e9cbac41ba9da2"},
		{name: "bags reservation not found", call: call{"update_reservation_baggages", `{"reservation_id": "X", "total_baggages": 1, "nonfree_baggages": 0, "payment_id": "p"}`}, want: "Error: Reservation X not found", isErr: true},
		{name: "bags payment method not found", call: call{"update_reservation_baggages", `{"reservation_id": "4WQ150", "total_baggages": 7, "nonfree_baggages": 2, "payment_id": "credit_card_1"}`}, want: "Error: Payment method not found", isErr: true},
		{name: "bags gift card balance", call: call{"update_reservation_baggages", `{"reservation_id": "4WQ150", "total_baggages": 11, "nonfree_baggages": 6, "payment_id": "gift_card_3576581"}`}, want: "Error: Gift card balance is not enough", isErr: true},
		{name: "bags certificate", call: call{"update_reservation_baggages", `{"reservation_id": "NO6JO3", "total_baggages": 9, "nonfree_baggages": 9, "payment_id": "certificate_4856383"}`}, want: "Error: Certificate cannot be used to update reservation", isErr: true},
		// update_reservation_flights
		{name: "flights not available", call: call{"update_reservation_flights", `{"reservation_id": "4WQ150", "cabin": "economy", "flights": [{"flight_number": "HAT069", "date": "2024-05-01"}], "payment_id": "gift_card_3576581"}`}, want: "Error: Flight HAT069 not available on date 2024-05-01", isErr: true},
		{name: "flights flight not found", call: call{"update_reservation_flights", `{"reservation_id": "4WQ150", "cabin": "economy", "flights": [{"flight_number": "HAT000", "date": "2024-05-01"}], "payment_id": "gift_card_3576581"}`}, want: "Error: Flight HAT000 not found", isErr: true},
		{name: "flights cheaper: refund recorded", call: call{"update_reservation_flights", `{"reservation_id": "4WQ150", "cabin": "business", "flights": [{"flight_number": "HAT069", "date": "2024-05-16"}], "payment_id": "gift_card_3576581"}`}, wantSHA: "ff4079bd0f33267eaae12d9158775abc356fc06b18a8e6676f53017e11969427"},
		{name: "flights not enough seats", call: call{"update_reservation_flights", `{"reservation_id": "4WQ150", "cabin": "economy", "flights": [{"flight_number": "HAT002", "date": "2024-05-24"}], "payment_id": "gift_card_3576581"}`}, want: "Error: Not enough seats on flight HAT002", isErr: true},
		{name: "flights gift card balance", call: call{"update_reservation_flights", `{"reservation_id": "4WQ150", "cabin": "business", "flights": [{"flight_number": "HAT170", "date": "2024-05-22"}, {"flight_number": "HAT022", "date": "2024-05-26"}, {"flight_number": "HAT069", "date": "2024-05-16"}], "payment_id": "gift_card_3576581"}`}, want: "Error: Gift card balance is not enough", isErr: true},
		{name: "flights reservation not found", call: call{"update_reservation_flights", `{"reservation_id": "Q", "cabin": "economy", "flights": [], "payment_id": "x"}`}, want: "Error: Reservation Q not found", isErr: true},
		// update_reservation_passengers
		{name: "passengers ok", call: call{"update_reservation_passengers", `{"reservation_id": "4WQ150", "passengers": [{"first_name": "A", "last_name": "B", "dob": "2000-01-01"}, {"first_name": "C", "last_name": "D", "dob": "2000-01-02"}, {"first_name": "E", "last_name": "F", "dob": "2000-01-03"}]}`}, wantSHA: "47b0dc2a3cff2d37bd52de7d167130f88bda70b03d461a6ffa500905efd32ea1"},
		{name: "passengers count", call: call{"update_reservation_passengers", `{"reservation_id": "4WQ150", "passengers": []}`}, want: "Error: Number of passengers does not match", isErr: true},
		// get_flight_status
		{name: "flight status", call: call{"get_flight_status", `{"flight_number": "HAT001", "date": "2024-05-03"}`}, want: "cancelled"},
		{name: "flight status unknown date", call: call{"get_flight_status", `{"flight_number": "HAT001", "date": "2023-01-01"}`}, want: "Error: Flight HAT001 not found on date 2023-01-01", isErr: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := d.NewEnv()
			for _, b := range c.before {
				if r := env.Call(envs.Assistant, b.tool, json.RawMessage(b.args)); r.Error {
					t.Fatalf("setup %s: %s", b.tool, r.Content)
				}
			}
			got := env.Call(envs.Assistant, c.call.tool, json.RawMessage(c.call.args))
			if got.Error != c.isErr {
				t.Errorf("error = %v, want %v (%s)", got.Error, c.isErr, got.Content)
			}
			if c.wantSHA != "" {
				if s := sha(got.Content); s != c.wantSHA {
					t.Errorf("output sha %s, want %s; output: %.300s", s, c.wantSHA, got.Content)
				}
			} else if got.Content != c.want {
				t.Errorf("got  %q\nwant %q", got.Content, c.want)
			}
		})
	}
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// TestToolList checks the tool set and types against tau2's AirlineTools.
func TestToolList(t *testing.T) {
	want := []struct {
		name    string
		typ     envs.ToolType
		mutates bool
	}{
		{"book_reservation", envs.Write, true}, {"calculate", envs.Generic, false}, {"cancel_reservation", envs.Write, true},
		{"get_reservation_details", envs.Read, false}, {"get_user_details", envs.Read, false}, {"list_all_airports", envs.Read, false},
		{"search_direct_flight", envs.Read, false}, {"search_onestop_flight", envs.Read, false}, {"send_certificate", envs.Write, true},
		{"transfer_to_human_agents", envs.Generic, false}, {"update_reservation_baggages", envs.Write, true},
		{"update_reservation_flights", envs.Write, true}, {"update_reservation_passengers", envs.Write, true},
		{"get_flight_status", envs.Read, false},
	}
	got := domain(t).Agent.Tools
	if len(got) != len(want) {
		t.Fatalf("%d tools, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].Name != w.name || got[i].Type != w.typ || got[i].Mutates != w.mutates {
			t.Errorf("tool %d = %s/%s/%v, want %+v", i, got[i].Name, got[i].Type, got[i].Mutates, w)
		}
		var schema map[string]any
		if err := json.Unmarshal(got[i].Parameters, &schema); err != nil {
			t.Errorf("%s: schema is not JSON: %v", w.name, err)
		}
	}
}
