package synthesis

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/domains"
	"github.com/eigendata/eigendata/envs/episode"
	"github.com/eigendata/eigendata/envs/sandbox"
	"github.com/eigendata/eigendata/envs/tau2data"
	"github.com/eigendata/eigendata/llm/offline"
)

// pipeline runs one candidate through every stage with the baseline roles
// and returns "" when accepted, else the reason code.
func pipeline(t *testing.T, dom *envs.Domain, seed int64, withhold bool) (string, Scenario) {
	t.Helper()
	ctx := context.Background()
	sc, err := PlanBaseline(dom, seed)
	if err != nil {
		return ReasonPlanNoEntity, sc
	}
	bp := BlueprintFor(sc)
	if v := CheckPolicy(dom, sc, bp); len(v) > 0 {
		return ReasonBlueprintPolicy, sc
	}
	gold := Execute(dom, bp.Actions)
	if len(gold.Errors) > 0 {
		return ReasonBlueprintToolError, sc
	}
	task := Task(fmt.Sprintf("t%d", seed), sc, bp)
	env := dom.NewEnv()
	closing := "Your request has been completed."
	if bp.Refusal {
		closing = "I'm sorry, but I cannot do that: " + sc.Why + "."
	}
	if len(bp.Communicate) > 0 {
		closing += " For your information: " + bp.Communicate[0] + "."
	}
	agent := offline.CarefulAgent{Task: &task, Identity: sc.Identity(), Mutates: env.Mutates, Closing: closing}
	user := offline.TemplateUser{Task: &task, Withhold: withhold}
	res, err := episode.Run(ctx, env, &task, agent, user, episode.Config{MaxSteps: 50})
	if err != nil {
		t.Fatal(err)
	}
	if reason, _ := CheckDialogue(sc, res.Messages, string(res.Termination), env.HasTool); reason != "" {
		return reason, sc
	}
	before, goldView := View(dom.NewEnv(), sc), View(gold.Env, sc)
	checker := WriteCheckerBaseline(sc, bp, goldView, Diff(before, goldView))
	vr := Verify(ctx, dom, sc, bp, checker, res.Messages, env.StateHash(), View(env, sc), sandbox.DefaultLimits())
	if !vr.OK {
		return vr.Reason, sc
	}
	if j := JudgeBaseline(sc, res.Messages, string(res.Termination), env.Mutates, 1); !j.Pass {
		return "judge." + j.Failed, sc
	}
	return "", sc
}

func TestPipelineAcceptsBaselineInstances(t *testing.T) {
	specs := []domains.Spec{{Name: "gen-airline", Seed: 1}, {Name: "gen-retail", Seed: 1}}
	if data := tau2data.ForTest(t); data != "" {
		specs = append(specs, domains.Spec{Name: "airline", Tau2Data: data}, domains.Spec{Name: "retail", Tau2Data: data})
	}
	for _, spec := range specs {
		t.Run(spec.Name, func(t *testing.T) {
			dom, err := domains.Load(spec)
			if err != nil {
				t.Fatal(err)
			}
			reasons := map[string]int{}
			accepted, refusals := 0, 0
			for seed := int64(0); seed < 40; seed++ {
				reason, sc := pipeline(t, dom, seed, false)
				if reason == "" {
					accepted++
					if !sc.Allowed {
						refusals++
					}
				}
				reasons[reason]++
			}
			t.Logf("%s: accepted %d/40 (%d refusals); reasons %v", spec.Name, accepted, refusals, reasons)
			if accepted < 30 {
				t.Errorf("yield too low: %d/40 (%v)", accepted, reasons)
			}
		})
	}
}

