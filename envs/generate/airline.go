package generate

import (
	"fmt"
	"strings"
)

// Airline data shape constants. The tools use tau2's fixed clock
// (2024-05-15 15:00 EST), so generated flight dates straddle it.
var (
	airports = []string{"PDX", "AUS", "DEN", "BOS", "ORD", "SEA", "PHX", "ATL", "MIA", "CMH", "SFO", "JFK"}
	cabins   = []string{"basic_economy", "economy", "business"}
)

const (
	firstDay  = 1
	lastDay   = 30
	todayDay  = 15
	monthFmt  = "2024-05-%02d"
	routeSeed = 1
)

// AirlineJSON returns a generated airline database in tau2's db.json layout.
func AirlineJSON(opt Options) []byte {
	g := newGen(opt.Seed, routeSeed)
	flights := &obj{}
	byRoute := map[[2]string][]string{}
	n := 0
	// A connected route map: each airport links to three others, both directions.
	for i, a := range airports {
		for _, k := range []int{1, 3, 5} {
			b := airports[(i+k)%len(airports)]
			for _, pair := range [][2]string{{a, b}, {b, a}} {
				if len(byRoute[pair]) > 0 {
					continue
				}
				for rep := 0; rep < 2; rep++ {
					n++
					num := fmt.Sprintf("EGD%03d", n)
					flights.Set(num, g.flight(num, pair[0], pair[1]))
					byRoute[pair] = append(byRoute[pair], num)
				}
			}
		}
	}
	users := &obj{}
	reservations := &obj{}
	for i := 0; i < opt.users(); i++ {
		u, id := g.airlineUser()
		users.Set(id, u)
	}
	for _, uid := range users.Keys() {
		uv, _ := users.Get(uid)
		u := uv.(*obj)
		var ids []string
		for k := 0; k < 1+g.r.IntN(3); k++ {
			rid, res := g.reservation(uid, u, flights, byRoute)
			reservations.Set(rid, res)
			ids = append(ids, rid)
		}
		u.Set("reservations", ids)
	}
	return mustJSON(o("flights", flights, "users", users, "reservations", reservations))
}

func (g *gen) flight(num, from, to string) *obj {
	depH := 5 + g.r.IntN(15)
	dur := 1 + g.r.IntN(5)
	dates := &obj{}
	base := [3]int{60 + g.r.IntN(60), 110 + g.r.IntN(90), 350 + g.r.IntN(400)}
	for d := firstDay; d <= lastDay; d++ {
		day := fmt.Sprintf(monthFmt, d)
		dep := fmt.Sprintf("%sT%02d:%02d:00", day, depH, g.r.IntN(60))
		arr := fmt.Sprintf("%sT%02d:%02d:00", day, min(depH+dur, 23), g.r.IntN(60))
		switch {
		case d < todayDay:
			if g.r.IntN(12) == 0 {
				dates.Set(day, o("status", "cancelled"))
			} else {
				dates.Set(day, o("status", "landed", "actual_departure_time_est", dep, "actual_arrival_time_est", arr))
			}
		case d == todayDay:
			switch g.r.IntN(3) {
			case 0:
				dates.Set(day, o("status", "on time", "estimated_departure_time_est", dep, "estimated_arrival_time_est", arr))
			case 1:
				dates.Set(day, o("status", "delayed", "estimated_departure_time_est", dep, "estimated_arrival_time_est", arr))
			default:
				dates.Set(day, o("status", "landed", "actual_departure_time_est", dep, "actual_arrival_time_est", arr))
			}
		default:
			seats := o()
			prices := o()
			for i, c := range cabins {
				seats.Set(c, g.r.IntN(20))
				prices.Set(c, base[i]+g.r.IntN(40))
			}
			dates.Set(day, o("status", "available", "available_seats", seats, "prices", prices))
		}
	}
	return o("origin", from, "destination", to, "flight_number", num,
		"scheduled_departure_time_est", fmt.Sprintf("%02d:00:00", depH),
		"scheduled_arrival_time_est", fmt.Sprintf("%02d:00:00", min(depH+dur, 23)), "dates", dates)
}

