package stack

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	goopenai "github.com/sashabaranov/go-openai"
	"go.temporal.io/sdk/client"

	"github.com/eigendata/eigendata/activities"
	"github.com/eigendata/eigendata/envs/airline"
	"github.com/eigendata/eigendata/envs/domains"
	"github.com/eigendata/eigendata/envs/synthesis"
	"github.com/eigendata/eigendata/llm/fakeoai"
	"github.com/eigendata/eigendata/llm/roles"
	"github.com/eigendata/eigendata/workers"
	"github.com/eigendata/eigendata/workflows"
)

var (
	reUserID = regexp.MustCompile(`user id is ([A-Za-z0-9_]+)`)
	reResID  = regexp.MustCompile(`reservation (?:id is )?([A-Z0-9]{6})`)
	rePay    = regexp.MustCompile(`Pay any fee with ([A-Za-z0-9_]+)`)
	reWant   = regexp.MustCompile(`You want to[^\n]*`)
	reKnown  = regexp.MustCompile(`Your user id is[^\n]*`)
)

// scriptedAirline plays a competent airline agent and a cooperative user
// simulator over the OpenAI protocol: the agent reads what the user says
// and what its tools return, applies the policy, asks before writing.
func scriptedAirline(req goopenai.ChatCompletionRequest) fakeoai.Reply {
	var said []string
	outputs := map[string]string{}
	names := map[string]string{}
	lastAgent, lastUser := "", ""
	for _, m := range req.Messages {
		switch m.Role {
		case goopenai.ChatMessageRoleUser:
			said = append(said, m.Content)
			lastUser = m.Content
		case goopenai.ChatMessageRoleAssistant:
			for _, tc := range m.ToolCalls {
				names[tc.ID] = tc.Function.Name
			}
			if m.Content != "" {
				lastAgent = m.Content
			}
		case goopenai.ChatMessageRoleTool:
			if !strings.HasPrefix(m.Content, "Error") {
				outputs[names[m.ToolCallID]] = m.Content
			}
		}
	}
	if len(req.Tools) == 0 { // the user simulator: its scenario is in the system prompt
		sys := req.Messages[0].Content
		switch {
		case strings.Contains(lastUser, "completed") || strings.Contains(lastUser, "cannot"):
			return fakeoai.Reply{Content: "Thank you. ###STOP###"}
		case strings.Contains(lastUser, "proceed"):
			return fakeoai.Reply{Content: "Yes, please proceed."}
		}
		return fakeoai.Reply{Content: reWant.FindString(sys) + " " + reKnown.FindString(sys)}
	}
	text := strings.Join(said, "\n")
	uid, rid, pay := first(reUserID, text), first(reResID, text), first(rePay, text)
	call := func(name string, args map[string]any) fakeoai.Reply {
		b, _ := json.Marshal(args)
		return fakeoai.Reply{Calls: []fakeoai.Call{{Name: name, Args: string(b)}}}
	}
	confirmed := strings.Contains(lastAgent, "proceed") && strings.Contains(strings.ToLower(lastUser), "yes")
	switch {
	case uid == "" || rid == "":
		return fakeoai.Reply{Content: "Could you give me your user id and the reservation id?"}
	case outputs["get_user_details"] == "":
		return call("get_user_details", map[string]any{"user_id": uid})
	case outputs["get_reservation_details"] == "":
		return call("get_reservation_details", map[string]any{"reservation_id": rid})
	case outputs["cancel_reservation"] != "" || outputs["update_reservation_baggages"] != "":
		return fakeoai.Reply{Content: "Your request has been completed. " + fee(outputs)}
	}
	var res airline.Reservation
	var user airline.User
	_ = json.Unmarshal([]byte(outputs["get_reservation_details"]), &res)
	_ = json.Unmarshal([]byte(outputs["get_user_details"]), &user)
	if strings.Contains(text, "cancel") {
		if ok, why := synthesis.AirlineCancelAllowed(&res); !ok {
			return fakeoai.Reply{Content: "I'm sorry, but I cannot cancel it: " + why + "."}
		}
		if !confirmed {
			return fakeoai.Reply{Content: "I will cancel reservation " + rid + ". Shall I proceed (yes/no)?"}
		}
		return call("cancel_reservation", map[string]any{"reservation_id": rid})
	}
	total := res.TotalBaggages + 1
	nonfree := max(total-synthesis.FreeBags(user.Membership, res.Cabin)*len(res.Passengers), res.NonfreeBaggages)
	if !confirmed {
		return fakeoai.Reply{Content: fmt.Sprintf("I will add a bag to %s (fee %d). Shall I proceed (yes/no)?", rid, 50*(nonfree-res.NonfreeBaggages))}
	}
	return call("update_reservation_baggages", map[string]any{"reservation_id": rid, "total_baggages": total, "nonfree_baggages": nonfree, "payment_id": pay})
}

