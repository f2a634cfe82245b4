// Package synthesis holds the pure logic of eigendata's synthesis engine,
// stage by stage, with no Temporal and no model calls: grounded scenario
// planning over a domain database (the rule-based planner baseline, which
// derives its intents from the domain's write tools and explores the
// database for feasible targets), gold blueprints executed on a fresh
// environment, the domain policy rules that are checkable as code,
// per-instance checker programs (the rule-based checker writer baseline),
// the verifier with mutated negatives, the rule-based judge baseline,
// near-duplicate signatures, coverage and the dataset export formats.
// Activities call it; model-backed roles produce the same types.
package synthesis

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/airline"
	"github.com/eigendata/eigendata/envs/retail"
	"github.com/eigendata/eigendata/envs/telecom"
)

// Family is the tool family of a domain: airline-, retail- or
// telecom-shaped (a generated domain shares the family of the tau2 domain
// whose tools it uses).
type Family string

// Families.
const (
	Airline Family = "airline"
	Retail  Family = "retail"
	Telecom Family = "telecom"
)

// FamilyOf returns the family of dom's database.
func FamilyOf(dom *envs.Domain) (Family, error) {
	switch dom.Initial.(type) {
	case *airline.DB:
		return Airline, nil
	case *retail.DB:
		return Retail, nil
	case *telecom.State:
		return Telecom, nil
	}
	return "", fmt.Errorf("synthesis: domain %s is not airline-, retail- or telecom-shaped", dom.Name)
}

// Intent is one request of a scenario: a write the user wants done (by the
// assistant, or by the user on their own device when the assistant guides
// them), on one target record, which the policy allows or forbids.
type Intent struct {
	// Kind names the request: the write tool it is about (airline,
	// retail) or the device issue it fixes (telecom).
	Kind string `json:"kind"`
	// Variant distinguishes ways of asking for the same kind (e.g. a
	// cabin upgrade or a date change for update_reservation_flights).
	Variant string `json:"variant,omitempty"`
	// Tool is the write tool the request is about: the one the gold plan
	// calls, or the one the policy forbids.
	Tool string `json:"tool"`
	// Target is the record the request acts on (reservation, order, user,
	// line, new booking).
	Target string `json:"target,omitempty"`
	// Mention is what a refusal of the request must name when several
	// requests are refused (the reservation or order id, the flight
	// number); empty: the target.
	Mention string `json:"mention,omitempty"`
	// Allowed is false when the policy forbids the request: the right
	// outcome is a refusal (or a transfer) and the state is left alone.
	Allowed bool `json:"allowed"`
	// Transfer is set when the policy says the request must go to a human
	// agent (transfer_to_human_agents), as tau2 does for unfixable issues.
	Transfer bool `json:"transfer,omitempty"`
	// Why explains the policy decision.
	Why string `json:"why"`
	// Reads are the read calls the assistant makes to check the request.
	Reads []envs.Action `json:"reads,omitempty"`
	// Writes are the gold writes of an allowed request, in order (with
	// their requestor: the user performs device actions), or the
	// forbidden writes a refused request asks for.
	Writes []envs.Action `json:"writes"`
	// Init sets the request's precondition up before the conversation
	// (telecom issues injected into the initial state).
	Init []envs.EnvFunctionCall `json:"init,omitempty"`
	// Assertions hold once the request is handled correctly.
	Assertions []envs.EnvAssertion `json:"assertions,omitempty"`
	// Communicate is what the assistant must tell the user.
	Communicate []string `json:"communicate_info,omitempty"`
	// Ask is the user's sentence asking for it (starts "You want ...").
	Ask string `json:"ask"`
	// Known is what the user knows about it (ids, amounts, addresses).
	Known string `json:"known,omitempty"`
}

// Subject is what the request is about, as the assistant names it.
func (in Intent) Subject() string {
	m := in.Mention
	if m == "" {
		m = in.Target
	}
	return humanTool(in.Tool) + " (" + m + ")"
}

// Label is the intent's name in coverage reports: its kind, marked when
// the right outcome is a refusal or a transfer.
func (in Intent) Label() string {
	switch {
	case in.Transfer:
		return in.Kind + "(transfer)"
	case !in.Allowed:
		return in.Kind + "(refused)"
	}
	return in.Kind
}

