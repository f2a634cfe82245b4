package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/eigendata/eigendata/llm"
	"github.com/eigendata/eigendata/llm/prompts"
	"github.com/eigendata/eigendata/llm/roles"
	"github.com/eigendata/eigendata/workflows"
)

// Evolve holds the self-evolution activities.
type Evolve struct {
	Blob   Store
	Models *Models
}

func (a *Evolve) registry() prompts.Registry { return prompts.Registry{Store: a.Blob} }

// EvolveGather reads the incumbent version and the statistics of the
// synthesis runs to study (the given ones, or the latest of the domain).
func (a *Evolve) EvolveGather(ctx context.Context, in workflows.EvolveInput) (workflows.EvolveGatherOutput, error) {
	v, _, err := a.registry().Active(ctx, prompts.Builtin())
	if err != nil {
		return workflows.EvolveGatherOutput{}, err
	}
	out := workflows.EvolveGatherOutput{Incumbent: v, Stats: workflows.SynthStats{Reasons: map[string]int{}, StagePassed: map[string]int{}, Tokens: map[string]int{}}}
	var manifests []Manifest
	if len(in.Runs) > 0 {
		for _, id := range in.Runs {
			var m Manifest
			if err := getJSON(ctx, a.Blob, "runs/"+id+"/manifest.json", &m); err != nil {
				return out, workflows.InvalidInput("runs", "run %s: %v", id, err)
			}
			manifests = append(manifests, m)
		}
	} else {
		keys, err := a.Blob.List(ctx, "runs/")
		if err != nil {
			return out, err
		}
		for _, k := range keys {
			if !strings.HasSuffix(k, "/manifest.json") || strings.Count(k, "/") != 2 {
				continue
			}
			var m Manifest
			if getJSON(ctx, a.Blob, k, &m) == nil && m.Input.Domain == in.Domain {
				manifests = append(manifests, m)
			}
		}
		sort.Slice(manifests, func(i, j int) bool { return manifests[i].Created.After(manifests[j].Created) })
		if len(manifests) > in.Recent {
			manifests = manifests[:in.Recent]
		}
	}
	for _, m := range manifests {
		out.Runs = append(out.Runs, m.RunID)
		st := m.Stats
		out.Stats.Candidates += st.Candidates
		out.Stats.Accepted += st.Accepted
		for k, n := range st.Reasons {
			out.Stats.Reasons[k] += n
		}
		for k, n := range st.StagePassed {
			out.Stats.StagePassed[k] += n
		}
		for k, n := range st.Tokens {
			out.Stats.Tokens[k] += n
		}
		for _, e := range st.Examples {
			if len(out.Examples) < workflows.MaxExamples {
				out.Examples = append(out.Examples, e)
			}
		}
	}
	return out, nil
}

// edit is one rule of the offline evolver: when the dominant reject reason
// matches, it changes the bundle.
type edit struct {
	match     func(reason string) bool
	describe  string
	rationale string
	apply     func(b *prompts.Bundle) bool // false when it changes nothing
}

var offlineEdits = []edit{
	{
		match:     func(r string) bool { return r == "dialogue.not_authenticated" || r == "verify.state_mismatch" },
		describe:  "user prompt: add the directive to give the user id or email when asked",
		rationale: "dialogues end without the user identifying themselves, so the assistant cannot act",
		apply: func(b *prompts.Bundle) bool {
			if strings.Contains(b.Prompts["user"], prompts.RevealDirective) {
				return false
			}
			b.Prompts["user"] = strings.TrimSpace(b.Prompts["user"]) + "\n" + prompts.RevealDirective
			return true
		},
	},
	{
		match:     func(r string) bool { return r == "dialogue.max_steps" },
		describe:  "settings: raise max_steps by half",
		rationale: "dialogues run out of steps before the task is done",
		apply: func(b *prompts.Bundle) bool {
			b.Settings.MaxSteps += max(b.Settings.MaxSteps/2, 10)
			return true
		},
	},
	{
		match:     func(r string) bool { return strings.HasPrefix(r, "judge.") },
		describe:  "agent prompt: insist on explicit confirmation before every write",
		rationale: "the judge rejects dialogues for the rubric item named in the reason",
		apply: func(b *prompts.Bundle) bool {
			const line = "Before every change, restate it and wait for the user's explicit yes."
			if strings.Contains(b.Prompts["agent"], line) {
				return false
			}
			b.Prompts["agent"] = strings.TrimSpace(b.Prompts["agent"]) + "\n" + line
			return true
		},
	},
	{
		match:     func(string) bool { return true },
		describe:  "settings: planner temperature +0.1",
		rationale: "more diverse scenarios when no specific failure dominates",
		apply: func(b *prompts.Bundle) bool {
			b.Settings.Temperatures["planner"] = float32(math.Min(1.5, float64(b.Settings.Temperatures["planner"])+0.1))
			return true
		},
	},
}