// fee states the baggage fee the write charged, if any.
func fee(outputs map[string]string) string {
	var before, after airline.Reservation
	_ = json.Unmarshal([]byte(outputs["get_reservation_details"]), &before)
	if json.Unmarshal([]byte(outputs["update_reservation_baggages"]), &after) != nil {
		return ""
	}
	return fmt.Sprintf("The fee is %d.", 50*(after.NonfreeBaggages-before.NonfreeBaggages))
}

func first(re *regexp.Regexp, s string) string {
	if m := re.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}

// faulty injects a fault into 30% of requests: HTTP 500, 429, a timeout,
// malformed tool-call JSON, or a call to a tool that does not exist.
func faulty(next func(goopenai.ChatCompletionRequest) fakeoai.Reply, faults *atomic.Int64) fakeoai.Script {
	return func(n int, req goopenai.ChatCompletionRequest) fakeoai.Reply {
		h := fnv.New32a()
		fmt.Fprint(h, n)
		if h.Sum32()%10 >= 3 {
			return next(req)
		}
		faults.Add(1)
		agent := len(req.Tools) > 0
		switch n % 5 {
		case 0:
			return fakeoai.Reply{Status: 500}
		case 1:
			return fakeoai.Reply{Status: 429}
		case 2:
			return fakeoai.Reply{Delay: 2 * time.Second, Content: "too late"}
		case 3:
			if agent {
				return fakeoai.Reply{Calls: []fakeoai.Call{{Name: "get_user_details", Args: `{"user_id": "`}}}
			}
		case 4:
			if agent {
				return fakeoai.Reply{Calls: []fakeoai.Call{{Name: "book_spaceship", Args: `{"destination": "moon"}`}}}
			}
		}
		return fakeoai.Reply{Status: 503}
	}
}

func TestSynthesisUnderEndpointFaults(t *testing.T) {
	s := startStack(t, Options{UIPort: -1})
	var faults atomic.Int64
	fake := fakeoai.New(faulty(scriptedAirline, &faults))
	defer fake.Close()
	models := &activities.Models{BaseURL: fake.URL(), Timeout: 500 * time.Millisecond, Backoff: 5 * time.Millisecond}
	if err := s.StartWorkers([]workers.Pool{workers.CPU, workers.LLM}, models, "", nil, 0, nil); err != nil {
		t.Fatal(err)
	}
	m := workflows.ModelConfig{Provider: "openai", Model: "scripted", Temperature: 0}
	in := workflows.SynthInput{Domain: "gen-airline", Count: 12, Seed: 3, Concurrency: 8, MaxCandidates: 40,
		Roles: workflows.SynthRoles{Agent: m, User: m}}
	res, err := runSynth(t, s, "synth-faults", in)
	if err != nil {
		t.Fatal(err)
	}
	total := len(fake.Requests())
	t.Logf("%d requests, %d faults injected (%.0f%%); accepted %d of %d; reasons %v", total, faults.Load(),
		100*float64(faults.Load())/float64(total), res.Instances, res.Stats.Candidates, res.Stats.Reasons)
	if f := float64(faults.Load()) / float64(total); f < 0.2 || f > 0.4 {
		t.Errorf("fault rate %.2f, want about 0.3", f)
	}
	if res.Instances == 0 {
		t.Fatal("no instance accepted")
	}
	// Every accepted dialogue is valid: re-verified from S3.
	recheck(t, s, res, domains.Spec{Name: "gen-airline", Seed: 3})
}

