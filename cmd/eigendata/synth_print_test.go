package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/domains"
	"github.com/eigendata/eigendata/envs/synthesis"
	"github.com/eigendata/eigendata/envs/tau2data"
	"github.com/eigendata/eigendata/workflows"
)

// TestPrintSynthResult: tokens per role and the coverage print as sorted
// "name=n" lists, never as raw Go maps.
func TestPrintSynthResult(t *testing.T) {
	res := &workflows.SynthResult{RunID: "r", Instances: 2, Prefix: "runs/r/", ManifestKey: "runs/r/manifest.json", TasksKey: "runs/r/tasks.json",
		ReportKey: "runs/r/report.md",
		Stats: workflows.SynthStats{Candidates: 3, Accepted: 2, Reasons: map[string]int{"verify.state_mismatch": 1},
			StagePassed: map[string]int{"plan": 3}, Tokens: map[string]int{"planner": 10, "dialogue": 250, "judge": 7}},
		Coverage: &workflows.SynthCoverage{Domain: "airline", Instances: 2, MultiIntent: 1, WriteTools: []string{"a_write", "b_write"},
			Tools: map[string]int{"a_write": 2}, Uncovered: []string{"b_write"}, Combinations: map[string]int{"a": 1, "a + b(refused)": 1},
			Refused: map[string]int{"b_write": 1}, WithRefusal: 1}}
	var out bytes.Buffer
	printSynthResult(&out, res, func(k string) string { return "s3://b/" + k })
	text := out.String()
	for _, want := range []string{"tokens per role: dialogue=250 judge=7 planner=10", "coverage (airline): 1/2 write tools",
		"write tools: a_write=2 b_write=0", "uncovered:   b_write", "a + b(refused)=1", "report:   s3://b/runs/r/report.md"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "map[") {
		t.Errorf("output prints a raw Go map:\n%s", text)
	}
}

// TestSynthConcurrencyDefaultsToPromptVersion: without --concurrency the
// input asks for the prompt version's setting (0), not a fixed default.
func TestSynthConcurrencyDefaultsToPromptVersion(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want int
	}{{nil, 0}, {[]string{"--concurrency", "16", "--intents", "cancel_reservation, update_reservation_baggages", "--max-intents", "1"}, 16}} {
		fs := flag.NewFlagSet("synth start", flag.ContinueOnError)
		var in workflows.SynthInput
		apply := synthInputFlags(fs, &in)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		apply()
		if in.Concurrency != tc.want {
			t.Errorf("%v: concurrency %d, want %d", tc.args, in.Concurrency, tc.want)
		}
		if err := in.Validate(); err != nil {
			t.Errorf("%v: %v", tc.args, err)
		}
		if tc.args != nil && (len(in.Intents) != 2 || in.Intents[1] != "update_reservation_baggages" || in.MaxIntents != 1) {
			t.Errorf("%v: intents %q, max %d", tc.args, in.Intents, in.MaxIntents)
		}
	}
}

// TestEvalGoldTasksFile: eval gold --tasks plays the gold actions of a
// synthesis run's tasks.json (telecom: initial state, the user's device
// actions, env assertions) and every task passes.
func TestEvalGoldTasksFile(t *testing.T) {
	data := tau2data.ForTest(t)
	dom, err := domains.Load(domains.Spec{Name: "telecom", Tau2Data: data})
	if err != nil {
		t.Fatal(err)
	}
	p, err := synthesis.NewPlanner(dom)
	if err != nil {
		t.Fatal(err)
	}
	var tasks []envs.Task
	for i := 0; len(tasks) < 12 && i < 40; i++ {
		sc, err := p.PlanAt(1, i, int64(i))
		if err != nil {
			continue
		}
		tasks = append(tasks, synthesis.Task(fmt.Sprintf("telecom-%d", i), sc, synthesis.BlueprintFor(sc)))
	}
	b, err := synthesis.MarshalTasks(tasks)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "tasks.json")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runCLI(t, "eval", "gold", "--domain", "telecom", "--tau2-data", data, "--tasks", file)
	if err != nil {
		t.Fatal(err)
	}
	ls := lines(out)
	var sum goldSummary
	if err := json.Unmarshal([]byte(ls[len(ls)-1]), &sum); err != nil {
		t.Fatal(err)
	}
	if sum != (goldSummary{Domain: "telecom", TasksFile: file, Tasks: len(tasks), Scored: len(tasks), Passed: len(tasks)}) {
		t.Errorf("summary %+v, want all %d tasks scored and passed\n%s", sum, len(tasks), out)
	}
	if _, err := runCLI(t, "eval", "gold", "--domain", "telecom", "--tau2-data", data, "--tasks", file, "--split", "test"); err == nil {
		t.Error("--split with --tasks accepted")
	}
}
