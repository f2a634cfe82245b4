package synthesis

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/domains"
	"github.com/eigendata/eigendata/envs/evaluator"
	"github.com/eigendata/eigendata/envs/sandbox"
	"github.com/eigendata/eigendata/envs/tau2data"
)

// offlineRun takes candidates of one run through the baseline pipeline
// until want are accepted and the accepted ones cover every write tool (or
// budget candidates were tried), as a synthesis run of want instances
// with the offline baseline does (rejects replaced by later candidates).
func offlineRun(t *testing.T, p *Planner, want, budget int) ([]outcome, *Coverage, map[string]int) {
	t.Helper()
	var names []string
	for _, w := range WriteTools(p.Domain()) {
		names = append(names, w.Name)
	}
	cov := NewCoverage(p.Domain().Name, names)
	var acc []outcome
	reasons := map[string]int{}
	for i := 0; i < budget && (len(acc) < want || len(cov.Uncovered) > 0); i++ {
		o := pipeline(t, p, 3, i, false)
		reasons[o.reason]++
		if o.reason != "" {
			continue
		}
		acc = append(acc, o)
		cov.Add(o.sc, o.bp.Actions)
	}
	return acc, cov, reasons
}

// TestOfflineBaselineCoverage is the issue's acceptance test: offline, on
// each of airline, retail, telecom and gen-airline, at least 20 instances
// are accepted; together they call every write tool of the domain (the
// list is the environment's, env.Mutates, not a literal); some combine
// several intents and some refuse a request; and every one, exported in
// tau2's format and read back, scores 1.0 when its gold actions are played
// (eval gold).
func TestOfflineBaselineCoverage(t *testing.T) {
	data := tau2data.ForTest(t)
	for _, spec := range []domains.Spec{{Name: "airline", Tau2Data: data}, {Name: "retail", Tau2Data: data},
		{Name: "telecom", Tau2Data: data}, {Name: "gen-airline", Seed: 1}, {Name: "gen-retail", Seed: 1}} {
		t.Run(spec.Name, func(t *testing.T) {
			p := planner(t, spec)
			acc, cov, reasons := offlineRun(t, p, 20, 80)
			for _, l := range cov.Lines(0) {
				t.Log(l)
			}
			if len(acc) < 20 {
				t.Errorf("accepted %d < 20 (reasons %v)", len(acc), reasons)
			}
			env := p.Domain().NewEnv()
			for _, w := range WriteTools(p.Domain()) {
				if !env.Mutates(w.Name) {
					t.Errorf("WriteTools lists %s, which does not mutate", w.Name)
				}
				if cov.Tools[w.Name] == 0 {
					t.Errorf("write tool %s (%s side) is not covered by any accepted instance", w.Name, w.Side)
				}
			}
			if len(cov.Uncovered) > 0 {
				t.Errorf("uncovered write tools: %v", cov.Uncovered)
			}
			if cov.MultiIntent == 0 {
				t.Error("no multi-intent instance")
			}
			if cov.WithRefusal+cov.Transfers == 0 {
				t.Error("no instance refuses or transfers a request")
			}
			tasks := make([]envs.Task, len(acc))
			for i, o := range acc {
				tasks[i] = o.task
			}
			// The run's report computes the coverage from the exported
			// tasks: the same figures.
			if fromTasks := CoverageOf(p.Domain(), tasks); !reflect.DeepEqual(fromTasks, cov) {
				t.Errorf("coverage from the tasks %+v\ndiffers from the scenarios' %+v", fromTasks, cov)
			}
			passGold(t, p.Domain(), tasks)
		})
	}
}

