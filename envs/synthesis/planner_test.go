package synthesis

import (
	"slices"
	"strings"
	"testing"

	"github.com/eigendata/eigendata/envs/domains"
	"github.com/eigendata/eigendata/envs/tau2data"
)

// TestRestrictedPlanner: a planner restricted to some kinds and one
// intent plans only those, singly; an unknown kind is an error naming the
// domain's kinds.
func TestRestrictedPlanner(t *testing.T) {
	p := planner(t, domains.Spec{Name: "gen-airline", Seed: 1})
	q, err := p.Restrict([]string{"cancel_reservation", "update_reservation_baggages"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i := 0; i < 30; i++ {
		sc, err := q.PlanAt(2, i, int64(i))
		if err != nil {
			t.Fatal(err)
		}
		if len(sc.Intents) != 1 {
			t.Fatalf("candidate %d: %d intents", i, len(sc.Intents))
		}
		seen[sc.Intents[0].Label()] = true
	}
	want := []string{"cancel_reservation", "cancel_reservation(refused)", "update_reservation_baggages", "update_reservation_baggages(refused)"}
	for k := range seen {
		if !slices.Contains(want, k) {
			t.Errorf("planned %s", k)
		}
	}
	if len(seen) != len(want) {
		t.Errorf("planned %v, want all of %v", seen, want)
	}
	only, err := p.Restrict([]string{"update_reservation_baggages(allowed)", "cancel_reservation(refused)"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		sc, err := only.PlanAt(2, i, int64(i))
		if err != nil {
			t.Fatal(err)
		}
		if l := sc.Intents[0].Label(); l != "update_reservation_baggages" && l != "cancel_reservation(refused)" {
			t.Errorf("restricted to two outcomes, planned %s", l)
		}
	}
	if _, err := p.Restrict([]string{"teleport"}, 0); err == nil || !strings.Contains(err.Error(), "cancel_reservation") {
		t.Errorf("unknown kind: %v", err)
	}
	if _, err := p.Restrict(nil, 4); err == nil {
		t.Error("4 intents accepted")
	}
	tp := planner(t, domains.Spec{Name: "telecom", Tau2Data: tau2data.ForTest(t)})
	tq, err := tp.Restrict([]string{"contract_end_suspension(transfer)"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if sc, err := tq.PlanAt(1, 0, 1); err != nil || len(sc.Intents) != 1 || !sc.Intents[0].Transfer {
		t.Errorf("restricted to the transfer: %v %v", sc.Kinds(), err)
	}
	if _, err := tp.Restrict([]string{"contract_end_suspension(allowed)"}, 0); err == nil {
		t.Error("an outcome the kind does not have was accepted")
	}
}

// TestScheduleCoversEveryKindFirst: the first candidates of a run take
// every kind of the domain as their first intent, and the intent counts
// cycle through 1, 2 and 3.
func TestScheduleCoversEveryKindFirst(t *testing.T) {
	p := planner(t, domains.Spec{Name: "gen-retail", Seed: 1})
	first := map[string]bool{}
	counts := map[int]bool{}
	for i := range p.Kinds() {
		sc, err := p.PlanAt(4, i, int64(i))
		if err != nil {
			t.Fatalf("candidate %d: %v", i, err)
		}
		first[sc.Intents[0].Kind+"/"+sc.Intents[0].outcome()] = true
		counts[len(sc.Intents)] = true
	}
	for _, k := range p.Kinds() {
		o := "allowed"
		if !k.Allowed {
			o = "refused"
		}
		if !first[k.Name+"/"+o] {
			t.Errorf("kind %s/%s is not the first intent of any of the first %d candidates", k.Name, o, len(p.Kinds()))
		}
	}
	if !counts[1] || !counts[2] {
		t.Errorf("intent counts %v", counts)
	}
}