// EvolvePropose asks the evolver for K candidates. The offline evolver
// (a baseline) applies rule-based edits keyed on the reject reasons, most
// frequent first; each candidate is stored in the registry, not activated.
func (a *Evolve) EvolvePropose(ctx context.Context, in workflows.EvolveProposeInput) ([]workflows.Candidate, error) {
	inc, err := a.registry().Get(ctx, in.Gather.Incumbent)
	if err != nil {
		return nil, err
	}
	if in.Evolver.Provider == "openai" {
		return a.proposeWithModel(ctx, in, inc)
	}
	type rc struct {
		code string
		n    int
	}
	var reasons []rc
	for c, n := range in.Gather.Stats.Reasons {
		if c != "surplus" && c != "dedup.near_duplicate" {
			reasons = append(reasons, rc{c, n})
		}
	}
	sort.Slice(reasons, func(i, j int) bool {
		return reasons[i].n > reasons[j].n || reasons[i].n == reasons[j].n && reasons[i].code < reasons[j].code
	})
	var out []workflows.Candidate
	used := map[int]bool{}
	try := func(reason string, n int) {
		for i, e := range offlineEdits {
			if used[i] || !e.match(reason) || len(out) >= in.K {
				continue
			}
			b := inc.Clone()
			if !e.apply(&b) {
				continue
			}
			used[i] = true
			b.Parent, b.Edit = in.Gather.Incumbent, e.describe
			b.Rationale = e.rationale
			if reason != "" {
				b.Rationale = fmt.Sprintf("dominant reject %s (%d of %d candidates): %s", reason, n, in.Gather.Stats.Candidates, e.rationale)
			}
			v, err := a.registry().Put(ctx, b)
			if err == nil {
				out = append(out, workflows.Candidate{Version: v, Edit: b.Edit, Rationale: b.Rationale})
			}
			return
		}
	}
	for _, r := range reasons {
		try(r.code, r.n)
	}
	for len(out) < in.K {
		before := len(out)
		try("", 0)
		if len(out) == before {
			break
		}
	}
	return out, nil
}

// FisherGreater is the one-sided Fisher exact test p-value that the
// success rate a/n1 exceeds c/n2.
func FisherGreater(a, n1, c, n2 int) float64 {
	k, n := a+c, n1+n2
	lc := func(n, k int) float64 {
		if k < 0 || k > n {
			return math.Inf(-1)
		}
		x, _ := math.Lgamma(float64(n + 1))
		y, _ := math.Lgamma(float64(k + 1))
		z, _ := math.Lgamma(float64(n - k + 1))
		return x - y - z
	}
	total := lc(n, n1)
	p := 0.0
	for x := a; x <= min(k, n1); x++ {
		p += math.Exp(lc(k, x) + lc(n-k, n1-x) - total)
	}
	return math.Min(1, p)
}

func rate(num, den int) float64 {
	if den == 0 {
		return 0
	}
	return float64(num) / float64(den)
}

// quality is a pilot's checker and judge pass rates.
func quality(p workflows.PilotScore) (checker, judge float64) {
	sp := p.Stats.StagePassed
	return rate(sp["verify"], sp["checker"]), rate(sp["judge"], sp["verify"])
}

// Lineage records one evolution cycle (runs/<evolve-id>/lineage.json).
type Lineage struct {
	Incumbent  string                 `json:"incumbent"`
	Candidates []LineageEntry         `json:"candidates"`
	Result     workflows.EvolveResult `json:"result"`
}

// LineageEntry is one candidate with its scores.
type LineageEntry struct {
	workflows.Candidate
	Parent   string  `json:"parent"`
	Accepted int     `json:"accepted"`
	Tried    int     `json:"tried"`
	PValue   float64 `json:"p_value"`
	Checker  float64 `json:"checker_pass_rate"`
	Judge    float64 `json:"judge_pass_rate"`
	Tokens   int     `json:"tokens"`
	// Yield is accepted instances per 1k tokens (0 when no model was called).
	Yield  float64 `json:"yield_per_1k_tokens"`
	Failed string  `json:"failed,omitempty"`
}

func yieldPer1k(p workflows.PilotScore) float64 {
	if p.Tokens == 0 {
		return 0
	}
	return 1000 * float64(p.Accepted) / float64(p.Tokens)
}

// EvolveDecide compares each candidate's pilot with the incumbent's:
// promotion needs a one-sided Fisher exact p-value below alpha on the
// acceptance rate and checker and judge pass rates no more than 5 points
// below the incumbent's. The best such candidate is activated (unless dry
// run); the lineage and a report are written under runs/<evolve-id>/.
func (a *Evolve) EvolveDecide(ctx context.Context, d workflows.EvolveDecideInput) (workflows.EvolveResult, error) {
	res := workflows.EvolveResult{Incumbent: d.Gather.Incumbent, PValues: map[string]float64{}}
	inc := d.Incumbent
	incC, incJ := quality(inc)
	lin := Lineage{Incumbent: d.Gather.Incumbent}
	best, bestRate := "", rate(inc.Accepted, inc.Candidates)
	for i, p := range d.Pilots {
		pv := FisherGreater(p.Accepted, p.Candidates, inc.Accepted, inc.Candidates)
		if p.Failed != "" {
			pv = 1
		}
		res.PValues[p.Version] = pv
		c, j := quality(p)
		lin.Candidates = append(lin.Candidates, LineageEntry{Candidate: d.Candidates[i], Parent: d.Gather.Incumbent, Accepted: p.Accepted,
			Tried: p.Candidates, PValue: pv, Checker: c, Judge: j, Tokens: p.Tokens, Yield: yieldPer1k(p), Failed: p.Failed})
		okQuality := (incC == 0 || c >= incC-0.05) && (incJ == 0 || j >= incJ-0.05)
		if r := rate(p.Accepted, p.Candidates); pv < d.Input.Alpha && okQuality && r > bestRate {
			best, bestRate = p.Version, r
		}
	}
	switch {
	case best == "":
		res.Reason = fmt.Sprintf("no candidate beat the incumbent (acceptance %d/%d) at alpha %.2f", inc.Accepted, inc.Candidates, d.Input.Alpha)
	case d.Input.DryRun:
		res.Reason = "dry run: " + best + " would be promoted"
	default:
		if err := a.registry().Activate(ctx, best); err != nil {
			return res, err
		}
		res.Promoted = best
		res.Reason = fmt.Sprintf("promoted %s: acceptance %.0f%% vs %.0f%%, p = %.3g", best, 100*bestRate, 100*rate(inc.Accepted, inc.Candidates), res.PValues[best])
	}
	lin.Result = res
	prefix := "runs/" + d.RunID + "/"
	res.ReportKey = prefix + "report.md"
	if err := putJSON(ctx, a.Blob, prefix+"lineage.json", lin); err != nil {
		return res, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Evolution %s\n\n- domain: `%s`; studied runs: %s\n- incumbent: `%s`, pilot acceptance %d/%d\n- decision: %s\n\n",
		d.RunID, d.Input.Domain, strings.Join(d.Gather.Runs, ", "), d.Gather.Incumbent, inc.Accepted, inc.Candidates, res.Reason)
	fmt.Fprintf(&b, "Incumbent pilot: yield %.2f accepted per 1k tokens (%d tokens), checker pass %.2f, judge pass %.2f.\n\n", yieldPer1k(inc), inc.Tokens, incC, incJ)
	b.WriteString("| candidate | edit | accepted | yield /1k tokens | p (Fisher, one-sided) | checker pass | judge pass |\n|---|---|---|---|---|---|---|\n")
	for _, e := range lin.Candidates {
		fmt.Fprintf(&b, "| `%s` | %s | %d/%d | %.2f | %.3g | %.2f | %.2f |\n", e.Version, e.Edit, e.Accepted, e.Tried, e.Yield, e.PValue, e.Checker, e.Judge)
	}
	b.WriteString("\nReject reasons studied:\n\n")
	reasons := make([]string, 0, len(d.Gather.Stats.Reasons))
	for k := range d.Gather.Stats.Reasons {
		reasons = append(reasons, k)
	}
	sort.Slice(reasons, func(i, j int) bool {
		ri, rj := d.Gather.Stats.Reasons[reasons[i]], d.Gather.Stats.Reasons[reasons[j]]
		return ri > rj || ri == rj && reasons[i] < reasons[j]
	})
	for _, k := range reasons {
		fmt.Fprintf(&b, "- `%s`: %d\n", k, d.Gather.Stats.Reasons[k])
	}
	if err := a.Blob.Put(ctx, res.ReportKey, []byte(b.String()), "text/markdown"); err != nil {
		return res, err
	}
	return res, nil
}

// modelEdit is the evolver model's answer.
type modelEdit struct {
	Target    string          `json:"target"`
	Value     json.RawMessage `json:"value"`
	Rationale string          `json:"rationale"`
}

// apply changes b as e says: "prompt:<role>" replaces a role prompt;
// "setting:<name>" sets judge_strictness, max_steps, retries, concurrency,
// "temperature:<role>" or "stage:<name>".
func (e modelEdit) apply(b *prompts.Bundle) error {
	kind, name, _ := strings.Cut(e.Target, ":")
	switch kind {
	case "prompt":
		var text string
		if err := json.Unmarshal(e.Value, &text); err != nil || strings.TrimSpace(text) == "" {
			return fmt.Errorf("prompt edit needs a non-empty string value")
		}
		if _, ok := b.Prompts[name]; !ok {
			return fmt.Errorf("unknown role %q", name)
		}
		b.Prompts[name] = text
		return nil
	case "setting":
		var num float64
		var flag bool
		sub, arg, _ := strings.Cut(name, ":")
		switch sub {
		case "judge_strictness", "max_steps", "retries", "concurrency", "temperature":
			if err := json.Unmarshal(e.Value, &num); err != nil {
				return fmt.Errorf("setting %s needs a number", name)
			}
		case "stage":
			if err := json.Unmarshal(e.Value, &flag); err != nil {
				return fmt.Errorf("setting %s needs a boolean", name)
			}
		}
		switch sub {
		case "judge_strictness":
			b.Settings.JudgeStrictness = math.Max(0, math.Min(1, num))
		case "max_steps":
			b.Settings.MaxSteps = int(math.Max(5, num))
		case "retries":
			b.Settings.Retries = int(math.Max(0, num))
		case "concurrency":
			b.Settings.Concurrency = int(math.Max(1, num))
		case "temperature":
			b.Settings.Temperatures[arg] = float32(math.Max(0, math.Min(2, num)))
		case "stage":
			b.Settings.Stages[arg] = flag
		default:
			return fmt.Errorf("unknown setting %q", name)
		}
		return nil
	}
	return fmt.Errorf("unknown target %q", e.Target)
}