// passGold exports tasks as tasks.json, reads them back as eval gold does
// and requires every one to score 1.0 with tau2's reward.
func passGold(t *testing.T, dom *envs.Domain, tasks []envs.Task) {
	t.Helper()
	b, err := MarshalTasks(tasks)
	if err != nil {
		t.Fatal(err)
	}
	var back []envs.Task
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if len(back) != len(tasks) {
		t.Fatalf("%d tasks read back, %d written", len(back), len(tasks))
	}
	for i := range back {
		r, err := evaluator.Gold(context.Background(), dom, &back[i])
		if err != nil {
			t.Fatalf("%s: %v", back[i].ID, err)
		}
		if !r.Scored || !r.Passed || r.Reward != 1 || len(r.ToolErrors) > 0 {
			t.Errorf("%s: eval gold reward %v (passed %v, tool errors %v, termination %s)", back[i].ID, r.Reward, r.Passed, r.ToolErrors, r.Termination)
		}
	}
}

// TestCoverageReportsUncoveredTools: the coverage names the write tools no
// instance calls, and counts refusals, transfers and combinations.
func TestCoverageReportsUncoveredTools(t *testing.T) {
	c := NewCoverage("d", []string{"b_write", "a_write", "c_write"})
	c.Add(Scenario{Intents: []Intent{{Kind: "a", Tool: "a_write", Allowed: true}, {Kind: "c", Tool: "c_write"}}},
		[]envs.Action{{Name: "read"}, {Name: "a_write"}, {Name: "a_write"}})
	c.Add(Scenario{Intents: []Intent{{Kind: "t", Tool: "b_write", Transfer: true}}}, []envs.Action{{Name: "transfer_to_human_agents"}})
	if !slices.Equal(c.Uncovered, []string{"b_write", "c_write"}) {
		t.Errorf("uncovered %v", c.Uncovered)
	}
	if c.Tools["a_write"] != 1 || c.Tools["read"] != 0 || c.Refused["c_write"] != 1 || c.Transfers != 1 || c.MultiIntent != 1 || c.WithRefusal != 1 {
		t.Errorf("%+v", c)
	}
	if got := Counted(c.Combinations); !slices.Equal(got, []string{"a + c(refused)=1", "t(transfer)=1"}) {
		t.Errorf("combinations %v", got)
	}
	text := strings.Join(c.Lines(0), "\n")
	for _, want := range []string{"1/3 write tools", "a_write=1 b_write=0 c_write=0", "uncovered:   b_write c_write"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "map[") {
		t.Errorf("report prints a raw map:\n%s", text)
	}
}

// TestWriteToolsFollowMutates: the planner's write tools are exactly the
// tools (of both sides) the environment says mutate; transfer is not one.
func TestWriteToolsFollowMutates(t *testing.T) {
	for _, spec := range allSpecs(t) {
		dom, err := domains.Load(spec)
		if err != nil {
			t.Fatal(err)
		}
		env := dom.NewEnv()
		var want, got []string
		for _, kit := range []*envs.Toolkit{dom.Agent, dom.UserTools} {
			if kit == nil {
				continue
			}
			for _, tool := range kit.Tools {
				if env.Mutates(tool.Name) {
					want = append(want, tool.Name)
				}
			}
		}
		for _, w := range WriteTools(dom) {
			got = append(got, w.Name)
		}
		if !slices.Equal(got, want) || slices.Contains(got, "transfer_to_human_agents") {
			t.Errorf("%s: write tools %v, want %v", spec.Name, got, want)
		}
		if spec.Name == "telecom" && !slices.Contains(got, "toggle_airplane_mode") {
			t.Errorf("telecom: the user's device tools are missing from %v", got)
		}
	}
}

// TestGenericFinderGroundsUnknownTools: a write tool no family knows is
// grounded from the user's records (arguments found under the same key)
// and checked by executing it.
func TestGenericFinderGroundsUnknownTools(t *testing.T) {
	p := planner(t, domains.Spec{Name: "gen-airline", Seed: 1})
	var cancel ToolRef
	for _, w := range p.WriteTools() {
		if w.Name == "cancel_reservation" {
			cancel = w
		}
	}
	k := genericKind(p, cancel)
	for _, unit := range p.units {
		in, ok := k.find(&findCtx{unit: unit, r: newRand(1)})
		if !ok {
			continue
		}
		// The generic finder knows no policy: the composed plan is checked
		// against the policy rules, which refuse some cancellations.
		sc, ok := p.compose(unit, 1, []Intent{in})
		if !ok {
			continue
		}
		if err := p.Feasible(sc); err != nil {
			t.Fatal(err)
		}
		if len(in.Writes) != 1 || in.Writes[0].Name != "cancel_reservation" || !strings.Contains(string(in.Writes[0].Arguments), in.Target) {
			t.Errorf("generic intent %+v", in)
		}
		return
	}
	t.Fatal("the generic finder grounded nothing")
}

