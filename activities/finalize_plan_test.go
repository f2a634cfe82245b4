package activities

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/eigendata/eigendata/envs"
)

// TestNearDuplicatesNeedTheSamePlan: instructions alike are a
// near-duplicate only when the tasks ask for the same plan (set-up and
// gold writes); telecom tasks share their words per resolution path.
func TestNearDuplicatesNeedTheSamePlan(t *testing.T) {
	mutates := func(name string) bool { return name != "get_customer_by_phone" }
	task := func(init, fix string) envs.Task {
		return envs.Task{InitialState: &envs.InitialState{InitializationActions: []envs.EnvFunctionCall{{EnvType: envs.User, FuncName: init,
			Arguments: json.RawMessage(`{}`)}}},
			EvaluationCriteria: &envs.EvaluationCriteria{Actions: []envs.Action{
				{Name: "get_customer_by_phone", Arguments: json.RawMessage(`{"phone_number":"555"}`)},
				{Name: fix, Requestor: envs.User, Arguments: json.RawMessage(`{}`)}}}}
	}
	words := shingles("Your mobile data is not working properly. It either stops working or is very slow. You want excellent speed.")
	other := shingles("You want to cancel your reservation ABC123 because your plans changed and you want a refund today.")
	tasks := []envs.Task{task("turn_airplane_mode_on", "toggle_airplane_mode"), task("turn_data_off", "toggle_data"),
		task("turn_airplane_mode_on", "toggle_airplane_mode"), task("turn_airplane_mode_on", "toggle_airplane_mode")}
	sets := [][]uint64{words, words, words, other}
	keys := make([]string, len(tasks))
	for i, tk := range tasks {
		keys[i] = planKey(tk, mutates)
	}
	if keys[0] == keys[1] || keys[0] != keys[2] {
		t.Fatalf("plan keys %q", keys)
	}
	got := nearDuplicatesByPlan(sets, keys, NearDuplicate)
	if want := []bool{false, false, true, false}; !slices.Equal(got, want) {
		t.Errorf("near-duplicates %v, want %v", got, want)
	}
}
