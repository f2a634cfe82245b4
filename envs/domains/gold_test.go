package domains_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/domains"
	"github.com/eigendata/eigendata/envs/episode"
	"github.com/eigendata/eigendata/envs/evaluator"
	"github.com/eigendata/eigendata/envs/tau2data"
)

func load(tb testing.TB, name string) (*envs.Domain, []envs.Task) {
	tb.Helper()
	spec := domains.Spec{Name: name, Tau2Data: tau2data.ForTest(tb)}
	d, err := domains.Load(spec)
	if err != nil {
		tb.Fatal(err)
	}
	tasks, err := domains.Tasks(spec, "")
	if err != nil {
		tb.Fatal(err)
	}
	return d, tasks
}

// tau2GoldErrors counts, per task, the gold actions that fail in tau2
// itself (retail gold trajectories keep the agent's failed lookups and two
// refused writes: see envs/retail's TestGoldReplay for each message). Every
// other gold action must succeed.
func tau2GoldErrors(domain string) map[string]int {
	if domain != "retail" {
		return nil
	}
	return map[string]int{"2": 1, "3": 1, "4": 1, "35": 1, "37": 1, "38": 1, "39": 1, "46": 2, "47": 2,
		"54": 1, "55": 1, "64": 1, "67": 2, "68": 1, "105": 1}
}

// TestGold is the acceptance: every task's gold actions run without
// a tool error and every task scorable without an LLM passes.
func TestGold(t *testing.T) {
	want := map[string]int{"airline": 50, "retail": 114, "telecom": 114}
	for _, name := range domains.Tau2() {
		t.Run(name, func(t *testing.T) {
			d, tasks := load(t, name)
			if len(tasks) != want[name] {
				t.Fatalf("%d tasks, want %d", len(tasks), want[name])
			}
			scored, passed := 0, 0
			for i := range tasks {
				r, err := evaluator.Gold(context.Background(), d, &tasks[i])
				if err != nil {
					t.Fatalf("task %s: %v", tasks[i].ID, err)
				}
				if want := tau2GoldErrors(name)[r.TaskID]; len(r.ToolErrors) != want {
					t.Errorf("task %s: gold tool errors %v, want %d (as in tau2)", r.TaskID, r.ToolErrors, want)
				}
				if !r.LLMOnly {
					scored++
					if r.Passed {
						passed++
					} else {
						b, _ := json.Marshal(r.Info)
						t.Errorf("task %s: gold reward %v: %s", r.TaskID, r.Reward, b)
					}
				} else if !r.Passed {
					t.Errorf("task %s: non-NL components of an LLM-only task failed (reward %v)", r.TaskID, r.Reward)
				}
			}
			t.Logf("%s: %d tasks, %d scored, %d passed", name, len(tasks), scored, passed)
			if scored == 0 {
				t.Error("no task was scorable without an LLM")
			}
		})
	}
}

// TestNegativeControl drops each task's last state-mutating gold action
// (one that succeeds; a refused write changes nothing) from the played
// trajectory: the DB or env-assertion reward must drop to 0.
func TestNegativeControl(t *testing.T) {
	for _, name := range domains.Tau2() {
		t.Run(name, func(t *testing.T) {
			d, tasks := load(t, name)
			probe := d.NewEnv()
			checked := 0
			for i := range tasks {
				task := &tasks[i]
				acts := task.EvaluationCriteria.Actions
				last := -1
				gold := d.NewEnv()
				if err := gold.Initialize(task.InitialState); err != nil {
					t.Fatal(err)
				}
				for j, a := range acts {
					res := gold.Call(a.Who(), a.Name, a.Arguments)
					if probe.HasTool(a.Name) && probe.Mutates(a.Name) && !res.Error {
						last = j
					}
				}
				if last < 0 {
					continue
				}
				checked++
				mutated := *task
				crit := *task.EvaluationCriteria
				crit.Actions = append(append([]envs.Action(nil), acts[:last]...), acts[last+1:]...)
				mutated.EvaluationCriteria = &crit
				// Play the shortened gold list, score it against the original task.
				traj := playTrajectory(t, d, &mutated)
				info, err := evaluator.Evaluate(context.Background(), d, task, traj, "user_stop", evaluator.Options{SkipNL: true})
				if err != nil {
					t.Fatal(err)
				}
				envReward := 1.0
				for _, k := range []envs.RewardType{envs.RewardDB, envs.RewardEnvAssertion} {
					if v, ok := info.RewardBreakdown[k]; ok {
						envReward *= v
					}
				}
				if envReward != 0 {
					t.Errorf("task %s: dropping %s (action %d) left the DB/env-assertion reward at %v", task.ID, acts[last].Name, last, envReward)
				}
			}
			t.Logf("%s: %d tasks with a write action checked", name, checked)
			if checked == 0 {
				t.Error("no task with a write action")
			}
		})
	}
}

