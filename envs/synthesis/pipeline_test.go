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

// outcome is one candidate taken through every stage with the baseline
// roles: reason is "" when accepted, else the reject code.
type outcome struct {
	reason string
	detail string
	sc     Scenario
	bp     Blueprint
	task   envs.Task
}

// pipeline runs candidate index of a run through every stage with the
// baseline roles (rule-based planner, careful assistant, template user,
// checker writer, verifier and judge), as the synthesis activities do.
func pipeline(t *testing.T, p *Planner, runSeed int64, index int, withhold bool) outcome {
	t.Helper()
	ctx := context.Background()
	dom := p.Domain()
	seed := runSeed*1_000_003 + int64(index)
	sc, err := p.PlanAt(runSeed, index, seed)
	if err != nil {
		return outcome{reason: ReasonPlanNoEntity, detail: err.Error(), sc: sc}
	}
	bp := BlueprintFor(sc)
	out := outcome{sc: sc, bp: bp}
	if v := CheckPolicy(dom, sc, bp); len(v) > 0 {
		out.reason, out.detail = ReasonBlueprintPolicy, v[0].Rule+": "+v[0].Detail
		return out
	}
	gold := Execute(dom, sc, bp.Actions)
	if len(gold.Errors) > 0 {
		out.reason, out.detail = ReasonBlueprintToolError, gold.Errors[0]
		return out
	}
	out.task = Task(fmt.Sprintf("t%d", index), sc, bp)
	env := dom.NewEnv()
	agent := offline.CarefulAgent{Task: &out.task, Identity: sc.Identity(), Mutates: env.Mutates, Closing: Closing(sc, bp)}
	user := offline.TemplateUser{Task: &out.task, Withhold: withhold}
	res, err := episode.Run(ctx, env, &out.task, agent, user, episode.Config{MaxSteps: 80})
	if err != nil {
		t.Fatal(err)
	}
	if reason, detail := CheckDialogue(sc, res.Messages, string(res.Termination), res.Err, env.HasTool); reason != "" {
		out.reason, out.detail = reason, detail
		return out
	}
	g := GoldFrom(dom, sc, gold)
	checker := WriteCheckerBaseline(sc, bp, g.View, g.Diff)
	vr := VerifyGold(ctx, dom, sc, bp, g, checker, res.Messages, env.StateHash(), View(env, sc), sandbox.DefaultLimits(), nil)
	if !vr.OK {
		out.reason, out.detail = vr.Reason, vr.Detail
		return out
	}
	if j := JudgeBaseline(sc, res.Messages, string(res.Termination), env.Mutates, 1); !j.Pass {
		out.reason, out.detail = "judge."+j.Failed, j.Reason
	}
	return out
}

func planner(t testing.TB, spec domains.Spec) *Planner {
	t.Helper()
	dom, err := domains.Load(spec)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPlanner(dom)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func allSpecs(t testing.TB) []domains.Spec {
	data := tau2data.ForTest(t)
	return []domains.Spec{{Name: "gen-airline", Seed: 1}, {Name: "gen-retail", Seed: 1},
		{Name: "airline", Tau2Data: data}, {Name: "retail", Tau2Data: data}, {Name: "telecom", Tau2Data: data}}
}

func TestPipelineAcceptsBaselineInstances(t *testing.T) {
	for _, spec := range allSpecs(t) {
		t.Run(spec.Name, func(t *testing.T) {
			p := planner(t, spec)
			reasons := map[string]int{}
			accepted, refusals, multi := 0, 0, 0
			const n = 40
			for i := 0; i < n; i++ {
				o := pipeline(t, p, 7, i, false)
				if o.reason == "" {
					accepted++
					if !o.sc.Allowed {
						refusals++
					}
					if len(o.sc.Intents) > 1 {
						multi++
					}
				} else if testing.Verbose() {
					t.Logf("candidate %d (%v): %s: %s", i, o.sc.Kinds(), o.reason, o.detail)
				}
				reasons[o.reason]++
			}
			t.Logf("%s: accepted %d/%d (%d with a refusal, %d multi-intent); reasons %v", spec.Name, accepted, n, refusals, multi, reasons)
			if accepted < 3*n/4 {
				t.Errorf("yield too low: %d/%d (%v)", accepted, n, reasons)
			}
		})
	}
}

func TestWithheldIdentityFailsDialogues(t *testing.T) {
	p := planner(t, domains.Spec{Name: "gen-airline", Seed: 1})
	for i := 0; i < 10; i++ {
		if o := pipeline(t, p, 1, i, true); o.reason == "" {
			t.Fatalf("candidate %d accepted although the user never identified", i)
		} else if o.reason != ReasonDialogueNotAuth && o.reason != ReasonPlanNoEntity {
			t.Errorf("candidate %d: %s (%s), want %s", i, o.reason, o.detail, ReasonDialogueNotAuth)
		}
	}
}

type baselinePlan struct {
	sc Scenario
	bp Blueprint
}

// baselinePlans returns the first n baseline scenarios of dom (candidates
// 0.. of run 1) with their blueprints, skipping those whose blueprint
// breaks the policy when policyOK is set.
func baselinePlans(dom *envs.Domain, n int, policyOK bool) []baselinePlan {
	p, err := NewPlanner(dom)
	if err != nil {
		panic(err)
	}
	var out []baselinePlan
	for i := 0; len(out) < n && i < 10*n; i++ {
		sc, err := p.PlanAt(1, i, int64(i))
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
		gold := GoldOf(dom, sc, bp)
		prog, err := sandbox.Compile("c", WriteCheckerBaseline(sc, bp, gold.View, gold.Diff))
		if err != nil {
			b.Fatal(err)
		}
		jobs = append(jobs, job{prog, gold.View, Transcript(GoldTranscript(sc, bp))})
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
