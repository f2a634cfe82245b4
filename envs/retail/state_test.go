package retail_test

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/retail"
)

// TestHashDeterminism loads db.json twice and expects equal hashes.
func TestHashDeterminism(t *testing.T) {
	path := filepath.Join(dataDir(t), "db.json")
	a, err := retail.LoadDB(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := retail.LoadDB(path)
	if err != nil {
		t.Fatal(err)
	}
	ha, ua := a.Hash()
	hb, _ := b.Hash()
	if ha == "" || ha != hb || ua != "" {
		t.Fatalf("hashes %q and %q (user %q)", ha, hb, ua)
	}
	if hc, _ := b.Clone().Hash(); hc != ha {
		t.Fatalf("clone hash %q, want %q", hc, ha)
	}
	if a.Products.Len() != 50 || a.Users.Len() != 500 || a.Orders.Len() != 1000 {
		t.Fatalf("loaded %d products, %d users, %d orders", a.Products.Len(), a.Users.Len(), a.Orders.Len())
	}
}

// writes touch an order, a user's gift card and a user's address.
func writes() []call {
	return []call{
		{"cancel_pending_order", `{"order_id":"#W6779827","reason":"no longer needed"}`},
		{"modify_user_address", `{"user_id":"chen_smith_8425","address1":"5 Oak Ave","address2":"","city":"Miami","state":"FL","country":"USA","zip":"33101"}`},
		{"modify_pending_order_items", `{"order_id":"#W9093821","item_ids":["3557711149"],"new_item_ids":["7251508981"],"payment_method_id":"credit_card_7422485"}`},
	}
}

func apply(t *testing.T, env *envs.Env) {
	t.Helper()
	for _, w := range writes() {
		if r := env.Call(envs.Assistant, w.tool, json.RawMessage(w.args)); r.Error {
			t.Fatalf("%s: %s", w.tool, r.Content)
		}
	}
}

// TestCloneIsolation checks that writes stay in their env.
func TestCloneIsolation(t *testing.T) {
	d := loadDomain(t)
	h0, _ := d.Initial.Hash()
	before := d.NewEnv()
	a := d.NewEnv()
	b := a.Clone()
	apply(t, a)
	ha, _ := a.Hash()
	if ha == h0 {
		t.Fatal("hash unchanged by writes")
	}
	for name, e := range map[string]*envs.Env{"clone": b, "earlier env": before, "later env": d.NewEnv()} {
		if h, _ := e.Hash(); h != h0 {
			t.Errorf("%s: hash changed by another env's writes", name)
		}
	}
	if h, _ := d.Initial.Hash(); h != h0 {
		t.Error("initial state's hash changed")
	}
	got := d.NewEnv().Call(envs.Assistant, "get_order_details", json.RawMessage(`{"order_id":"#W6779827"}`))
	var o retail.Order
	if err := json.Unmarshal([]byte(got.Content), &o); err != nil || o.Status != retail.StatusPending {
		t.Errorf("initial order changed: %s", got.Content)
	}
	apply(t, b)
	if hb, _ := b.Hash(); hb != ha {
		t.Error("same writes on two envs gave different hashes")
	}
	c := d.NewEnv()
	apply(t, c)
	if hc, _ := c.Hash(); hc != ha {
		t.Error("same writes on a fresh env gave a different hash")
	}
}

// TestToolkit checks the tools' order, types and a few schemas and
// descriptions against tau2's RetailTools.
func TestToolkit(t *testing.T) {
	want := []struct {
		name    string
		typ     envs.ToolType
		mutates bool
	}{
		{"calculate", envs.Generic, false},
		{"cancel_pending_order", envs.Write, true},
		{"exchange_delivered_order_items", envs.Write, true},
		{"find_user_id_by_name_zip", envs.Read, false},
		{"find_user_id_by_email", envs.Read, false},
		{"get_order_details", envs.Read, false},
		{"get_product_details", envs.Read, false},
		{"get_item_details", envs.Read, false},
		{"get_user_details", envs.Read, false},
		{"list_all_product_types", envs.Read, false},
		{"modify_pending_order_address", envs.Write, true},
		{"modify_pending_order_items", envs.Write, true},
		{"modify_pending_order_payment", envs.Write, true},
		{"modify_user_address", envs.Write, true},
		{"return_delivered_order_items", envs.Write, true},
		{"transfer_to_human_agents", envs.Generic, false},
	}
	tk := retail.Tools()
	if tk.Class != "RetailTools" || len(tk.Tools) != len(want) {
		t.Fatalf("class %s with %d tools", tk.Class, len(tk.Tools))
	}
	for i, w := range want {
		if got := tk.Tools[i]; got.Name != w.name || got.Type != w.typ || got.Mutates != w.mutates {
			t.Errorf("tool %d: %s %s mutates=%v, want %s %s mutates=%v", i, got.Name, got.Type, got.Mutates, w.name, w.typ, w.mutates)
		}
	}
	schemas := map[string]string{
		"list_all_product_types": `{"properties":{},"title":"parameters","type":"object"}`,
		"return_delivered_order_items": `{"properties":{"order_id":{"description":"The order id, such as '#W0000000'. Be careful there is a '#' symbol at the beginning of the order id.","title":"Order Id","type":"string"},` +
			`"item_ids":{"description":"The item ids to be returned, each such as '1008292230'. There could be duplicate items in the list.","items":{"type":"string"},"title":"Item Ids","type":"array"},` +
			`"payment_method_id":{"description":"The payment method id to pay or receive refund for the item price difference, such as 'gift_card_0000000' or 'credit_card_0000000'.\nThese can be looked up from the user or order details.","title":"Payment Method Id","type":"string"}},` +
			`"required":["order_id","item_ids","payment_method_id"],"title":"parameters","type":"object"}`,
		"modify_user_address": `{"properties":{"user_id":{"description":"The user id, such as 'sara_doe_496'.","title":"User Id","type":"string"},` +
			`"address1":{"description":"The first line of the address, such as '123 Main St'.","title":"Address1","type":"string"},` +
			`"address2":{"description":"The second line of the address, such as 'Apt 1' or ''.","title":"Address2","type":"string"},` +
			`"city":{"description":"The city, such as 'San Francisco'.","title":"City","type":"string"},` +
			`"state":{"description":"The state, such as 'CA'.","title":"State","type":"string"},` +
			`"country":{"description":"The country, such as 'USA'.","title":"Country","type":"string"},` +
			`"zip":{"description":"The zip code, such as '12345'.","title":"Zip","type":"string"}},` +
			`"required":["user_id","address1","address2","city","state","country","zip"],"title":"parameters","type":"object"}`,
	}
	// Descriptions as docstring_parser splits them: the first line is the
	// short description, the rest the long one.
	descriptions := map[string]string{
		"get_order_details": "Get the status and details of an order.",
		"exchange_delivered_order_items": "Exchange items in a delivered order to new items of the same product type.\n\n" +
			"For a delivered order, return or exchange can be only done once by the agent.\n" +
			"The agent needs to explain the exchange detail and ask for explicit user confirmation (yes/no) to proceed.",
		"transfer_to_human_agents": "Transfer the user to a human agent, with a summary of the user's issue.\n\nOnly transfer if\n" +
			" -  the user explicitly asks for a human agent\n -  given the policy and the available tools, you cannot solve the user's issue.",
	}
	for _, tool := range tk.Tools {
		if s, ok := schemas[tool.Name]; ok && string(tool.Parameters) != s {
			t.Errorf("%s schema:\n got %s\nwant %s", tool.Name, tool.Parameters, s)
		}
		if s, ok := descriptions[tool.Name]; ok && tool.Description != s {
			t.Errorf("%s description:\n got %q\nwant %q", tool.Name, tool.Description, s)
		}
	}
	if d := loadDomain(t); d.Name != "retail" || len(d.Policy) == 0 || d.Agent == nil || d.UserTools != nil {
		t.Errorf("domain %q, policy %d bytes", d.Name, len(d.Policy))
	}
}

// TestParallelEnvs runs envs of one domain from several goroutines (run
// with -race): cloning and hashing share records between envs.
func TestParallelEnvs(t *testing.T) {
	d := loadDomain(t)
	want := ""
	{
		env := d.NewEnv()
		apply(t, env)
		want, _ = env.Hash()
	}
	hashes := make(chan string, 8)
	for range 8 {
		go func() {
			env := d.NewEnv()
			for _, w := range writes() {
				env.Call(envs.Assistant, w.tool, json.RawMessage(w.args))
			}
			h, _ := env.Hash()
			hashes <- h
		}()
	}
	for range 8 {
		if h := <-hashes; h != want {
			t.Errorf("parallel env hash %s, want %s", h, want)
		}
	}
}