func playTrajectory(t *testing.T, d *envs.Domain, task *envs.Task) []envs.Message {
	t.Helper()
	var msgs []envs.Message
	env := d.NewEnv()
	if err := env.Initialize(task.InitialState); err != nil {
		t.Fatal(err)
	}
	for i, a := range task.EvaluationCriteria.Actions {
		role := envs.RoleAssistant
		if a.Who() == envs.User {
			role = envs.RoleUser
		}
		id := "c" + strconv.Itoa(i)
		res := env.Call(a.Who(), a.Name, a.Arguments)
		msgs = append(msgs,
			envs.Message{Role: role, ToolCalls: []envs.ToolCall{{ID: id, Name: a.Name, Arguments: a.Arguments, Requestor: a.Who()}}},
			envs.Message{Role: envs.RoleTool, ID: id, Content: res.Content, Requestor: a.Who(), Error: res.Error})
	}
	return msgs
}

// BenchmarkGoldAll replays and evaluates all 278 gold tasks of the three tau2
// domains per iteration (data loading excluded) and reports wall time and
// the process's peak resident memory (VmHWM, including data loading).
func BenchmarkGoldAll(b *testing.B) {
	type dom struct {
		d     *envs.Domain
		tasks []envs.Task
	}
	var all []dom
	n := 0
	for _, name := range domains.Tau2() {
		d, tasks := load(b, name)
		all = append(all, dom{d, tasks})
		n += len(tasks)
	}
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		for _, x := range all {
			for i := range x.tasks {
				if _, err := evaluator.Gold(context.Background(), x.d, &x.tasks[i]); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	wall := time.Since(start) / time.Duration(b.N)
	b.ReportMetric(float64(n), "tasks/op")
	b.ReportMetric(wall.Seconds(), "wall-s/op")
	if hwm := peakRSSMB(); hwm > 0 {
		b.ReportMetric(hwm, "peak-RSS-MB")
	}
	fmt.Fprintf(os.Stderr, "gold replay+eval of %d tasks: %.3fs per pass, peak RSS %.0f MB (targets: < 2 s, < 300 MB)\n", n, wall.Seconds(), peakRSSMB())
}

func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// TestSoloMode plays telecom tasks in solo mode: the oracle agent performs
// the user's device actions itself (no user turns) and the env assertions
// must hold, as in tau2's solo mode.
func TestSoloMode(t *testing.T) {
	d, tasks := load(t, "telecom")
	for i := range tasks[:20] {
		task := &tasks[i]
		env, err := d.NewSoloEnv()
		if err != nil {
			t.Fatal(err)
		}
		o := episode.Oracle{Task: task, Solo: true}
		res, err := episode.Run(context.Background(), env, task, o.Agent(), o.User(), episode.Config{Solo: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.Termination != episode.AgentStop {
			t.Fatalf("task %s: termination %s", task.ID, res.Termination)
		}
		for _, m := range res.Messages {
			if m.Role == envs.RoleUser {
				t.Fatalf("task %s: a user turn in solo mode", task.ID)
			}
		}
		info, err := evaluator.Evaluate(context.Background(), d, task, res.Messages, res.Termination, evaluator.Options{Solo: true})
		if err != nil {
			t.Fatal(err)
		}
		if !evaluator.IsSuccess(info.Reward) {
			t.Errorf("task %s: solo reward %v", task.ID, info.Reward)
		}
	}
	// Airline has no solo mode, as in tau2.
	air, _ := load(t, "airline")
	if _, err := air.NewSoloEnv(); err == nil {
		t.Error("airline accepted solo mode")
	}
}