func TestSynthesisSurvivesWorkerKill(t *testing.T) {
	s := startStack(t, Options{UIPort: -1})
	fake := fakeoai.New(func(_ int, req goopenai.ChatCompletionRequest) fakeoai.Reply {
		r := scriptedAirline(req)
		r.Delay = 100 * time.Millisecond
		return r
	})
	defer fake.Close()
	env := append(os.Environ(), s.Env()...)
	env = append(env, workerEnv+"=1", "OPENAI_BASE_URL="+fake.URL())
	spawn := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = env
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	w1 := spawn()
	in := workflows.SynthInput{Domain: "gen-airline", Count: 16, Seed: 9, Concurrency: 4,
		Roles: workflows.SynthRoles{User: workflows.ModelConfig{Provider: "openai", Model: "scripted"}}}
	ctx := context.Background()
	run, err := s.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "synth-durable", TaskQueue: workflows.QueueCPU}, workflows.SynthesisWorkflow, in)
	if err != nil {
		t.Fatal(err)
	}
	var p workflows.SynthProgress
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if v, err := s.Client.QueryWorkflow(ctx, run.GetID(), "", "progress"); err == nil && v.Get(&p) == nil && p.Accepted >= 4 {
			break
		}
	}
	if p.Accepted < 4 || p.Accepted >= in.Count {
		t.Fatalf("progress before kill: %+v", p)
	}
	_ = w1.Process.Kill()
	_ = w1.Wait()
	t.Logf("killed the worker at %d/%d accepted (%d running)", p.Accepted, in.Count, p.Running)
	w2 := spawn()
	defer func() { _ = w2.Process.Signal(syscall.SIGTERM); _ = w2.Wait() }()
	gctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	var res workflows.SynthResult
	if err := run.Get(gctx, &res); err != nil {
		t.Fatal(err)
	}
	var m activities.Manifest
	if err := json.Unmarshal(rawS3(t, s, res.ManifestKey), &m); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	sigs := map[string]bool{}
	for _, key := range m.Instances {
		var inst activities.Instance
		if err := json.Unmarshal(rawS3(t, s, key), &inst); err != nil {
			t.Fatal(err)
		}
		if seen[key] || sigs[inst.Signature] {
			t.Errorf("instance %s duplicated", key)
		}
		seen[key], sigs[inst.Signature] = true, true
	}
	if res.Instances != in.Count || len(seen) != in.Count || res.Stats.Accepted != in.Count {
		t.Fatalf("result %d, manifest %d distinct, stats %d; want %d", res.Instances, len(seen), res.Stats.Accepted, in.Count)
	}
	recheck(t, s, res, domains.Spec{Name: "gen-airline", Seed: 9})
}

var (
	reCandUser   = regexp.MustCompile(`"user_id": "([^"]+)"`)
	reCandEntity = regexp.MustCompile(`"entity_id": "([^"]+)"`)
	reIntents    = regexp.MustCompile(`Intents: ([a-z_]+)`)
)

// modelRoles answers as every synthesis role would: the planner picks a
// candidate it was shown, the checker writer writes a checker from the
// gold state it was given, the judge approves, and the assistant and the
// user simulator play the scripted airline dialogue.
func modelRoles(_ int, req goopenai.ChatCompletionRequest) fakeoai.Reply {
	sys, last := req.Messages[0].Content, req.Messages[len(req.Messages)-1].Content
	switch {
	case strings.HasPrefix(sys, "You plan one"):
		return fakeoai.Reply{Content: fmt.Sprintf(`Here is my plan: {"user_id": %q, "entity_id": %q, "intent": %q, "reason_for_call": "You want to cancel your reservation, plans changed.", "task_instructions": "Be polite."}`,
			first(reCandUser, last), first(reCandEntity, last), first(reIntents, last))}
	case strings.HasPrefix(sys, "Write a Starlark"):
		var cr roles.CheckerRequest
		if err := json.Unmarshal([]byte(last[strings.Index(last, "\n\n{")+2:]), &cr); err != nil {
			return fakeoai.Reply{Content: "I cannot parse that."}
		}
		src := synthesis.WriteCheckerBaseline(cr.Scenario, synthesis.Blueprint{Refusal: cr.Refusal, Communicate: cr.Communicate}, cr.GoldView, cr.Diff)
		return fakeoai.Reply{Content: "```python\n" + src + "```"}
	case strings.HasPrefix(sys, "Review the dialogue"):
		scores := map[string]float64{}
		for _, item := range synthesis.Rubric {
			scores[item] = 1
		}
		b, _ := json.Marshal(map[string]any{"scores": scores, "pass": true, "reason": "fine"})
		return fakeoai.Reply{Content: string(b)}
	}
	return scriptedAirline(req)
}

func TestSynthesisWithModelRoles(t *testing.T) {
	s := startStack(t, Options{UIPort: -1})
	fake := fakeoai.New(modelRoles)
	defer fake.Close()
	if err := s.StartWorkers([]workers.Pool{workers.CPU, workers.LLM}, &activities.Models{BaseURL: fake.URL()}, "", nil, 0, nil); err != nil {
		t.Fatal(err)
	}
	m := workflows.ModelConfig{Provider: "openai", Model: "fake"}
	in := workflows.SynthInput{Domain: "gen-airline", Count: 6, Seed: 5, Concurrency: 4, MaxCandidates: 20,
		Roles: workflows.SynthRoles{Planner: m, User: m, Agent: m, Checker: m, Judge: m}}
	res, err := runSynth(t, s, "synth-model-roles", in)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("accepted %d of %d; reasons %v; tokens %v", res.Instances, res.Stats.Candidates, res.Stats.Reasons, res.Stats.Tokens)
	if res.Instances < 4 {
		t.Fatalf("accepted %d", res.Instances)
	}
	for _, role := range []string{"planner", "checker", "judge", "dialogue"} {
		if res.Stats.Tokens[role] == 0 {
			t.Errorf("no tokens counted for %s", role)
		}
	}
	recheck(t, s, res, domains.Spec{Name: "gen-airline", Seed: 5})
}
