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
	"slices"
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
	// Retries is how many more times a malformed answer is asked for (the
	// prompt version's Settings.Retries), with the parse error shown to
	// the model; 0 asks once.
	Retries int
}

func (m Model) ask(ctx context.Context, system, user string) (string, int, error) {
	resp, err := m.Chat.Complete(ctx, llm.Request{Model: m.Sampling.Model, Temperature: m.Sampling.Temperature, Seed: m.Sampling.Seed,
		MaxTokens: m.Sampling.MaxTokens, Messages: []goopenai.ChatCompletionMessage{{Role: "system", Content: system}, {Role: "user", Content: user}}})
	if err != nil {
		return "", 0, err
	}
	return resp.Message.Content, resp.Usage.TotalTokens, nil
}

// askParsed asks until parse accepts the answer: a malformed answer
// (parse returns an error wrapping ErrMalformed) is shown back to the model
// with the error and asked for again, up to Retries times. format, when
// set, asks the server for structured output (servers with grammar support
// then only sample answers of that shape). It returns the tokens of all
// attempts and the last parse error.
func (m Model) askParsed(ctx context.Context, system, user string, format *goopenai.ChatCompletionResponseFormat, parse func(answer string) error) (int, error) {
	msgs := []goopenai.ChatCompletionMessage{{Role: "system", Content: system}, {Role: "user", Content: user}}
	tokens := 0
	for attempt := 0; ; attempt++ {
		resp, err := m.Chat.Complete(ctx, llm.Request{Model: m.Sampling.Model, Temperature: m.Sampling.Temperature, Seed: m.Sampling.Seed,
			MaxTokens: m.Sampling.MaxTokens, Messages: msgs, ResponseFormat: format})
		if err != nil {
			return tokens, err
		}
		tokens += resp.Usage.TotalTokens
		perr := parse(resp.Message.Content)
		if perr == nil || !errors.Is(perr, ErrMalformed) || attempt >= m.Retries {
			return tokens, perr
		}
		msgs = append(msgs, goopenai.ChatCompletionMessage{Role: "assistant", Content: resp.Message.Content},
			goopenai.ChatCompletionMessage{Role: "user", Content: "That answer could not be used: " + perr.Error() + ". Answer again, in the requested format only."})
	}
}

// JSONSchema is a structured-output request for answers matching schema.
func JSONSchema(name string, schema map[string]any) *goopenai.ChatCompletionResponseFormat {
	b, _ := json.Marshal(schema)
	return &goopenai.ChatCompletionResponseFormat{Type: goopenai.ChatCompletionResponseFormatTypeJSONSchema,
		JSONSchema: &goopenai.ChatCompletionResponseFormatJSONSchema{Name: name, Schema: json.RawMessage(b)}}
}

var jsonBlock = regexp.MustCompile("(?s)\\{.*\\}")

func parseJSON(answer string, v any) error {
	m := jsonBlock.FindString(answer)
	if m == "" || json.Unmarshal([]byte(m), v) != nil {
		return fmt.Errorf("%w: %.200q", ErrMalformed, answer)
	}
	return nil
}

// Candidate is a grounded entity offered to the planner: a user and one of
// their records (a reservation, an order, a telecom line).
type Candidate struct {
	UserID   string `json:"user_id"`
	EntityID string `json:"entity_id"`
	Record   any    `json:"record"`
}

// PlanPrompt renders the planner's request: the domain policy, the intents
// to choose from (the domain's intent kinds, which the planner derives
// from its write tools) and a sample of real entities with their records.
func PlanPrompt(dom *envs.Domain, intents []string, cands []Candidate) string {
	b, _ := json.MarshalIndent(cands, "", " ")
	return fmt.Sprintf("Domain policy:\n%s\n\nIntents: %s\n\nCandidates (pick one user; up to %d intents on their records):\n%s\n\nAnswer with JSON: "+
		`{"user_id", "entity_id", "intent", "intents": [{"intent", "entity_id"}] (optional further intents), "reason_for_call", "task_instructions"}.`,
		dom.NewEnv().Policy(), strings.Join(intents, ", "), synthesis.MaxIntents, b)
}

