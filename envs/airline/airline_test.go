package airline

import (
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/tau2data"
)

var (
	loadOnce sync.Once
	loaded   *envs.Domain
	loadErr  error
)

func domain(t testing.TB) *envs.Domain {
	t.Helper()
	dir := filepath.Join(tau2data.ForTest(t), "airline")
	loadOnce.Do(func() { loaded, loadErr = Load(dir) })
	if loadErr != nil {
		t.Fatal(loadErr)
	}
	return loaded
}

func tasks(t testing.TB) []envs.Task {
	t.Helper()
	ts, err := envs.LoadTasks(filepath.Join(tau2data.ForTest(t), "airline", "tasks.json"))
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestGoldActionsRunWithoutErrors(t *testing.T) {
	d := domain(t)
	ts := tasks(t)
	if len(ts) != 50 {
		t.Fatalf("%d tasks", len(ts))
	}
	for _, task := range ts {
		env := d.NewEnv()
		for _, a := range task.EvaluationCriteria.Actions {
			if r := env.Call(a.Who(), a.Name, a.Arguments); r.Error {
				t.Errorf("task %s: %s(%s): %s", task.ID, a.Name, a.Arguments, r.Content)
			}
		}
	}
}

func TestCloneIsolationAndHash(t *testing.T) {
	d := domain(t)
	h0 := d.NewEnv().StateHash()
	again, err := LoadDB(filepath.Join(tau2data.ForTest(t), "airline", "db.json"))
	if err != nil {
		t.Fatal(err)
	}
	if a := New(again, "").NewEnv().StateHash(); a != h0 {
		t.Fatal("loading db.json twice gave different hashes")
	}
	a, b := d.NewEnv(), d.NewEnv()
	call := func(e *envs.Env) {
		r := e.Call(envs.Assistant, "cancel_reservation", json.RawMessage(`{"reservation_id":"4WQ150"}`))
		if r.Error {
			t.Fatal(r.Content)
		}
	}
	call(a)
	if a.StateHash() == h0 || b.StateHash() != h0 || d.NewEnv().StateHash() != h0 {
		t.Fatal("a write leaked between clones or did not change the hash")
	}
	call(b)
	if a.StateHash() != b.StateHash() {
		t.Fatal("the same write on two fresh envs gave different hashes")
	}
}

func BenchmarkGoldReplay(b *testing.B) {
	d := domain(b)
	ts := tasks(b)
	for b.Loop() {
		for _, task := range ts {
			env := d.NewEnv()
			for _, a := range task.EvaluationCriteria.Actions {
				env.Call(a.Who(), a.Name, a.Arguments)
			}
			_ = env.StateHash()
		}
	}
}