// proposeWithModel asks the evolver model for K edits, one at a time, each
// after reflecting on the reject histogram, concrete failed examples, the
// incumbent's prompts and settings, and the edits already proposed.
func (a *Evolve) proposeWithModel(ctx context.Context, in workflows.EvolveProposeInput, inc prompts.Bundle) ([]workflows.Candidate, error) {
	if a.Models == nil {
		return nil, workflows.InvalidInput("evolver", "no model endpoints configured on this worker")
	}
	chat, err := a.Models.Chat(in.Evolver)
	if err != nil {
		return nil, workflows.InvalidInput("evolver", "%v", err)
	}
	current, _ := json.MarshalIndent(map[string]any{"prompts": inc.Prompts, "settings": inc.Settings}, "", " ")
	stats, _ := json.MarshalIndent(map[string]any{"candidates": in.Gather.Stats.Candidates, "accepted": in.Gather.Stats.Accepted,
		"stage_passed": in.Gather.Stats.StagePassed, "reject_reasons": in.Gather.Stats.Reasons}, "", " ")
	// The input's temperature, else the incumbent version's for the evolver.
	temperature := in.Evolver.Temperature
	if temperature == 0 {
		temperature = inc.Settings.Temperatures["evolver"]
	}
	var out []workflows.Candidate
	var tried []string
	for k := 0; k < in.K; k++ {
		msg := fmt.Sprintf("Current prompts and settings:\n%s\n\nStatistics of recent runs:\n%s\n\nFailed examples:\n- %s\n\nEdits already proposed: %v\n\n"+
			`Propose one different edit. Answer with JSON {"target": "prompt:<role>" or "setting:<name>", "value": ..., "rationale": ...}.`,
			current, stats, strings.Join(in.Gather.Examples, "\n- "), tried)
		resp, err := chat.Complete(ctx, llm.Request{Model: in.Evolver.Model, Temperature: temperature, Seed: in.Evolver.Seed,
			MaxTokens: in.Evolver.MaxTokens, Messages: []goopenai.ChatCompletionMessage{{Role: "system", Content: inc.Prompts["evolver"]}, {Role: "user", Content: msg}},
			ResponseFormat: editSchema(inc)})
		if err != nil {
			return out, err
		}
		var e modelEdit
		m := jsonObject.FindString(resp.Message.Content)
		if m == "" || json.Unmarshal([]byte(m), &e) != nil {
			tried = append(tried, "(malformed answer)")
			continue
		}
		b := inc.Clone()
		if err := e.apply(&b); err != nil {
			tried = append(tried, e.Target+" (rejected: "+err.Error()+")")
			continue
		}
		b.Parent, b.Edit, b.Rationale = in.Gather.Incumbent, "evolver: "+e.Target, e.Rationale
		v, err := a.registry().Put(ctx, b)
		if err != nil {
			return out, err
		}
		tried = append(tried, e.Target)
		out = append(out, workflows.Candidate{Version: v, Edit: b.Edit, Rationale: e.Rationale})
	}
	return out, nil
}

var jsonObject = regexp.MustCompile("(?s)\\{.*\\}")

// editSchema is the structured-output shape of an evolver's answer: a
// target among the bundle's prompts and settings, a value and a rationale
// (servers with grammar support then sample only edits that name a real
// target; apply still checks the value).
func editSchema(b prompts.Bundle) *goopenai.ChatCompletionResponseFormat {
	var targets []string
	for _, r := range prompts.Roles {
		if _, ok := b.Prompts[r]; ok {
			targets = append(targets, "prompt:"+r)
		}
	}
	targets = append(targets, "setting:judge_strictness", "setting:max_steps", "setting:retries", "setting:concurrency")
	for _, r := range prompts.Roles {
		targets = append(targets, "setting:temperature:"+r)
	}
	for _, st := range []string{"judge"} {
		targets = append(targets, "setting:stage:"+st)
	}
	return roles.JSONSchema("evolver_edit", map[string]any{"type": "object", "properties": map[string]any{
		"target":    map[string]any{"type": "string", "enum": targets},
		"value":     map[string]any{"type": []string{"string", "number", "boolean"}},
		"rationale": map[string]any{"type": "string", "maxLength": 200},
	}, "required": []string{"target", "value", "rationale"}, "additionalProperties": false})
}
