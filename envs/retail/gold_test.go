package retail_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/eigendata/eigendata/envs"
)

// loadTasks loads tau2's retail tasks.
func loadTasks(tb testing.TB) []envs.Task {
	tb.Helper()
	tasks, err := envs.LoadTasks(filepath.Join(dataDir(tb), "tasks.json"))
	if err != nil {
		tb.Fatal(err)
	}
	return tasks
}

// replayGold applies a task's gold actions in order on a fresh env and
// returns the env and the failed calls as "index name: content".
func replayGold(d *envs.Domain, task *envs.Task) (*envs.Env, []string) {
	env := d.NewEnv()
	var failures []string
	if task.EvaluationCriteria == nil {
		return env, nil
	}
	for i, a := range task.EvaluationCriteria.Actions {
		if r := env.Call(a.Who(), a.Name, a.Arguments); r.Error {
			failures = append(failures, fmt.Sprintf("%d %s: %s", i, a.Name, r.Content))
		}
	}
	return env, failures
}

// tau2GoldErrors are the gold actions that fail in tau2 itself: the gold
// trajectories of these tasks include the agent's failed lookups (a wrong
// email, zip or id, an item id passed as a product id) and attempts tau2
// refuses (task 64's order is not delivered any more, task 105's gift card
// is too small).
func tau2GoldErrors() map[string][]string {
	return map[string][]string{
		"2":   {"1 get_product_details: Error: Product not found"},
		"3":   {"1 get_product_details: Error: Product not found"},
		"4":   {"1 get_product_details: Error: Product not found"},
		"35":  {"0 find_user_id_by_email: Error: User not found"},
		"37":  {"0 find_user_id_by_email: Error: User not found"},
		"38":  {"0 find_user_id_by_email: Error: User not found"},
		"39":  {"0 find_user_id_by_name_zip: Error: User not found"},
		"46":  {"1 get_order_details: Error: Order not found", "2 get_order_details: Error: Order not found"},
		"47":  {"1 get_order_details: Error: Order not found", "2 get_order_details: Error: Order not found"},
		"54":  {"0 find_user_id_by_email: Error: User not found"},
		"55":  {"0 find_user_id_by_email: Error: User not found"},
		"64":  {"6 exchange_delivered_order_items: Error: Non-delivered order cannot be exchanged"},
		"67":  {"0 find_user_id_by_name_zip: Error: User not found", "1 find_user_id_by_name_zip: Error: User not found"},
		"68":  {"0 find_user_id_by_name_zip: Error: User not found"},
		"105": {"0 exchange_delivered_order_items: Error: Insufficient gift card balance to pay for the price difference"},
	}
}

// TestGoldReplay applies every task's gold actions: every call succeeds
// except exactly the ones that fail in tau2 too.
func TestGoldReplay(t *testing.T) {
	d, tasks, known := loadDomain(t), loadTasks(t), tau2GoldErrors()
	if len(tasks) != 114 {
		t.Fatalf("%d tasks, want 114", len(tasks))
	}
	actions := 0
	for i := range tasks {
		_, failures := replayGold(d, &tasks[i])
		if want := known[tasks[i].ID]; !slices.Equal(failures, want) {
			t.Errorf("task %s: failed calls %q, want %q", tasks[i].ID, failures, want)
		}
		actions += len(tasks[i].EvaluationCriteria.Actions)
	}
	if actions == 0 {
		t.Fatal("no gold actions replayed")
	}
}

// BenchmarkGoldReplay replays all tasks' gold actions on fresh envs and
// hashes each final state.
func BenchmarkGoldReplay(b *testing.B) {
	d, tasks, known := loadDomain(b), loadTasks(b), tau2GoldErrors()
	b.ResetTimer()
	for b.Loop() {
		for i := range tasks {
			env, failures := replayGold(d, &tasks[i])
			if len(failures) != len(known[tasks[i].ID]) {
				b.Fatalf("task %s: %v", tasks[i].ID, failures)
			}
			env.Hash()
		}
	}
}
