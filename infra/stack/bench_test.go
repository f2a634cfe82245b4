package stack

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	goopenai "github.com/sashabaranov/go-openai"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"

	"github.com/eigendata/eigendata/activities"
	"github.com/eigendata/eigendata/envs/tau2data"
	"github.com/eigendata/eigendata/llm/fakeoai"
	"github.com/eigendata/eigendata/workers"
	"github.com/eigendata/eigendata/workflows"
)

// benchScript plays both roles with a fixed latency: the agent (requests
// with tools) calls two tools then answers; the user simulator (no tools)
// states its request and stops once the agent has answered.
func benchScript(latency time.Duration) fakeoai.Script {
	return func(_ int, req goopenai.ChatCompletionRequest) fakeoai.Reply {
		if len(req.Tools) > 0 {
			tools := 0
			for _, m := range req.Messages {
				if m.Role == goopenai.ChatMessageRoleTool {
					tools++
				}
			}
			switch tools {
			case 0:
				return fakeoai.Reply{Delay: latency, Calls: []fakeoai.Call{{Name: "get_user_details", Args: `{"user_id":"nobody"}`}}}
			case 1:
				return fakeoai.Reply{Delay: latency, Calls: []fakeoai.Call{{Name: "list_all_airports", Args: `{}`}}}
			}
			return fakeoai.Reply{Delay: latency, Content: "Your request is completed. Anything else?"}
		}
		for _, m := range req.Messages {
			if m.Role == goopenai.ChatMessageRoleUser && strings.Contains(m.Content, "Anything else") {
				return fakeoai.Reply{Delay: latency, Content: "No, thanks. ###STOP###"}
			}
		}
		return fakeoai.Reply{Delay: latency, Content: "Hi, I want to check my reservation."}
	}
}

// BenchmarkEvalWorkflow200 runs an EvalWorkflow of 200 episodes (20
// generated tasks x 10 trials) with agent and user simulator on a fake
// OpenAI-compatible server answering in 100 ms, 32 episodes at a time, on
// the embedded stack. It reports wall time over the LLM-bound ideal: every
// call's latency divided by the concurrency (each episode's calls are
// sequential, so with 32 episodes in flight at most 32 calls overlap).
func BenchmarkEvalWorkflow200(b *testing.B) {
	const latency, conc = 100 * time.Millisecond, 32
	defer TuneGC()()
	s := startStack(b, Options{UIPort: -1})
	fake := fakeoai.New(benchScript(latency))
	defer fake.Close()
	models := &activities.Models{BaseURL: fake.URL(), Concurrency: conc}
	if err := s.StartWorkers([]workers.Pool{workers.CPU, workers.LLM}, models, "", nil, 2*conc, nil); err != nil {
		b.Fatal(err)
	}
	m := workflows.ModelConfig{Provider: "openai", Model: "fake", Temperature: 1}
	// 32 concurrent model calls (the endpoint limit); twice as many episodes
	// in flight, so that while some episodes step their environment, store
	// or score, others keep every call slot busy.
	in := workflows.EvalInput{Domain: "gen-airline", Seed: 1, Trials: 10, Concurrency: 2 * conc, Agent: m, User: m}
	// Warm the workers (domain generated and cached, connections open), as
	// in a long-lived deployment: the figure is the steady-state overhead.
	warm := in
	warm.Trials = 1
	if _, err := runEval(b, s, "bench-warmup", warm); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		before := len(fake.Requests())
		start := time.Now()
		run, err := s.Client.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{
			ID: fmt.Sprintf("bench-eval-%d", i), TaskQueue: workflows.QueueCPU}, workflows.EvalWorkflow, in)
		if err != nil {
			b.Fatal(err)
		}
		var res workflows.EvalResult
		if err := run.Get(context.Background(), &res); err != nil {
			b.Fatal(err)
		}
		wall := time.Since(start)
		calls := len(fake.Requests()) - before
		ideal := time.Duration(calls) * latency / conc
		ratio := wall.Seconds() / ideal.Seconds()
		if res.Episodes != 200 {
			b.Fatalf("%d episodes", res.Episodes)
		}
		b.ReportMetric(ratio, "wall/ideal")
		b.ReportMetric(float64(calls), "llm-calls")
		fmt.Printf("EvalWorkflow 200 episodes: %d LLM calls x %s / %d = ideal %s; wall %s; ratio %.3f\n",
			calls, latency, conc, ideal.Round(time.Millisecond), wall.Round(time.Millisecond), ratio)
	}
}

