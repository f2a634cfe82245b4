package telecom

import (
	"path/filepath"
	"testing"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/tau2data"
)

func goldTasks(tb testing.TB) (*envs.Domain, []envs.Task) {
	tb.Helper()
	d := testDomain(tb)
	tasks, err := envs.LoadTasks(filepath.Join(tau2data.ForTest(tb), "telecom", "tasks.json"))
	if err != nil {
		tb.Fatal(err)
	}
	if len(tasks) != 114 {
		tb.Fatalf("got %d telecom tasks, want 114", len(tasks))
	}
	return d, tasks
}

// replay initializes a fresh environment for the task and applies its gold
// actions, skipping the one at index skip (-1 for none).
func replay(tb testing.TB, d *envs.Domain, task *envs.Task, skip int) *envs.Env {
	tb.Helper()
	env := d.NewEnv()
	if err := env.Initialize(task.InitialState); err != nil {
		tb.Fatalf("%s: initialize: %v", task.ID, err)
	}
	for i, a := range task.EvaluationCriteria.Actions {
		if i == skip {
			continue
		}
		if res := env.Call(a.Who(), a.Name, a.Arguments); res.Error {
			tb.Fatalf("%s: action %d %s: %s", task.ID, i, a.Name, res.Content)
		}
	}
	return env
}

// assertionsHold runs every env assertion and reports whether all pass.
func assertionsHold(tb testing.TB, env *envs.Env, task *envs.Task) (bool, string) {
	tb.Helper()
	for _, a := range task.EvaluationCriteria.EnvAssertions {
		ok, err := env.RunAssertion(a)
		if err != nil {
			return false, a.FuncName + ": " + err.Error()
		}
		if !ok {
			return false, a.FuncName + string(a.Arguments)
		}
	}
	return true, ""
}

// TestGold replays every task's gold actions: initialization succeeds, no
// action errs and every env assertion holds.
func TestGold(t *testing.T) {
	d, tasks := goldTasks(t)
	for i := range tasks {
		task := &tasks[i]
		env := replay(t, d, task, -1)
		if ok, why := assertionsHold(t, env, task); !ok {
			t.Errorf("%s: assertion failed: %s", task.ID, why)
		}
	}
}

// TestGoldNegativeControl drops each task's last state-mutating gold action
// and expects an env assertion to fail.
func TestGoldNegativeControl(t *testing.T) {
	d, tasks := goldTasks(t)
	checked := 0
	for i := range tasks {
		task := &tasks[i]
		last := -1
		for j, a := range task.EvaluationCriteria.Actions {
			if d.NewEnv().Mutates(a.Name) {
				last = j
			}
		}
		if last < 0 {
			continue
		}
		checked++
		env := replay(t, d, task, last)
		if ok, _ := assertionsHold(t, env, task); ok {
			t.Errorf("%s: assertions still hold without %s", task.ID, task.EvaluationCriteria.Actions[last].Name)
		}
	}
	t.Logf("negative control checked %d tasks", checked)
}

// BenchmarkGold replays all 114 tasks: initialization, gold actions and
// env assertions.
func BenchmarkGold(b *testing.B) {
	d, tasks := goldTasks(b)
	b.ResetTimer()
	for b.Loop() {
		for i := range tasks {
			task := &tasks[i]
			env := replay(b, d, task, -1)
			if ok, why := assertionsHold(b, env, task); !ok {
				b.Fatalf("%s: %s", task.ID, why)
			}
		}
	}
}