// Scenario is a planned instance: one user of the database and 1-3 intents
// on their records, each allowed or forbidden by the policy.
type Scenario struct {
	Domain string `json:"domain"`
	Family Family `json:"family"`
	Seed   int64  `json:"seed"`
	// UserID is the airline/retail user id, or the telecom customer id.
	UserID string `json:"user_id"`
	Email  string `json:"email,omitempty"`
	// Phone is the telecom line the user calls about (their phone).
	Phone   string   `json:"phone,omitempty"`
	Intents []Intent `json:"intents"`
	// Init is the task's initial state: the user's phone and the issues
	// injected into it (telecom); empty for airline and retail.
	Init []envs.EnvFunctionCall `json:"init,omitempty"`
	// Assertions are the task's env assertions (tau2's ENV_ASSERTION):
	// what the troubleshooting path needs, then each intent's own.
	Assertions []envs.EnvAssertion `json:"assertions,omitempty"`
	// Basis is the reward basis of the exported task.
	Basis []envs.RewardType `json:"reward_basis,omitempty"`
	// Allowed is false when some intent is refused (or transferred).
	Allowed      bool              `json:"allowed"`
	Instructions envs.Instructions `json:"instructions"`
}

// Identity is what the user states to authenticate (user id, email, phone
// number).
func (s Scenario) Identity() []string {
	var out []string
	for _, id := range []string{s.UserID, s.Email, s.Phone} {
		if id != "" {
			out = append(out, id)
		}
	}
	return out
}

// Kinds returns the intents' labels in order.
func (s Scenario) Kinds() []string {
	out := make([]string, len(s.Intents))
	for i, in := range s.Intents {
		out[i] = in.Label()
	}
	return out
}

// Refused returns the intents the policy forbids.
func (s Scenario) Refused() []Intent {
	var out []Intent
	for _, in := range s.Intents {
		if !in.Allowed {
			out = append(out, in)
		}
	}
	return out
}

// ErrNoEntity means the planner found nothing to ground the intent in.
var ErrNoEntity = fmt.Errorf("synthesis: no grounded entity for the intent")

// Blueprint is the gold plan: the tool calls of both sides (the user
// identified first, then each intent's reads and writes), what the
// assistant must tell the user, and whether some request must be refused.
type Blueprint struct {
	Actions     []envs.Action `json:"actions"`
	Communicate []string      `json:"communicate_info,omitempty"`
	Refusal     bool          `json:"refusal,omitempty"`
	// Assertions are the env assertions the outcome satisfies.
	Assertions []envs.EnvAssertion `json:"env_assertions,omitempty"`
}

// call builds a gold action.
func call(who envs.Requestor, name string, args map[string]any) envs.Action {
	if args == nil {
		args = map[string]any{}
	}
	b, _ := json.Marshal(args)
	return envs.Action{Name: name, Arguments: b, Requestor: who}
}

func sameCall(a, b envs.Action) bool {
	return a.Name == b.Name && a.Who() == b.Who() && jsonBytesEqual(a.Arguments, b.Arguments)
}

func jsonBytesEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return string(a) == string(b)
	}
	return jsonEqual(x, y)
}

// identification is the gold plan's first calls: how the assistant finds
// the user's record (tau2's policies: airline by user id, retail by email,
// telecom by phone number).
func identification(sc Scenario) []envs.Action {
	switch sc.Family {
	case Airline:
		return []envs.Action{call(envs.Assistant, "get_user_details", map[string]any{"user_id": sc.UserID})}
	case Retail:
		return []envs.Action{call(envs.Assistant, "find_user_id_by_email", map[string]any{"email": sc.Email}),
			call(envs.Assistant, "get_user_details", map[string]any{"user_id": sc.UserID})}
	case Telecom:
		return []envs.Action{call(envs.Assistant, "get_customer_by_phone", map[string]any{"phone_number": sc.Phone})}
	}
	return nil
}

// BlueprintFor derives the gold plan of a scenario: identification, then
// for each intent in order its reads (each read once) and, when allowed,
// its writes; a transfer intent ends with transfer_to_human_agents.
func BlueprintFor(sc Scenario) Blueprint {
	var acts []envs.Action
	add := func(a envs.Action) {
		a.Requestor = a.Who()
		a.ActionID = fmt.Sprintf("gold-%d", len(acts))
		acts = append(acts, a)
	}
	seen := func(a envs.Action) bool {
		return slices.ContainsFunc(acts, func(b envs.Action) bool { return sameCall(a, b) })
	}
	bp := Blueprint{Refusal: !sc.Allowed, Assertions: sc.Assertions}
	for _, a := range identification(sc) {
		add(a)
	}
	for _, in := range sc.Intents {
		for _, r := range in.Reads {
			if !seen(r) {
				add(r)
			}
		}
		if in.Transfer {
			t := call(envs.Assistant, "transfer_to_human_agents", map[string]any{"summary": "The customer's issue needs a human agent: " + in.Why + "."})
			t.CompareArgs = []string{}
			add(t)
			continue
		}
		if !in.Allowed {
			bp.Refusal = true
			continue
		}
		for _, w := range in.Writes {
			add(w)
		}
		bp.Communicate = append(bp.Communicate, in.Communicate...)
	}
	bp.Actions = acts
	return bp
}

