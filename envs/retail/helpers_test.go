package retail_test

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/pyjson"
	"github.com/eigendata/eigendata/envs/retail"
	"github.com/eigendata/eigendata/envs/tau2data"
)

// dataDir returns the tau2 retail data directory; the test fails without it.
func dataDir(tb testing.TB) string {
	tb.Helper()
	return filepath.Join(tau2data.ForTest(tb), "retail")
}

// loadDomain loads the retail domain from tau2's data.
func loadDomain(tb testing.TB) *envs.Domain {
	tb.Helper()
	d, err := retail.Load(dataDir(tb))
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// call is one tool call made before the call under test.
type call struct{ tool, args string }

// toolCase is one tool call and the exact result tau2 gives.
type toolCase struct {
	name  string
	setup []call
	tool  string
	args  string
	err   bool
	want  string
}

// runCases runs each case on a fresh environment of d.
func runCases(t *testing.T, d *envs.Domain, cases []toolCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := d.NewEnv()
			for _, s := range c.setup {
				env.Call(envs.Assistant, s.tool, json.RawMessage(s.args))
			}
			got := env.Call(envs.Assistant, c.tool, json.RawMessage(c.args))
			if got.Content != c.want || got.Error != c.err {
				t.Errorf("%s(%s)\n got (error=%v) %s\nwant (error=%v) %s", c.tool, c.args, got.Error, got.Content, c.err, c.want)
			}
		})
	}
}

// options builds an ordered options dict from key, value pairs.
func options(kv ...string) pyjson.OrderedMap[string] {
	var m pyjson.OrderedMap[string]
	for i := 0; i+1 < len(kv); i += 2 {
		m.Set(kv[i], kv[i+1])
	}
	return m
}

// miniDB builds a small database with the records tau2's data lacks: an
// order whose user is missing, payment methods that are gone, orders
// without payments and an item whose product is missing.
func miniDB() *retail.DB {
	db := &retail.DB{}
	widget := retail.Product{Name: "Widget", ProductID: "100"}
	widget.Variants.Set("1001", retail.Variant{ItemID: "1001", Options: options("color", "red"), Available: true, Price: 10})
	widget.Variants.Set("1002", retail.Variant{ItemID: "1002", Options: options("color", "blue"), Available: true, Price: 12.5})
	widget.Variants.Set("1003", retail.Variant{ItemID: "1003", Options: options("color", "green"), Available: false, Price: 11})
	gadget := retail.Product{Name: "Gadget", ProductID: "200"}
	gadget.Variants.Set("2001", retail.Variant{ItemID: "2001", Options: options("size", "S"), Available: true, Price: 20})
	gadget.Variants.Set("2002", retail.Variant{ItemID: "2002", Options: options("size", "L"), Available: true, Price: 25.25})
	db.Products.Set("100", widget)
	db.Products.Set("200", gadget)

	addr := retail.UserAddress{Address1: "1 Main St", City: "Springfield", Country: "USA", State: "IL", Zip: "11111"}
	alice := retail.User{UserID: "alice_1", Name: retail.UserName{FirstName: "Alice", LastName: "Smith"}, Address: addr,
		Email: "alice@example.com", Orders: []string{"#P1", "#P3", "#P4", "#D1", "#D2", "#D3"}}
	alice.PaymentMethods.Set("gift_card_1", retail.GiftCard("gift_card_1", 50))
	alice.PaymentMethods.Set("credit_card_1", retail.CreditCard("credit_card_1", "visa", "1234"))
	alice.PaymentMethods.Set("paypal_1", retail.Paypal("paypal_1"))
	db.Users.Set("alice_1", alice)

	w := func(id string, price float64, color string) retail.OrderItem {
		return retail.OrderItem{Name: "Widget", ProductID: "100", ItemID: id, Price: price, Options: options("color", color)}
	}
	g := retail.OrderItem{Name: "Gadget", ProductID: "200", ItemID: "2001", Price: 20, Options: options("size", "S")}
	pay := func(amount float64, method string) []retail.OrderPayment {
		return []retail.OrderPayment{{TransactionType: retail.TransactionPayment, Amount: amount, PaymentMethodID: method}}
	}
	for _, o := range []retail.Order{
		{OrderID: "#P1", UserID: "alice_1", Status: retail.StatusPending, Items: []retail.OrderItem{w("1001", 10, "red"), w("1001", 10, "red"), g}, PaymentHistory: pay(40, "gift_card_1")},
		{OrderID: "#P2", UserID: "ghost", Status: retail.StatusPending, Items: []retail.OrderItem{w("1001", 10, "red")}, PaymentHistory: pay(10, "credit_card_1")},
		{OrderID: "#P3", UserID: "alice_1", Status: retail.StatusPending, Items: []retail.OrderItem{w("1002", 12.5, "blue")}, PaymentHistory: pay(12.5, "credit_card_9")},
		{OrderID: "#P4", UserID: "alice_1", Status: retail.StatusPending, Items: []retail.OrderItem{w("1001", 10, "red")}},
		{OrderID: "#D1", UserID: "alice_1", Status: retail.StatusDelivered, Items: []retail.OrderItem{w("1001", 10, "red"), g}, PaymentHistory: pay(30, "credit_card_1")},
		{OrderID: "#D2", UserID: "alice_1", Status: retail.StatusDelivered, Items: []retail.OrderItem{w("1001", 10, "red")}},
		{OrderID: "#D3", UserID: "alice_1", Status: retail.StatusDelivered, Items: []retail.OrderItem{{Name: "Gizmo", ProductID: "999", ItemID: "9991", Price: 5}}, PaymentHistory: pay(5, "credit_card_1")},
		{OrderID: "#D4", UserID: "ghost", Status: retail.StatusDelivered, Items: []retail.OrderItem{w("1001", 10, "red")}, PaymentHistory: pay(10, "paypal_1")},
	} {
		o.Address = addr
		db.Orders.Set(o.OrderID, o)
	}
	return db
}