func TestWithheldIdentityFailsDialogues(t *testing.T) {
	dom, err := domains.Load(domains.Spec{Name: "gen-airline", Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for seed := int64(0); seed < 10; seed++ {
		reason, _ := pipeline(t, dom, seed, true)
		if reason == "" {
			t.Fatalf("seed %d accepted although the user never identified", seed)
		}
	}
}

type baselinePlan struct {
	sc Scenario
	bp Blueprint
}

// baselinePlans returns the first n baseline scenarios of dom (by seed)
// with their blueprints, skipping those whose blueprint breaks the policy
// when policyOK is set.
func baselinePlans(dom *envs.Domain, n int, policyOK bool) []baselinePlan {
	var out []baselinePlan
	for seed := int64(0); len(out) < n; seed++ {
		sc, err := PlanBaseline(dom, seed)
		if err != nil {
			continue
		}
		bp := BlueprintFor(sc)
		if policyOK && len(CheckPolicy(dom, sc, bp)) > 0 {
			continue
		}
		out = append(out, baselinePlan{sc, bp})
	}
	return out
}

// BenchmarkGeneratedChecker runs the baseline checker of real instances
// (gen-airline) on their gold outcome and reports the median run time.
func BenchmarkGeneratedChecker(b *testing.B) {
	dom, err := domains.Load(domains.Spec{Name: "gen-airline", Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	type job struct {
		prog *sandbox.Program
		view map[string]any
		tr   []any
	}
	var jobs []job
	for _, p := range baselinePlans(dom, 20, false) {
		sc, bp := p.sc, p.bp
		gold := Execute(dom, bp.Actions)
		view := View(gold.Env, sc)
		prog, err := sandbox.Compile("c", WriteCheckerBaseline(sc, bp, view, Diff(View(dom.NewEnv(), sc), view)))
		if err != nil {
			b.Fatal(err)
		}
		jobs = append(jobs, job{prog, view, Transcript(GoldTranscript(sc, bp))})
	}
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		j := jobs[i%len(jobs)]
		start := time.Now()
		if v := j.prog.Check(context.Background(), j.view, j.tr, sandbox.DefaultLimits()); !v.Pass {
			b.Fatalf("%+v", v)
		}
		times = append(times, time.Since(start))
	}
	slices.Sort(times)
	med := times[len(times)/2]
	b.ReportMetric(float64(med.Microseconds()), "median-µs")
	fmt.Printf("generated checker: median %s over %d runs (target < 1ms)\n", med, len(times))
}

// BenchmarkVerify runs the verifier (checker on dialogue and gold, mutated
// negatives executed and checked) on baseline instances of the tau2 airline
// data (the generated airline domain without it) and reports the time per
// instance.
func BenchmarkVerify(b *testing.B) {
	spec := domains.Spec{Name: "gen-airline", Seed: 1}
	if data := tau2data.ForTest(b); data != "" {
		spec = domains.Spec{Name: "airline", Tau2Data: data}
	}
	dom, err := domains.Load(spec)
	if err != nil {
		b.Fatal(err)
	}
	type job struct {
		sc      Scenario
		bp      Blueprint
		gold    Gold
		checker string
		tr      []envs.Message
	}
	var jobs []job
	for _, p := range baselinePlans(dom, 20, true) {
		sc, bp := p.sc, p.bp
		gold := GoldOf(dom, sc, bp)
		jobs = append(jobs, job{sc, bp, gold, WriteCheckerBaseline(sc, bp, gold.View, gold.Diff), GoldTranscript(sc, bp)})
	}
	// As on a worker, the checker stage has compiled each checker already.
	var progs sandbox.Cache
	for _, j := range jobs {
		if _, err := progs.Compile("checker", j.checker); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		j := jobs[i%len(jobs)]
		if v := VerifyGold(ctx, dom, j.sc, j.bp, j.gold, j.checker, j.tr, j.gold.Hash, j.gold.View, sandbox.DefaultLimits(), &progs); !v.OK {
			b.Fatalf("%+v", v)
		}
	}
	b.StopTimer()
	fmt.Printf("verify (%s): %s per instance\n", spec.Name, b.Elapsed()/time.Duration(b.N))
}