// Closing is the assistant's final message for a plan: done, the
// information it must communicate, each refusal with its reason, or the
// transfer message tau2's policies prescribe.
func Closing(sc Scenario, bp Blueprint) string {
	for _, in := range sc.Intents {
		if in.Transfer {
			return "YOU ARE BEING TRANSFERRED TO A HUMAN AGENT. PLEASE HOLD ON."
		}
	}
	var parts []string
	allowed := 0
	for _, in := range sc.Intents {
		if in.Allowed {
			allowed++
		}
	}
	if allowed > 0 || len(sc.Intents) == 0 {
		parts = append(parts, "Your request has been completed.")
	}
	refused := sc.Refused()
	for _, in := range refused {
		s := "I'm sorry, but I cannot do that: " + in.Why + "."
		if len(refused) > 1 || allowed > 0 {
			s = fmt.Sprintf("I'm sorry, but I cannot %s: %s.", in.Subject(), in.Why)
		}
		parts = append(parts, s)
	}
	if len(bp.Communicate) > 0 {
		parts = append(parts, "For your information: "+strings.Join(bp.Communicate, "; ")+".")
	}
	return strings.Join(parts, " ")
}

// humanTool renders a tool name as words ("update reservation baggages").
func humanTool(name string) string { return strings.ReplaceAll(name, "_", " ") }

// Task renders the instance as a tau2-format task, so tau2's evaluator,
// the episode runner and EvalWorkflow run on synthetic instances.
func Task(id string, sc Scenario, bp Blueprint) envs.Task {
	basis := sc.Basis
	if len(basis) == 0 {
		basis = []envs.RewardType{envs.RewardDB}
	}
	basis = slices.Clone(basis)
	if len(bp.Communicate) > 0 && !slices.Contains(basis, envs.RewardCommunicate) {
		basis = append(basis, envs.RewardCommunicate)
	}
	kinds := sc.Kinds()
	state := "allowed"
	if !sc.Allowed {
		state = fmt.Sprintf("%d refused", len(sc.Refused()))
	}
	purpose := fmt.Sprintf("synthetic %s (%d intents, %s)", strings.Join(kinds, " + "), len(kinds), state)
	if len(kinds) == 1 {
		purpose = fmt.Sprintf("synthetic %s (%s)", kinds[0], map[bool]string{true: "allowed", false: "refusal"}[sc.Allowed])
	}
	var whys []string
	metas := make([]intentMeta, len(sc.Intents))
	for i, in := range sc.Intents {
		metas[i] = intentMeta{Kind: in.Kind, Tool: in.Tool, Outcome: in.outcome()}
		whys = append(whys, fmt.Sprintf("%s (%s): %s.", in.Kind, metas[i].Outcome, in.Why))
	}
	desc, _ := json.Marshal(taskDescription{Purpose: purpose, RelevantPolicies: strings.Join(whys, " "), Intents: metas})
	t := envs.Task{
		ID:           id,
		Description:  desc,
		UserScenario: envs.UserScenario{Instructions: sc.Instructions},
		EvaluationCriteria: &envs.EvaluationCriteria{Actions: bp.Actions, EnvAssertions: bp.Assertions, CommunicateInfo: bp.Communicate,
			RewardBasis: basis},
	}
	if len(sc.Init) > 0 {
		t.InitialState = &envs.InitialState{InitializationActions: sc.Init}
	}
	return t
}

// taskDescription is a synthetic task's description: tau2's fields
// (purpose, relevant policies), and the intents, which tau2 ignores and the
// coverage report reads.
type taskDescription struct {
	Purpose          string       `json:"purpose"`
	RelevantPolicies string       `json:"relevant_policies,omitempty"`
	Intents          []intentMeta `json:"intents,omitempty"`
}

// intentMeta is an intent as a task's description lists it.
type intentMeta struct {
	Kind    string `json:"kind"`
	Tool    string `json:"tool"`
	Outcome string `json:"outcome"`
}

func (in Intent) outcome() string {
	switch {
	case in.Transfer:
		return "transfer"
	case !in.Allowed:
		return "refused"
	}
	return "allowed"
}

// Signature identifies near-duplicates: the same intents (kind, target,
// outcome) on the same domain, in any order.
func Signature(sc Scenario) string {
	parts := make([]string, len(sc.Intents))
	for i, in := range sc.Intents {
		parts[i] = fmt.Sprintf("%s/%s@%s:%v", in.Kind, in.Variant, in.Target, in.Allowed)
	}
	sort.Strings(parts)
	return sc.Domain + "|" + sc.Phone + "|" + strings.Join(parts, "+")
}
