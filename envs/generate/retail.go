package generate

import (
	"fmt"
	"strings"

	"github.com/eigendata/eigendata/envs/pyjson"
)

// catalog lists product kinds with their option axes and price range.
var catalog = []struct {
	name    string
	options [][2]string // axis name, comma-separated values
	lo, hi  float64
}{
	{"Desk Fan", [][2]string{{"size", "small,medium,large"}, {"color", "white,black"}}, 25, 90},
	{"Trail Backpack", [][2]string{{"capacity", "20L,30L,45L"}, {"color", "green,grey,orange"}}, 40, 180},
	{"Ceramic Mug", [][2]string{{"capacity", "300ml,450ml"}, {"color", "blue,white,red"}}, 8, 30},
	{"Noise-Cancelling Headset", [][2]string{{"color", "black,silver"}, {"connectivity", "wired,wireless"}}, 60, 350},
	{"Standing Desk", [][2]string{{"width", "120cm,140cm,160cm"}, {"finish", "oak,walnut,white"}}, 250, 800},
	{"Rain Jacket", [][2]string{{"size", "S,M,L,XL"}, {"color", "navy,yellow"}}, 45, 160},
	{"Chef Knife", [][2]string{{"blade", "8 inch,10 inch"}, {"steel", "carbon,stainless"}}, 30, 220},
	{"Smart Plug", [][2]string{{"pack", "1,2,4"}, {"protocol", "wifi,zigbee"}}, 10, 60},
	{"Camping Tent", [][2]string{{"capacity", "2-person,4-person"}, {"season", "3-season,4-season"}}, 90, 500},
	{"Fountain Pen", [][2]string{{"nib", "fine,medium,broad"}, {"color", "black,burgundy"}}, 15, 140},
}

// RetailJSON returns a generated retail database in tau2's db.json layout.
func RetailJSON(opt Options) []byte {
	g := newGen(opt.Seed, 2)
	products := &obj{}
	type variant struct {
		product, name, item string
		price               float64
		options             *obj
	}
	var variants []variant
	for _, c := range catalog {
		pid := g.unique(func() string { return g.digits(10) })
		vs := &obj{}
		// Every combination of option values is a variant.
		combos := [][][2]string{{}}
		for _, axis := range c.options {
			var next [][][2]string
			for _, combo := range combos {
				for _, v := range strings.Split(axis[1], ",") {
					next = append(next, append(append([][2]string(nil), combo...), [2]string{axis[0], v}))
				}
			}
			combos = next
		}
		for _, combo := range combos {
			item := g.unique(func() string { return g.digits(10) })
			opts := o()
			for _, kv := range combo {
				opts.Set(kv[0], kv[1])
			}
			price := g.cents(c.lo, c.hi)
			vs.Set(item, o("item_id", item, "options", opts, "available", g.r.IntN(5) != 0, "price", price))
			variants = append(variants, variant{pid, c.name, item, price, opts})
		}
		products.Set(pid, o("name", c.name, "product_id", pid, "variants", vs))
	}
	users := &obj{}
	orders := &obj{}
	for i := 0; i < opt.users(); i++ {
		first, last := g.person()
		uid := g.unique(func() string {
			return fmt.Sprintf("%s_%s_%s", strings.ToLower(first), strings.ToLower(last), g.digits(4))
		})
		pms := &obj{}
		for k := 0; k < 1+g.r.IntN(2); k++ {
			switch g.r.IntN(3) {
			case 0:
				pid := g.unique(func() string { return "credit_card_" + g.digits(7) })
				pms.Set(pid, o("source", "credit_card", "id", pid, "brand", g.pick(cardBrands), "last_four", g.digits(4)))
			case 1:
				pid := g.unique(func() string { return "paypal_" + g.digits(7) })
				pms.Set(pid, o("source", "paypal", "id", pid))
			default:
				pid := g.unique(func() string { return "gift_card_" + g.digits(7) })
				pms.Set(pid, o("source", "gift_card", "id", pid, "balance", float64(g.r.IntN(200))))
			}
		}
		addr := g.address()
		var orderIDs []string
		for k := 0; k < 1+g.r.IntN(3); k++ {
			oid := g.unique(func() string { return "#W" + g.digits(7) })
			var items []any
			var itemIDs []string
			total := 0.0
			for j := 0; j < 1+g.r.IntN(4); j++ {
				v := variants[g.r.IntN(len(variants))]
				items = append(items, o("name", v.name, "product_id", v.product, "item_id", v.item, "price", v.price, "options", v.options))
				itemIDs = append(itemIDs, v.item)
				total += v.price
			}
			total = pyjson.Round(total, 2)
			status := g.pick([]string{"pending", "pending", "processed", "delivered", "delivered", "cancelled"})
			fulfillments := []any{}
			if status != "pending" {
				fulfillments = append(fulfillments, o("tracking_id", []string{g.digits(12)}, "item_ids", itemIDs))
			}
			payID := pms.Keys()[g.r.IntN(pms.Len())]
			history := []any{o("transaction_type", "payment", "amount", total, "payment_method_id", payID)}
			if status == "cancelled" {
				history = append(history, o("transaction_type", "refund", "amount", total, "payment_method_id", payID))
			}
			orders.Set(oid, o("order_id", oid, "user_id", uid, "address", addr, "items", items, "status", status,
				"fulfillments", fulfillments, "payment_history", history))
			orderIDs = append(orderIDs, oid)
		}
		users.Set(uid, o("user_id", uid, "name", o("first_name", first, "last_name", last), "address", addr,
			"email", fmt.Sprintf("%s.%s%s@example.com", strings.ToLower(first), strings.ToLower(last), g.digits(4)),
			"payment_methods", pms, "orders", orderIDs))
	}
	return mustJSON(o("products", products, "users", users, "orders", orders))
}