// BenchmarkSynthesis200 synthesizes 200 accepted instances (tau2 airline data)
// with the assistant and user simulator on a fake OpenAI-compatible server
// answering every call in 100 ms, 32 concurrent calls per endpoint (64
// instances in flight), and reports wall time over the LLM-bound ideal
// (every call's latency / 32). Planner, checker writer and judge are the
// rule-based baselines (no model calls).
func BenchmarkSynthesis200(b *testing.B) {
	const latency, conc = 100 * time.Millisecond, 32
	defer TuneGC()()
	s := startStack(b, Options{UIPort: -1})
	var mu sync.Mutex
	var starts []time.Time // when each call arrived
	fake := fakeoai.New(func(_ int, req goopenai.ChatCompletionRequest) fakeoai.Reply {
		mu.Lock()
		starts = append(starts, time.Now())
		mu.Unlock()
		r := scriptedAirline(req)
		r.Delay = latency
		return r
	})
	defer fake.Close()
	models := &activities.Models{BaseURL: fake.URL(), Concurrency: conc}
	if err := s.StartWorkers([]workers.Pool{workers.CPU, workers.LLM}, models, "", nil, 4*conc, nil); err != nil {
		b.Fatal(err)
	}
	m := workflows.ModelConfig{Provider: "openai", Model: "fake", Temperature: 1}
	// The scripted agent knows two intents (cancel, add a bag): the
	// planner is held to them, one per scenario, as in the benchmark's
	// history.
	in := workflows.SynthInput{Domain: "airline", Tau2Data: tau2data.ForTest(b), Count: 200, MaxCandidates: 300, Seed: 1, Concurrency: 4 * conc,
		Roles:   workflows.SynthRoles{Agent: m, User: m},
		Intents: []string{"cancel_reservation", "update_reservation_baggages(allowed)"}, MaxIntents: 1}
	warm := in
	warm.Count, warm.MaxCandidates = 8, 40
	if _, err := runSynthB(b, s, "bench-synth-warmup", warm); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		before := len(fake.Requests())
		cpu0 := processCPU()
		start := time.Now()
		res, err := runSynthB(b, s, fmt.Sprintf("bench-synth-%d", i), in)
		if err != nil {
			b.Fatal(err)
		}
		wall := time.Since(start)
		cpu := processCPU() - cpu0
		calls := len(fake.Requests()) - before
		ideal := time.Duration(calls) * latency / conc
		ratio := wall.Seconds() / ideal.Seconds()
		// Calls started per quarter second: a full quarter holds
		// 0.25 s / latency x conc = 80; gaps show where the slots idled.
		mu.Lock()
		quarters := make([]int, int(wall/(250*time.Millisecond))+1)
		for _, t := range starts {
			if q := int(t.Sub(start) / (250 * time.Millisecond)); t.After(start) && q < len(quarters) {
				quarters[q]++
			}
		}
		first, last := wall, time.Duration(0)
		for _, t := range starts {
			if d := t.Sub(start); d > 0 {
				first, last = min(first, d), max(last, d)
			}
		}
		mu.Unlock()
		if ratio > slowRun {
			printSlowRun(b, s, fmt.Sprintf("bench-synth-%d", i), start)
		}
		fmt.Printf("calls started per 250 ms (80 = all slots busy): %v\n", quarters)
		fmt.Printf("first call after %s; after the last call's answer %s to the result\n",
			first.Round(time.Millisecond), (wall - last - latency).Round(time.Millisecond))

		if cpu > 0 {
			fmt.Printf("process CPU %.2f s over %.2f s wall on %d CPUs\n", cpu.Seconds(), wall.Seconds(), runtime.NumCPU())
		}
		b.ReportMetric(ratio, "wall/ideal")
		b.ReportMetric(float64(calls), "llm-calls")
		fmt.Printf("reject reasons: %s\n", countsLine(res.Stats.Reasons))
		fmt.Printf("Synthesis %d accepted of %d candidates: %d LLM calls x %s / %d = ideal %s; wall %s; ratio %.3f\n",
			res.Instances, res.Stats.Candidates, calls, latency, conc, ideal.Round(time.Millisecond), wall.Round(time.Millisecond), ratio)
	}
}

// slowRun is the ratio above which BenchmarkSynthesis200 prints where the
// run's time went: a run of the machine's slow periods ends near 1.5, a
// stall (a retried task, a timeout) well above.
const slowRun = 1.6

// printSlowRun prints the parent workflow's history gaps over 300 ms and
// its five slowest child starts, relative to the run's start, so a stall
// can be traced to the event it delayed.
func printSlowRun(t testing.TB, s *Stack, id string, start time.Time) {
	it := s.Client.GetWorkflowHistory(context.Background(), id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var evs []*historypb.HistoryEvent
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Logf("slow run %s: history: %v", id, err)
			return
		}
		evs = append(evs, e)
	}
	at := func(e *historypb.HistoryEvent) time.Duration {
		return e.GetEventTime().AsTime().Sub(start).Round(time.Millisecond)
	}
	fmt.Printf("slow run %s: %d events in the parent's history\n", id, len(evs))
	for i := 1; i < len(evs); i++ {
		if gap := at(evs[i]) - at(evs[i-1]); gap > 300*time.Millisecond {
			fmt.Printf("  %s without an event, then %s (event %d) at %s\n", gap, evs[i].GetEventType(), evs[i].GetEventId(), at(evs[i]))
		}
	}
	initiated := map[int64]time.Duration{}
	type childStart struct {
		id        string
		took, end time.Duration
	}
	var starts []childStart
	for _, e := range evs {
		switch e.GetEventType() {
		case enumspb.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
			initiated[e.GetEventId()] = at(e)
		case enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED:
			a := e.GetChildWorkflowExecutionStartedEventAttributes()
			starts = append(starts, childStart{a.GetWorkflowExecution().GetWorkflowId(), at(e) - initiated[a.GetInitiatedEventId()], at(e)})
		}
	}
	slices.SortFunc(starts, func(a, b childStart) int { return cmp.Compare(b.took, a.took) })
	for _, c := range starts[:min(5, len(starts))] {
		fmt.Printf("  child %s started %s after its command, at %s\n", c.id, c.took, c.end)
	}
}

func runSynthB(b testing.TB, s *Stack, id string, in workflows.SynthInput) (workflows.SynthResult, error) {
	run, err := s.Client.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: id, TaskQueue: workflows.QueueCPU}, workflows.SynthesisWorkflow, in)
	if err != nil {
		return workflows.SynthResult{}, err
	}
	var res workflows.SynthResult
	return res, run.Get(context.Background(), &res)
}

// countsLine renders counts by name as "name=n", sorted by name.
func countsLine(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%d", k, m[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}
