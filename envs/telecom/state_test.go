package telecom

import (
	"testing"

	"github.com/eigendata/eigendata/envs"
)

// mutateAll touches both databases through tools and functions, including
// the pointer-held parts of the user DB (payment request, VPN details).
func mutateAll(t *testing.T, env *envs.Env) {
	t.Helper()
	mustFunc(t, env, user, "set_user_info", `{"name": "John Smith", "phone_number": "555-123-2002"}`)
	mustCall(t, env, asst, "refuel_data", `{"customer_id": "C1001", "line_id": "L1002", "gb_amount": 2.0}`)
	mustCall(t, env, asst, "refuel_data", `{"customer_id": "C1002", "line_id": "L1004", "gb_amount": 1}`)
	mustCall(t, env, asst, "send_payment_request", `{"customer_id": "C1001", "bill_id": "B1002"}`)
	mustCall(t, env, user, "make_payment", `{}`)
	mustCall(t, env, user, "toggle_data", `{}`)
	mustCall(t, env, user, "connect_vpn", `{}`)
	mustFunc(t, env, user, "break_vpn", `{}`)
	mustFunc(t, env, user, "remove_app_permission", `{"app_name": "messaging", "permission": "sms"}`)
	mustFunc(t, env, asst, "suspend_line_for_overdue_bill", `{"customer_id": "C1001", "line_id": "L1001", "new_bill_id": "B1001", "contract_ended": true}`)
}

func TestCloneIsolation(t *testing.T) {
	d := testDomain(t)
	h0a, h0u := d.NewEnv().Hash()
	a := d.NewEnv()
	mustFunc(t, a, user, "set_user_info", `{"name": "John Smith", "phone_number": "555-123-2002"}`)
	mustCall(t, a, asst, "send_payment_request", `{"customer_id": "C1001", "bill_id": "B1002"}`)
	mustCall(t, a, user, "connect_vpn", `{}`)
	b := a.Clone()
	hba, hbu := b.Hash()

	// Writes to a (records, the payment request and VPN details behind
	// pointers, app permissions) must not reach b or the initial state.
	mustCall(t, a, user, "make_payment", `{}`)
	mustFunc(t, a, user, "break_vpn", `{}`)
	mustCall(t, a, user, "grant_app_permission", `{"app_name": "browser", "permission": "sms"}`)
	mustCall(t, a, asst, "refuel_data", `{"customer_id": "C1001", "line_id": "L1002", "gb_amount": 2.0}`)
	if ga, gu := b.Hash(); ga != hba || gu != hbu {
		t.Fatal("writes to an environment leaked into its clone")
	}
	if ga, gu := d.NewEnv().Hash(); ga != h0a || gu != h0u {
		t.Fatal("writes leaked into the domain's initial state")
	}
	bs := b.State.(*State)
	if p := bs.User.Surroundings.PaymentRequest; p == nil || p.Paid {
		t.Fatalf("clone's payment request = %+v", p)
	}
	if v := bs.User.Device.VPNDetails; v == nil || v.ServerPerformance != PerfExcellent {
		t.Fatalf("clone's VPN details = %+v", v)
	}
	if bill, _ := bs.DB.Bills.Get("B1002"); bill.Status != BillAwaitingPayment {
		t.Fatalf("clone's bill status = %s", bill.Status)
	}
	if bill, _ := bs.DB.Bills.Get("B1003"); len(bill.LineItems) != 0 {
		t.Fatalf("clone's draft bill has %d items", len(bill.LineItems))
	}

	// The same writes on the clone give the same state.
	mustCall(t, b, user, "make_payment", `{}`)
	mustFunc(t, b, user, "break_vpn", `{}`)
	mustCall(t, b, user, "grant_app_permission", `{"app_name": "browser", "permission": "sms"}`)
	mustCall(t, b, asst, "refuel_data", `{"customer_id": "C1001", "line_id": "L1002", "gb_amount": 2.0}`)
	if a.StateHash() != b.StateHash() {
		t.Fatal("same writes, different hashes")
	}
}

func TestHashDeterminism(t *testing.T) {
	d1, d2 := testDomain(t), testDomain(t)
	if d1.NewEnv().StateHash() != d2.NewEnv().StateHash() {
		t.Fatal("two loads hash differently")
	}
	a, b := d1.NewEnv(), d2.NewEnv()
	mutateAll(t, a)
	mutateAll(t, b)
	if a.StateHash() != b.StateHash() {
		t.Fatal("same calls on two loads hash differently (new bill ids must be deterministic)")
	}
	if a.StateHash() == d1.NewEnv().StateHash() {
		t.Fatal("hash ignores writes")
	}
	// A user-only change moves only the user digest.
	c := d1.NewEnv()
	c0a, c0u := c.Hash()
	mustCall(t, c, user, "toggle_wifi", `{}`)
	if ca, cu := c.Hash(); ca != c0a || cu == c0u {
		t.Fatal("toggle_wifi should change only the user DB digest")
	}
	// An int and a float of the same value are different Python states.
	x, y := d1.NewEnv(), d1.NewEnv()
	mustFunc(t, x, asst, "set_data_usage", `{"customer_id": "C1001", "line_id": "L1002", "data_used_gb": 15}`)
	mustFunc(t, y, asst, "set_data_usage", `{"customer_id": "C1001", "line_id": "L1002", "data_used_gb": 15.0}`)
	if x.StateHash() == y.StateHash() {
		t.Fatal("int and float data usage hash the same")
	}
}
