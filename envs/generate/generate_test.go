package generate

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/episode"
	"github.com/eigendata/eigendata/envs/evaluator"
)

func TestDeterministicAndSeeded(t *testing.T) {
	for _, c := range []struct {
		name  string
		build func(Options) *envs.Domain
	}{{"gen-airline", Airline}, {"gen-retail", Retail}} {
		t.Run(c.name, func(t *testing.T) {
			a := c.build(Options{Seed: 7}).NewEnv().StateHash()
			b := c.build(Options{Seed: 7}).NewEnv().StateHash()
			other := c.build(Options{Seed: 8}).NewEnv().StateHash()
			if a != b {
				t.Error("same seed, different databases")
			}
			if a == other {
				t.Error("different seeds, same database")
			}
		})
	}
}

func TestGeneratedDomainsServeTau2Tools(t *testing.T) {
	d := Airline(Options{Seed: 3, Users: 10})
	var db struct {
		Users map[string]json.RawMessage `json:"users"`
	}
	_ = json.Unmarshal(AirlineJSON(Options{Seed: 3, Users: 10}), &db)
	if len(db.Users) != 10 {
		t.Fatalf("%d users, want 10", len(db.Users))
	}
	for id := range db.Users {
		r := d.NewEnv().Call(envs.Assistant, "get_user_details", json.RawMessage(`{"user_id":"`+id+`"}`))
		if r.Error {
			t.Fatalf("get_user_details(%s): %s", id, r.Content)
		}
	}
	r := Retail(Options{Seed: 3}).NewEnv().Call(envs.Assistant, "list_all_product_types", json.RawMessage(`{}`))
	if r.Error || len(r.Content) < 10 {
		t.Fatalf("list_all_product_types: %s", r.Content)
	}
}

// TestTasksAreSolvable plays every generated task with the oracle: each
// must score 1.0, and its last gold write must matter (dropping it fails).
func TestTasksAreSolvable(t *testing.T) {
	for _, c := range []struct {
		name  string
		build func(Options) *envs.Domain
	}{{"gen-airline", Airline}, {"gen-retail", Retail}} {
		t.Run(c.name, func(t *testing.T) {
			opt := Options{Seed: 11}
			d := c.build(opt)
			tasks, err := Tasks(c.name, opt, 12, 5)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := Tasks(c.name, opt, 12, 5)
			a, _ := json.Marshal(tasks)
			b, _ := json.Marshal(again)
			if string(a) != string(b) {
				t.Error("task generation is not deterministic")
			}
			for i := range tasks {
				task := &tasks[i]
				o := episode.Oracle{Task: task}
				res, err := episode.Run(context.Background(), d.NewEnv(), task, o.Agent(), o.User(), episode.Config{})
				if err != nil {
					t.Fatal(err)
				}
				info, err := evaluator.Evaluate(context.Background(), d, task, res.Messages, res.Termination, evaluator.Options{Strict: true})
				if err != nil {
					t.Fatal(err)
				}
				if info.Reward != 1 {
					t.Errorf("task %s: reward %v (%s)", task.ID, info.Reward, res.Termination)
				}
				for _, m := range res.Messages {
					if m.Role == envs.RoleTool && m.Error {
						t.Errorf("task %s: gold call failed: %s", task.ID, m.Content)
					}
				}
				// Negative: a trajectory without the last write scores 0.
				short := res.Messages[:0:0]
				for _, m := range res.Messages {
					if len(m.ToolCalls) > 0 && m.ToolCalls[0].ID == "gold_"+itoa(len(task.EvaluationCriteria.Actions)-1) {
						break
					}
					short = append(short, m)
				}
				info, _ = evaluator.Evaluate(context.Background(), d, task, short, episode.UserStop, evaluator.Options{})
				if info.Reward != 0 {
					t.Errorf("task %s: reward %v without its last write", task.ID, info.Reward)
				}
			}
		})
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }
