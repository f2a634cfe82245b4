package telecom

import (
	"encoding/json"
	"testing"

	"github.com/eigendata/eigendata/envs"
)

func mustCall(t *testing.T, env *envs.Env, side envs.Requestor, name, args string) string {
	t.Helper()
	res := env.Call(side, name, json.RawMessage(args))
	if res.Error {
		t.Fatalf("%s: %s", name, res.Content)
	}
	return res.Content
}

func mustFunc(t *testing.T, env *envs.Env, side envs.Requestor, name, args string) {
	t.Helper()
	if _, err := env.RunFunc(side, name, json.RawMessage(args)); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// TestSync checks TelecomEnvironment.sync_tools: the user's line is mirrored
// into the surroundings, a bill awaiting payment raises a payment request,
// and paying it marks the bill paid.
func TestSync(t *testing.T) {
	env := testDomain(t).NewEnv()
	sur := func() *Surroundings { return &env.State.(*State).User.Surroundings }

	// No phone number yet: sync does nothing.
	mustCall(t, env, asst, "disable_roaming", `{"customer_id": "C1001", "line_id": "L1002"}`)
	if s := sur(); !s.LineActive || s.RoamingAllowed || s.MobileDataUsageExceeded || s.PaymentRequest != nil {
		t.Fatalf("surroundings changed before set_user_info: %+v", s)
	}
	mustCall(t, env, asst, "enable_roaming", `{"customer_id": "C1001", "line_id": "L1002"}`)

	mustFunc(t, env, user, "set_user_info", `{"name": "John Smith", "phone_number": "555-123-2002"}`)
	if s := sur(); !s.LineActive || !s.RoamingAllowed || s.MobileDataUsageExceeded || s.PaymentRequest != nil {
		t.Fatalf("after set_user_info: %+v", s)
	}

	// Roaming and line status are mirrored after every agent call.
	mustCall(t, env, asst, "disable_roaming", `{"customer_id": "C1001", "line_id": "L1002"}`)
	if sur().RoamingAllowed {
		t.Fatal("roaming_allowed not cleared after disable_roaming")
	}
	mustCall(t, env, asst, "suspend_line", `{"customer_id": "C1001", "line_id": "L1002", "reason": "test"}`)
	if sur().LineActive {
		t.Fatal("line_active not cleared after suspend_line")
	}
	if got := mustCall(t, env, user, "reboot_device", `{}`); got != "Restarting network services...\nStatus Bar: 📵 No Signal | 📵 Data Disabled | 🔋 80%" {
		t.Fatalf("reboot with inactive line: %q", got)
	}
	mustCall(t, env, asst, "resume_line", `{"customer_id": "C1001", "line_id": "L1002"}`)
	if !sur().LineActive {
		t.Fatal("line_active not restored after resume_line")
	}

	// Data usage against the plan limit plus refueled data.
	mustFunc(t, env, asst, "set_data_usage", `{"customer_id": "C1001", "line_id": "L1002", "data_used_gb": 15.1}`)
	if !sur().MobileDataUsageExceeded {
		t.Fatal("usage not exceeded at 15.1 GB of 15")
	}
	mustCall(t, env, asst, "refuel_data", `{"customer_id": "C1001", "line_id": "L1002", "gb_amount": 0.1}`)
	if !sur().MobileDataUsageExceeded {
		t.Fatal("15.1 >= 15 + 0.1 must still count as exceeded (>=)")
	}
	mustCall(t, env, asst, "refuel_data", `{"customer_id": "C1001", "line_id": "L1002", "gb_amount": 1}`)
	if sur().MobileDataUsageExceeded {
		t.Fatal("usage still exceeded after refueling")
	}

	// A payment request appears once a bill awaits payment.
	if got := mustCall(t, env, user, "check_payment_request", `{}`); got != "No payment request has been made." {
		t.Fatalf("unexpected request: %q", got)
	}
	mustCall(t, env, asst, "send_payment_request", `{"customer_id": "C1001", "bill_id": "B1002"}`)
	if p := sur().PaymentRequest; p == nil || p.BillID != "B1002" || p.AmountDue != 150 || p.Paid {
		t.Fatalf("payment request = %+v", p)
	}
	if got := mustCall(t, env, user, "make_payment", `{}`); got != "Payment of 150.0 USD has been made for bill B1002." {
		t.Fatalf("make_payment: %q", got)
	}
	if sur().PaymentRequest != nil {
		t.Fatal("payment request not cleared after payment")
	}
	if b, _ := env.State.(*State).DB.Bills.Get("B1002"); b.Status != BillPaid {
		t.Fatalf("bill status = %s, want Paid", b.Status)
	}
}

// TestSyncError checks that a sync failure fails the call after the tool
// already changed the state, as in tau2.
func TestSyncError(t *testing.T) {
	env := testDomain(t).NewEnv()
	mustFunc(t, env, user, "set_user_info", `{"name": "John Smith", "phone_number": "555-123-2002"}`)
	st := env.State.(*State)
	// Point the user's line at a plan that does not exist.
	l, _ := st.DB.Lines.Mut("L1002")
	l.PlanID = "P404"
	res := env.Call(user, "toggle_data", json.RawMessage(`{}`))
	if !res.Error || res.Content != "Error: Plan with ID P404 not found" {
		t.Fatalf("got %+v", res)
	}
	if st.User.Device.DataEnabled {
		t.Fatal("toggle_data's change was not kept")
	}
}