// Plan asks the model for a scenario among k sampled candidates and grounds
// it with the domain's planner (synthesis.Planner.PlanFor): the model picks
// a user and 1-3 intents on their records, the policy decides what is
// allowed, and the known info (exact ids) stays the rule's. A malformed
// answer is asked for again up to m.Retries times.
func Plan(ctx context.Context, m Model, prompt string, p *synthesis.Planner, seed int64, k int) (synthesis.Scenario, int, error) {
	dom := p.Domain()
	pairs := p.EntityPairs()
	r := rand.New(rand.NewPCG(uint64(seed), 0x91a))
	env := dom.NewEnv()
	var cands []Candidate
	for i := 0; i < k && len(pairs) > 0; i++ {
		pr := pairs[r.IntN(len(pairs))]
		view := synthesis.View(env, synthesis.Scenario{Family: p.Family(), UserID: pr[0]})
		var rec any
		for _, t := range []string{"reservations", "orders", "lines"} {
			if recs, ok := view[t].(map[string]any); ok && recs[pr[1]] != nil {
				rec = recs[pr[1]]
			}
		}
		cands = append(cands, Candidate{UserID: pr[0], EntityID: pr[1], Record: rec})
	}
	var out struct {
		UserID           string           `json:"user_id"`
		EntityID         string           `json:"entity_id"`
		Intent           string           `json:"intent"`
		Intents          []synthesis.Wish `json:"intents"`
		ReasonForCall    string           `json:"reason_for_call"`
		TaskInstructions string           `json:"task_instructions"`
	}
	tokens, err := m.askParsed(ctx, prompt, PlanPrompt(dom, p.KindNames(), cands), PlanSchema(cands, p.KindNames()), func(answer string) error {
		out.UserID, out.EntityID, out.Intent, out.Intents, out.ReasonForCall, out.TaskInstructions = "", "", "", nil, "", ""
		if err := parseJSON(answer, &out); err != nil {
			return err
		}
		if out.UserID == "" || out.Intent == "" {
			return fmt.Errorf("%w: the answer names no user_id or intent: %.200q", ErrMalformed, answer)
		}
		return nil
	})
	if err != nil {
		return synthesis.Scenario{}, tokens, err
	}
	wishes := append([]synthesis.Wish{{Kind: out.Intent, Target: out.EntityID}}, out.Intents...)
	sc, err := p.PlanFor(seed, out.UserID, wishes)
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

// PlanSchema is the structured-output shape of the planner's answer: one
// of the candidates shown (its user and entity together), intents among
// the domain's kinds, at most MaxIntents-1 further intents on that user's
// entities. A server with grammar support then only samples grounded
// choices; PlanFor still checks them.
func PlanSchema(cands []Candidate, kinds []string) *goopenai.ChatCompletionResponseFormat {
	enum := func(vals []string) map[string]any {
		if len(vals) == 0 {
			return map[string]any{"type": "string"}
		}
		return map[string]any{"type": "string", "enum": vals}
	}
	entitiesOf := map[string][]string{}
	var users []string
	for _, c := range cands {
		if !slices.Contains(users, c.UserID) {
			users = append(users, c.UserID)
		}
		if !slices.Contains(entitiesOf[c.UserID], c.EntityID) {
			entitiesOf[c.UserID] = append(entitiesOf[c.UserID], c.EntityID)
		}
	}
	plan := func(user string, entity any, entities []string) map[string]any {
		return map[string]any{"type": "object", "properties": map[string]any{
			"user_id":   map[string]any{"const": user},
			"entity_id": entity,
			"intent":    enum(kinds),
			"intents": map[string]any{"type": "array", "maxItems": synthesis.MaxIntents - 1, "items": map[string]any{
				"type": "object", "properties": map[string]any{"intent": enum(kinds), "entity_id": enum(entities)},
				"required": []string{"intent", "entity_id"}, "additionalProperties": false}},
			// Bounded, so that a model that rambles still closes the
			// object within its token budget.
			"reason_for_call":   map[string]any{"type": "string", "maxLength": 160},
			"task_instructions": map[string]any{"type": "string", "maxLength": 240},
		}, "required": []string{"user_id", "entity_id", "intent", "intents", "reason_for_call", "task_instructions"}, "additionalProperties": false}
	}
	var alts []any
	for _, u := range users {
		alts = append(alts, plan(u, enum(entitiesOf[u]), entitiesOf[u]))
	}
	if len(alts) == 0 {
		return JSONSchema("scenario_plan", plan("", map[string]any{"type": "string"}, nil))
	}
	if len(alts) == 1 {
		return JSONSchema("scenario_plan", alts[0].(map[string]any))
	}
	return JSONSchema("scenario_plan", map[string]any{"oneOf": alts})
}

// CheckerRequest is what the checker writer is shown: the scenario (its
// intents, each allowed, refused or transferred), the gold state and its
// changes, and what the dialogue must show: the refusals (naming what
// Refusals lists; "" is any refusal), a transfer, the information to
// communicate.
type CheckerRequest struct {
	Scenario synthesis.Scenario `json:"scenario"`
	Refusal  bool               `json:"refusal"`
	Refusals []string           `json:"refusals,omitempty"`
	Transfer bool               `json:"transfer,omitempty"`
	GoldView map[string]any     `json:"gold_state"`
	Diff     []synthesis.Change `json:"gold_diff"`
	// Assertions are the env assertions the outcome satisfies; the state
	// shows their values under "assertions" (telecom).
	Assertions  []envs.EnvAssertion `json:"env_assertions,omitempty"`
	Communicate []string            `json:"communicate_info"`
	Builtins    []string            `json:"builtins"`
}

// NewCheckerRequest is the checker writer's request for a scenario, its
// gold plan and the gold state's view and changes.
func NewCheckerRequest(sc synthesis.Scenario, bp synthesis.Blueprint, goldView map[string]any, diff []synthesis.Change) CheckerRequest {
	req := CheckerRequest{Scenario: sc, Refusal: bp.Refusal, GoldView: goldView, Diff: diff, Assertions: bp.Assertions, Communicate: bp.Communicate}
	if bp.Refusal {
		req.Refusals = synthesis.RefusalTargets(sc)
	}
	for _, in := range sc.Intents {
		req.Transfer = req.Transfer || in.Transfer
	}
	return req
}

var codeBlock = regexp.MustCompile("(?s)```(?:python|starlark|star)?\\s*\\n(.*?)```")

// WriteChecker asks the model for the checker program.
func WriteChecker(ctx context.Context, m Model, prompt string, req CheckerRequest) (string, int, error) {
	req.Builtins = []string{"json.encode", "json.decode", "contains(haystack, needle) (case- and comma-insensitive)", "find(list, key, value)", "lower(s)"}
	b, _ := json.MarshalIndent(req, "", " ")
	src := ""
	tokens, err := m.askParsed(ctx, prompt, "Write check(state, transcript) for this instance. state has the shape of gold_state; "+
		"transcript is a list of {role, content, tool_calls}. Answer with one ```python code block.\n\n"+string(b), nil,
		func(answer string) error {
			src = ""
			if mm := codeBlock.FindStringSubmatch(answer); mm != nil {
				src = mm[1]
			} else if strings.Contains(answer, "def check(") {
				src = answer
			}
			switch {
			case strings.TrimSpace(answer) == "":
				return fmt.Errorf("%w: empty answer", ErrMalformed)
			case src == "":
				return fmt.Errorf("%w: no code block: %.200q", ErrMalformed, answer)
			case !strings.Contains(src, "def check("):
				return fmt.Errorf("%w: the code defines no check(state, transcript)", ErrMalformed)
			}
			return nil
		})
	if err != nil {
		return "", tokens, err
	}
	return src, tokens, nil
}

// Judge asks the model to review a dialogue against the rubric.
func Judge(ctx context.Context, m Model, prompt string, sc synthesis.Scenario, msgs []envs.Message, strictness float64) (synthesis.JudgeVerdict, int, error) {
	b, _ := json.MarshalIndent(synthesis.Transcript(msgs), "", " ")
	var v synthesis.JudgeVerdict
	tokens, err := m.askParsed(ctx, prompt, fmt.Sprintf("Rubric items: %s.\nScenario: %s\nDialogue:\n%s\n\nAnswer with JSON: "+
		`{"scores": {item: 0..1}, "pass": bool, "reason": string}.`, strings.Join(synthesis.Rubric, ", "), sc.Instructions.String(), b),
		JudgeSchema(), func(answer string) error {
			v = synthesis.JudgeVerdict{}
			if err := parseJSON(answer, &v); err != nil {
				return err
			}
			for _, item := range synthesis.Rubric {
				s, ok := v.Scores[item]
				if !ok {
					return fmt.Errorf("%w: no score for %s", ErrMalformed, item)
				}
				if s < 0 || s > 1 {
					return fmt.Errorf("%w: score %g for %s is outside [0, 1]", ErrMalformed, s, item)
				}
			}
			return nil
		})
	if err != nil {
		return v, tokens, err
	}
	for _, item := range synthesis.Rubric {
		if v.Scores[item] < strictness && v.Failed == "" {
			v.Pass, v.Failed = false, item
		}
	}
	if !v.Pass && v.Failed == "" {
		v.Failed = "overall"
	}
	return v, tokens, nil
}

// JudgeSchema is the structured-output shape of the judge's answer: a
// score for every rubric item, the overall verdict and a reason.
func JudgeSchema() *goopenai.ChatCompletionResponseFormat {
	scores := map[string]any{}
	for _, item := range synthesis.Rubric {
		scores[item] = map[string]any{"type": "number", "enum": []float64{0, 0.25, 0.5, 0.75, 1}}
	}
	return JSONSchema("judge_verdict", map[string]any{"type": "object", "properties": map[string]any{
		"scores": map[string]any{"type": "object", "properties": scores, "required": synthesis.Rubric, "additionalProperties": false},
		"pass":   map[string]any{"type": "boolean"},
		"reason": map[string]any{"type": "string", "maxLength": 160},
	}, "required": []string{"scores", "pass", "reason"}, "additionalProperties": false})
}
