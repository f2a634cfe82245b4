// Package roles are the model-backed synthesis roles: the scenario
// planner, the checker writer and the judge, each a prompt (from the
// active prompt version) plus a strict parser of the model's answer into
// the same types the rule-based baselines of envs/synthesis produce. What
// a model proposes is grounded and checked by code afterwards: the planner
// only picks among real entities, the policy decides what is allowed, and
// the verifier tests every checker.
package roles

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/synthesis"
	"github.com/eigendata/eigendata/llm"
)

// ErrMalformed means the model's answer could not be parsed.
var ErrMalformed = errors.New("malformed model answer")

// Model is a chat client with its sampling settings.
type Model struct {
	Chat     llm.Chat
	Sampling llm.Sampling
}

func (m Model) ask(ctx context.Context, system, user string) (string, int, error) {
	resp, err := m.Chat.Complete(ctx, llm.Request{Model: m.Sampling.Model, Temperature: m.Sampling.Temperature, Seed: m.Sampling.Seed,
		Messages: []goopenai.ChatCompletionMessage{{Role: "system", Content: system}, {Role: "user", Content: user}}})
	if err != nil {
		return "", 0, err
	}
	return resp.Message.Content, resp.Usage.TotalTokens, nil
}

var jsonBlock = regexp.MustCompile("(?s)\\{.*\\}")

func parseJSON(answer string, v any) error {
	m := jsonBlock.FindString(answer)
	if m == "" || json.Unmarshal([]byte(m), v) != nil {
		return fmt.Errorf("%w: %.200q", ErrMalformed, answer)
	}
	return nil
}

// Candidate is a grounded entity offered to the planner.
type Candidate struct {
	UserID   string `json:"user_id"`
	EntityID string `json:"entity_id"`
	Record   any    `json:"record"`
}

// PlanPrompt renders the planner's request: the domain policy, a sample of
// real entities with their records, and the intents to choose from.
func PlanPrompt(dom *envs.Domain, family synthesis.Family, cands []Candidate) string {
	b, _ := json.MarshalIndent(cands, "", " ")
	return fmt.Sprintf("Domain policy:\n%s\n\nIntents: %s\n\nCandidates (pick one):\n%s\n\nAnswer with JSON: "+
		`{"user_id", "entity_id", "intent", "reason_for_call", "task_instructions"}.`,
		dom.NewEnv().Policy(), strings.Join(synthesis.Intents(family), ", "), b)
}

// Plan asks the model for a scenario among k sampled candidates and grounds
// it with synthesis.PlanFor; the known info (exact ids) stays the rule's.
func Plan(ctx context.Context, m Model, prompt string, dom *envs.Domain, pairs [][2]string, seed int64, k int) (synthesis.Scenario, int, error) {
	fam, err := synthesis.FamilyOf(dom)
	if err != nil {
		return synthesis.Scenario{}, 0, err
	}
	r := rand.New(rand.NewPCG(uint64(seed), 0x91a))
	env := dom.NewEnv()
	var cands []Candidate
	for i := 0; i < k && len(pairs) > 0; i++ {
		p := pairs[r.IntN(len(pairs))]
		view := synthesis.View(env, synthesis.Scenario{Family: fam, UserID: p[0]})
		var rec any
		for _, t := range []string{"reservations", "orders"} {
			if recs, ok := view[t].(map[string]any); ok && recs[p[1]] != nil {
				rec = recs[p[1]]
			}
		}
		cands = append(cands, Candidate{UserID: p[0], EntityID: p[1], Record: rec})
	}
	answer, tokens, err := m.ask(ctx, prompt, PlanPrompt(dom, fam, cands))
	if err != nil {
		return synthesis.Scenario{}, tokens, err
	}
	var out struct {
		UserID           string `json:"user_id"`
		EntityID         string `json:"entity_id"`
		Intent           string `json:"intent"`
		ReasonForCall    string `json:"reason_for_call"`
		TaskInstructions string `json:"task_instructions"`
	}
	if err := parseJSON(answer, &out); err != nil {
		return synthesis.Scenario{}, tokens, err
	}
	sc, err := synthesis.PlanFor(dom, seed, out.UserID, out.EntityID, out.Intent)
	if err != nil {
		return sc, tokens, fmt.Errorf("%w: %s/%s is not a grounded entity for %s", synthesis.ErrNoEntity, out.UserID, out.EntityID, out.Intent)
	}
	if out.ReasonForCall != "" {
		sc.Instructions.ReasonForCall = out.ReasonForCall
	}
	if out.TaskInstructions != "" {
		sc.Instructions.TaskInstructions = out.TaskInstructions
	}
	return sc, tokens, nil
}

// CheckerRequest is what the checker writer is shown.
type CheckerRequest struct {
	Scenario    synthesis.Scenario `json:"scenario"`
	Refusal     bool               `json:"refusal"`
	GoldView    map[string]any     `json:"gold_state"`
	Diff        []synthesis.Change `json:"gold_diff"`
	Communicate []string           `json:"communicate_info"`
	Builtins    []string           `json:"builtins"`
}

var codeBlock = regexp.MustCompile("(?s)```(?:python|starlark|star)?\\s*\\n(.*?)```")

// WriteChecker asks the model for the checker program.
func WriteChecker(ctx context.Context, m Model, prompt string, req CheckerRequest) (string, int, error) {
	req.Builtins = []string{"json.encode", "json.decode", "contains(haystack, needle) (case- and comma-insensitive)", "find(list, key, value)", "lower(s)"}
	b, _ := json.MarshalIndent(req, "", " ")
	answer, tokens, err := m.ask(ctx, prompt, "Write check(state, transcript) for this instance. state has the shape of gold_state; "+
		"transcript is a list of {role, content, tool_calls}. Answer with one ```python code block.\n\n"+string(b))
	if err != nil {
		return "", tokens, err
	}
	if mm := codeBlock.FindStringSubmatch(answer); mm != nil {
		return mm[1], tokens, nil
	}
	if strings.Contains(answer, "def check(") {
		return answer, tokens, nil
	}
	return "", tokens, fmt.Errorf("%w: no code block", ErrMalformed)
}

// Judge asks the model to review a dialogue against the rubric.
func Judge(ctx context.Context, m Model, prompt string, sc synthesis.Scenario, msgs []envs.Message, strictness float64) (synthesis.JudgeVerdict, int, error) {
	b, _ := json.MarshalIndent(synthesis.Transcript(msgs), "", " ")
	answer, tokens, err := m.ask(ctx, prompt, fmt.Sprintf("Rubric items: %s.\nScenario: %s\nDialogue:\n%s\n\nAnswer with JSON: "+
		`{"scores": {item: 0..1}, "pass": bool, "reason": string}.`, strings.Join(synthesis.Rubric, ", "), sc.Instructions.String(), b))
	if err != nil {
		return synthesis.JudgeVerdict{}, tokens, err
	}
	var v synthesis.JudgeVerdict
	if err := parseJSON(answer, &v); err != nil {
		return v, tokens, err
	}
	for _, item := range synthesis.Rubric {
		s, ok := v.Scores[item]
		if !ok {
			return v, tokens, fmt.Errorf("%w: no score for %s", ErrMalformed, item)
		}
		if s < strictness && v.Failed == "" {
			v.Pass, v.Failed = false, item
		}
	}
	if !v.Pass && v.Failed == "" {
		v.Failed = "overall"
	}
	return v, tokens, nil
}