// TestMultiIntentNegatives: a checker of a multi-intent plan rejects each
// write dropped in turn and each argument mutation.
func TestMultiIntentNegatives(t *testing.T) {
	data := tau2data.ForTest(t)
	for _, spec := range []domains.Spec{{Name: "airline", Tau2Data: data}, {Name: "retail", Tau2Data: data}, {Name: "telecom", Tau2Data: data}} {
		p := planner(t, spec)
		checked := 0
		for i := 0; i < 60 && checked < 5; i++ {
			sc, err := p.PlanAt(5, i, int64(i))
			if err != nil || len(sc.Intents) < 2 {
				continue
			}
			bp := BlueprintFor(sc)
			gold := GoldOf(p.Domain(), sc, bp)
			negs := Negatives(p.Domain(), sc, bp)
			env := p.Domain().NewEnv()
			writes := 0
			for _, a := range bp.Actions {
				if env.Mutates(a.Name) {
					writes++
				}
			}
			dropped := 0
			for _, n := range negs {
				if strings.HasPrefix(n.Name, "write dropped") {
					dropped++
				}
			}
			if dropped != writes {
				t.Errorf("%s %v: %d writes, %d dropped-write negatives", spec.Name, sc.Kinds(), writes, dropped)
			}
			prog := compile(t, WriteCheckerBaseline(sc, bp, gold.View, gold.Diff))
			if v := prog(gold.View, GoldTranscript(sc, bp)); !v {
				t.Fatalf("%s %v: the checker fails its gold outcome", spec.Name, sc.Kinds())
			}
			for _, n := range negs {
				if prog(n.View, n.Transcript) {
					t.Errorf("%s %v: the checker accepts the negative %q", spec.Name, sc.Kinds(), n.Name)
				}
			}
			checked++
		}
		if checked == 0 {
			t.Errorf("%s: no multi-intent plan in 60 candidates", spec.Name)
		}
	}
}

// TestSignatureIsOrderFree: the same intents in another order are a
// near-duplicate; another target is not.
func TestSignatureIsOrderFree(t *testing.T) {
	a := Intent{Kind: "cancel_reservation", Target: "AAA", Allowed: true}
	b := Intent{Kind: "update_reservation_baggages", Target: "BBB", Allowed: false}
	c := Intent{Kind: "update_reservation_baggages", Target: "CCC", Allowed: false}
	s1 := Signature(Scenario{Domain: "airline", Intents: []Intent{a, b}})
	s2 := Signature(Scenario{Domain: "airline", Intents: []Intent{b, a}})
	s3 := Signature(Scenario{Domain: "airline", Intents: []Intent{a, c}})
	if s1 != s2 || s1 == s3 {
		t.Errorf("signatures %q %q %q", s1, s2, s3)
	}
}

func ExampleCounted() {
	fmt.Println(Counted(map[string]int{"b": 2, "a": 2, "c": 5}))
	// Output: [c=5 a=2 b=2]
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 1)) }

// compile compiles a checker and returns it as a predicate on a view and
// a transcript (true: the checker passes).
func compile(t *testing.T, src string) func(map[string]any, []envs.Message) bool {
	t.Helper()
	prog, err := sandbox.Compile("checker", src)
	if err != nil {
		t.Fatal(err)
	}
	return func(view map[string]any, msgs []envs.Message) bool {
		v := prog.Check(context.Background(), view, Transcript(msgs), sandbox.DefaultLimits())
		if v.Err != "" {
			t.Fatalf("checker error: %s", v.Err)
		}
		return v.Pass
	}
}