func (g *gen) airlineUser() (*obj, string) {
	first, last := g.person()
	id := g.unique(func() string {
		return fmt.Sprintf("%s_%s_%s", strings.ToLower(first), strings.ToLower(last), g.digits(4))
	})
	pms := &obj{}
	for k := 0; k < 1+g.r.IntN(3); k++ {
		switch g.r.IntN(3) {
		case 0:
			pid := g.unique(func() string { return "credit_card_" + g.digits(7) })
			pms.Set(pid, o("source", "credit_card", "id", pid, "brand", g.pick(cardBrands), "last_four", g.digits(4)))
		case 1:
			pid := g.unique(func() string { return "gift_card_" + g.digits(7) })
			pms.Set(pid, o("source", "gift_card", "id", pid, "amount", float64(g.r.IntN(300))))
		default:
			pid := g.unique(func() string { return "certificate_" + g.digits(7) })
			pms.Set(pid, o("source", "certificate", "id", pid, "amount", float64(50*(1+g.r.IntN(6)))))
		}
	}
	var saved []any
	for k := 0; k < g.r.IntN(3); k++ {
		f, l := g.person()
		saved = append(saved, o("first_name", f, "last_name", l, "dob", g.dob(1950, 2010)))
	}
	if saved == nil {
		saved = []any{}
	}
	u := o("user_id", id, "name", o("first_name", first, "last_name", last), "address", g.address(),
		"email", fmt.Sprintf("%s.%s%s@example.com", strings.ToLower(first), strings.ToLower(last), g.digits(4)),
		"dob", g.dob(1950, 2004), "payment_methods", pms, "saved_passengers", saved,
		"membership", g.pick([]string{"regular", "silver", "gold"}), "reservations", []string{})
	return u, id
}

func (g *gen) reservation(uid string, u *obj, flights *obj, byRoute map[[2]string][]string) (string, *obj) {
	rid := g.unique(func() string {
		const letters = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
		b := make([]byte, 6)
		for i := range b {
			b[i] = letters[g.r.IntN(len(letters))]
		}
		return string(b)
	})
	var route [2]string
	for {
		route = [2]string{g.pick(airports), g.pick(airports)}
		if len(byRoute[route]) > 0 && len(byRoute[[2]string{route[1], route[0]}]) > 0 {
			break
		}
	}
	cabin := g.pick(cabins)
	roundTrip := g.r.IntN(2) == 0
	out := todayDay + 1 + g.r.IntN(8)
	if g.r.IntN(4) == 0 {
		out = firstDay + 2 + g.r.IntN(10) // some trips already flown
	}
	legs := []struct {
		from, to string
		day      int
	}{{route[0], route[1], out}}
	if roundTrip {
		legs = append(legs, struct {
			from, to string
			day      int
		}{route[1], route[0], min(out+1+g.r.IntN(5), lastDay)})
	}
	var fl []any
	total := 0
	for _, leg := range legs {
		num := g.pick(byRoute[[2]string{leg.from, leg.to}])
		fv, _ := flights.Get(num)
		dates, _ := fv.(*obj).Get("dates")
		dv, _ := dates.(*obj).Get(fmt.Sprintf(monthFmt, leg.day))
		price := 100 + g.r.IntN(400)
		if prices, ok := dv.(*obj).Get("prices"); ok {
			p, _ := prices.(*obj).Get(cabin)
			price = p.(int)
		}
		total += price
		fl = append(fl, o("origin", leg.from, "destination", leg.to, "flight_number", num, "date", fmt.Sprintf(monthFmt, leg.day), "price", price))
	}
	name, _ := u.Get("name")
	first, _ := name.(*obj).Get("first_name")
	last, _ := name.(*obj).Get("last_name")
	dob, _ := u.Get("dob")
	passengers := []any{o("first_name", first, "last_name", last, "dob", dob)}
	saved, _ := u.Get("saved_passengers")
	for _, p := range saved.([]any) {
		if g.r.IntN(2) == 0 {
			passengers = append(passengers, p)
		}
	}
	insurance := g.pick([]string{"yes", "no"})
	amount := total * len(passengers)
	if insurance == "yes" {
		amount += 30 * len(passengers)
	}
	pms, _ := u.Get("payment_methods")
	payID := pms.(*obj).Keys()[g.r.IntN(pms.(*obj).Len())]
	bags := g.r.IntN(len(passengers) + 2)
	return rid, o("reservation_id", rid, "user_id", uid, "origin", route[0], "destination", route[1],
		"flight_type", map[bool]string{true: "round_trip", false: "one_way"}[roundTrip], "cabin", cabin,
		"flights", fl, "passengers", passengers,
		"payment_history", []any{o("payment_id", payID, "amount", amount)},
		"created_at", fmt.Sprintf("2024-05-%02dT%02d:%02d:%02d", firstDay+g.r.IntN(min(out, todayDay)-firstDay), g.r.IntN(24), g.r.IntN(60), g.r.IntN(60)),
		"total_baggages", bags, "nonfree_baggages", g.r.IntN(bags+1), "insurance", insurance)
}
