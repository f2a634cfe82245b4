package synthesis

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/airline"
	"github.com/eigendata/eigendata/envs/retail"
	"github.com/eigendata/eigendata/envs/telecom"
)

// MaxIntents is the most intents the planner puts in one scenario.
const MaxIntents = 3

// ToolRef is a tool of a domain: its name, the side that calls it and its
// parameters (from the tool's JSON schema).
type ToolRef struct {
	Name     string         `json:"name"`
	Side     envs.Requestor `json:"side"`
	Params   []string       `json:"params"`
	Required []string       `json:"required"`
}

// WriteTools lists the domain's write tools: every tool of either side for
// which the environment's Mutates is true, the assistant's first, each side
// in declaration order. transfer_to_human_agents does not mutate state in
// tau2's domains, so it is not one (the planner still plans transfers
// where a policy demands them).
func WriteTools(dom *envs.Domain) []ToolRef {
	env := dom.NewEnv()
	var out []ToolRef
	add := func(side envs.Requestor, kit *envs.Toolkit) {
		if kit == nil {
			return
		}
		for _, t := range kit.Tools {
			if !env.Mutates(t.Name) {
				continue
			}
			ref := ToolRef{Name: t.Name, Side: side}
			var schema struct {
				Properties map[string]json.RawMessage `json:"properties"`
				Required   []string                   `json:"required"`
			}
			_ = json.Unmarshal(t.Parameters, &schema)
			for p := range schema.Properties {
				ref.Params = append(ref.Params, p)
			}
			sort.Strings(ref.Params)
			ref.Required = schema.Required
			out = append(out, ref)
		}
	}
	add(envs.Assistant, dom.Agent)
	add(envs.User, dom.UserTools)
	return out
}

// finder grounds one intent kind on one planning unit (a user; a telecom
// line): it explores the unit's records for a target where the kind is
// feasible (and allowed or forbidden, as the kind says) and returns the
// intent, or false when the unit offers none.
type finder func(c *findCtx) (Intent, bool)

// findCtx is what a finder is given.
type findCtx struct {
	unit string
	r    *rand.Rand
	// target, when set, is the only target the finder may use (a model
	// planner's choice).
	target string
	// taken are the intents already in the scenario.
	taken []Intent
}

// free reports whether target may be used: the requested one, and not one
// an earlier intent of the scenario acts on.
func (c *findCtx) free(target string) bool {
	if c.target != "" && target != c.target {
		return false
	}
	return !slices.ContainsFunc(c.taken, func(in Intent) bool { return in.Target == target })
}

// kind is one intent kind the planner schedules.
type kind struct {
	name string
	// tool is the write tool the kind is about.
	tool string
	// tools are the write tools its gold plan calls (telecom issues call
	// several); coverage is reported per tool.
	tools   []string
	allowed bool
	// transfer kinds end in a transfer to a human agent.
	transfer bool
	// single kinds are never composed with other intents.
	single bool
	find   finder
}

// KindInfo describes an intent kind of a domain.
type KindInfo struct {
	Name    string   `json:"name"`
	Tool    string   `json:"tool"`
	Tools   []string `json:"tools"`
	Allowed bool     `json:"allowed"`
	Single  bool     `json:"single,omitempty"`
}

// family is the domain knowledge a planner needs beyond the tool schemas:
// its planning units, the intent kinds of its write tools (finders over
// its database, with its policy's decisions), and how scenarios are
// completed. Every family lives in its own file.
type family interface {
	// units lists the planning units (user ids; telecom line ids), sorted.
	units() []string
	// kinds returns the intent kinds whose gold plan calls the write tool;
	// nil when the family knows none (the generic finder is used then).
	kinds(tool ToolRef) []kind
	// begin fills the scenario's user fields for a unit.
	begin(sc *Scenario, unit string)
	// compatible reports whether b may join a scenario holding have.
	compatible(have []Intent, b Intent) bool
	// finish completes a scenario: instructions, initial state, assertions,
	// reward basis.
	finish(sc *Scenario)
	// pairs lists (user, entity) pairs a model planner may choose from.
	pairs() [][2]string
	// unitOf maps a model planner's (user, entity) choice to a unit and a
	// target.
	unitOf(user, entity string) (unit, target string)
}

// Planner is the rule-based scenario planner of one domain: it derives the
// intent kinds from the domain's write tools (a family's finders, or the
// generic finder for a tool the family does not know), keeps those some
// record of the database grounds, and schedules them so that a run covers
// every kind early: candidate i's first intent is entry i of a cycle
// holding every kind (simplest tools first, each allowed variant before
// its refusal) and then the allowed kinds again; the number of intents
// cycles through 1, 2, 3 (shifted each cycle, so every kind gets each
// count); further intents are drawn at random among the compatible kinds;
// and every scenario is checked by executing its gold plan on a fresh
// environment. It is safe for concurrent use.
type Planner struct {
	dom    *envs.Domain
	family Family
	fam    family
	kinds  []kind
	units  []string
	tools  []ToolRef
	// schedule is the cycle of first intents.
	schedule []kind
	// infeasible are kinds no unit grounds.
	infeasible []KindInfo
	// MaxIntents bounds the intents per scenario (1..MaxIntents).
	MaxIntents int
}

// NewPlanner builds the planner of dom.
func NewPlanner(dom *envs.Domain) (*Planner, error) {
	f, err := FamilyOf(dom)
	if err != nil {
		return nil, err
	}
	p := &Planner{dom: dom, family: f, tools: WriteTools(dom), MaxIntents: MaxIntents}
	switch db := dom.Initial.(type) {
	case *airline.DB:
		p.fam = &airlineFamily{p: p, db: db}
	case *retail.DB:
		p.fam = &retailFamily{p: p, db: db}
	case *telecom.State:
		p.fam = &telecomFamily{p: p, st: db}
	}
	p.units = p.fam.units()
	order := map[string]int{}
	seen := map[string]bool{}
	for _, t := range p.tools {
		ks := p.fam.kinds(t)
		if ks == nil {
			ks = []kind{genericKind(p, t)}
		}
		for _, k := range ks {
			key := fmt.Sprintf("%s/%v", k.name, k.allowed)
			if seen[key] {
				continue
			}
			seen[key] = true
			order[key] = len(t.Required)
			if len(k.tools) == 0 {
				k.tools = []string{k.tool}
			}
			p.kinds = append(p.kinds, k)
		}
	}
	// Simplest first (fewest required parameters of the kind's tool), the
	// allowed variant of a kind before its refusal: a short run then
	// holds the simple kinds, each both ways.
	sort.SliceStable(p.kinds, func(i, j int) bool {
		a, b := p.kinds[i], p.kinds[j]
		oa, ob := order[fmt.Sprintf("%s/%v", a.name, a.allowed)], order[fmt.Sprintf("%s/%v", b.name, b.allowed)]
		if oa != ob {
			return oa < ob
		}
		if a.name != b.name {
			return a.name < b.name
		}
		return a.allowed && !b.allowed
	})
	// Exploration: a kind no unit of the database can ground (no
	// reservation of a regular member on a cancelled flight, say) is left
	// out of the schedule instead of wasting its candidates.
	feasible := p.kinds[:0]
	for _, k := range p.kinds {
		if p.groundable(k) {
			feasible = append(feasible, k)
		} else {
			p.infeasible = append(p.infeasible, KindInfo{Name: k.name, Tool: k.tool, Tools: k.tools, Allowed: k.allowed, Single: k.single})
		}
	}
	p.kinds = feasible
	if len(p.kinds) == 0 {
		return nil, fmt.Errorf("synthesis: domain %s: no write tool has a feasible intent", dom.Name)
	}
	// The schedule: every kind, then the allowed kinds again, so that a
	// third of first intents are refusals.
	p.schedule = slices.Clone(p.kinds)
	for _, k := range p.kinds {
		if k.allowed {
			p.schedule = append(p.schedule, k)
		}
	}
	return p, nil
}

// groundable reports whether some unit grounds k alone.
func (p *Planner) groundable(k kind) bool {
	r := rand.New(rand.NewPCG(0x9e37, 0x5eed))
	for _, unit := range p.units {
		if _, ok := p.grow(unit, 0, k, r, 1, ""); ok {
			return true
		}
	}
	return false
}

// Infeasible lists the kinds left out because no unit grounds them.
func (p *Planner) Infeasible() []KindInfo { return p.infeasible }

// Restrict returns a planner limited to the kinds named in intents (a kind
// or write tool name matches every outcome; "name(allowed)",
// "name(refused)" or "name(transfer)" only that one; empty: every kind)
// and to at most maxIntents intents per scenario (0: MaxIntents). It
// shares p's exploration.
func (p *Planner) Restrict(intents []string, maxIntents int) (*Planner, error) {
	if maxIntents < 0 || maxIntents > MaxIntents {
		return nil, fmt.Errorf("synthesis: max intents must be in [1, %d] (got %d)", MaxIntents, maxIntents)
	}
	q := *p
	if maxIntents > 0 {
		q.MaxIntents = maxIntents
	}
	if len(intents) == 0 {
		return &q, nil
	}
	matches := func(k kind, want string) bool {
		name, outcome, _ := strings.Cut(strings.TrimSuffix(want, ")"), "(")
		if name != k.name && name != k.tool {
			return false
		}
		return outcome == "" || outcome == (Intent{Allowed: k.allowed, Transfer: k.transfer}).outcome()
	}
	keep := func(k kind) bool { return slices.ContainsFunc(intents, func(w string) bool { return matches(k, w) }) }
	for _, want := range intents {
		if !slices.ContainsFunc(p.kinds, func(k kind) bool { return matches(k, want) }) {
			return nil, fmt.Errorf("synthesis: %s has no feasible intent kind or write tool %q (kinds: %s)", p.dom.Name, want,
				strings.Join(p.KindNames(), ", "))
		}
	}
	q.kinds = slices.DeleteFunc(slices.Clone(p.kinds), func(k kind) bool { return !keep(k) })
	q.schedule = slices.DeleteFunc(slices.Clone(p.schedule), func(k kind) bool { return !keep(k) })
	return &q, nil
}

// Domain is the planner's domain.
func (p *Planner) Domain() *envs.Domain { return p.dom }

// Family is the planner's domain family.
func (p *Planner) Family() Family { return p.family }

// WriteTools lists the domain's write tools.
func (p *Planner) WriteTools() []ToolRef { return p.tools }

// Kinds lists the intent kinds in schedule order.
func (p *Planner) Kinds() []KindInfo {
	out := make([]KindInfo, len(p.kinds))
	for i, k := range p.kinds {
		out[i] = KindInfo{Name: k.name, Tool: k.tool, Tools: k.tools, Allowed: k.allowed, Single: k.single}
	}
	return out
}

// KindNames lists the distinct kind names in schedule order (what a model
// planner may ask for; the policy decides whether each is allowed).
func (p *Planner) KindNames() []string {
	var out []string
	for _, k := range p.kinds {
		if !slices.Contains(out, k.name) {
			out = append(out, k.name)
		}
	}
	return out
}

// EntityPairs lists the (user, entity) pairs a model planner chooses from.
func (p *Planner) EntityPairs() [][2]string { return p.fam.pairs() }

// PlanAt plans candidate index of a run: its first intent's kind is fixed
// by the index (kind index mod K), the unit (user, line) is walked in an
// order fixed by runSeed so that a run's candidates ground distinct
// records, and seed draws everything else.
func (p *Planner) PlanAt(runSeed int64, index int, seed int64) (Scenario, error) {
	r := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	n := len(p.units)
	if n == 0 {
		return Scenario{Domain: p.dom.Name, Family: p.family, Seed: seed}, ErrNoEntity
	}
	perm := rand.New(rand.NewPCG(uint64(runSeed), 0xe47)).Perm(n)
	prim := p.schedule[index%len(p.schedule)]
	want := 1 + (index+index/len(p.schedule))%max(1, min(p.MaxIntents, MaxIntents))
	// Fallbacks jump about half the table away, far from the primaries of
	// the run's other candidates, with a step coprime to the table's size
	// so that every unit is tried once.
	step := n/2 + 1
	for gcd(step, n) != 1 {
		step++
	}
	for try := 0; try < n; try++ {
		unit := p.units[perm[(index+try*step)%n]]
		if sc, ok := p.grow(unit, seed, prim, r, want, ""); ok {
			return sc, nil
		}
	}
	return Scenario{Domain: p.dom.Name, Family: p.family, Seed: seed}, fmt.Errorf("%w: %s", ErrNoEntity, prim.name)
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// PlanBaseline plans by seed alone (PlanAt with run seed 0 and index seed).
func (p *Planner) PlanBaseline(seed int64) (Scenario, error) {
	return p.PlanAt(0, int(seed&0x7fffffff), seed)
}

// PlanBaseline is the rule-based planner by seed alone: the planner of dom
// (built here; callers planning many scenarios keep a Planner) at run seed
// 0 and candidate index seed.
func PlanBaseline(dom *envs.Domain, seed int64) (Scenario, error) {
	p, err := NewPlanner(dom)
	if err != nil {
		return Scenario{}, err
	}
	return p.PlanBaseline(seed)
}

// EntityPairs lists the (user, entity) pairs of dom a model planner chooses
// from (user and reservation, user and order, customer and line), sorted.
func EntityPairs(dom *envs.Domain) [][2]string {
	p, err := NewPlanner(dom)
	if err != nil {
		return nil
	}
	return p.EntityPairs()
}

// grow grounds prim on unit, then adds up to want-1 compatible intents.
func (p *Planner) grow(unit string, seed int64, prim kind, r *rand.Rand, want int, target string) (Scenario, bool) {
	in, ok := prim.find(&findCtx{unit: unit, r: r, target: target})
	if !ok {
		return Scenario{}, false
	}
	sc, ok := p.compose(unit, seed, []Intent{in})
	if !ok {
		return Scenario{}, false
	}
	if prim.single {
		return sc, true
	}
	for attempt := 0; len(sc.Intents) < want && attempt < 16; attempt++ {
		k := p.kinds[r.IntN(len(p.kinds))]
		// Further intents are refusals a quarter of the time (a refused
		// kind drawn is kept with probability 1/3).
		if k.single || !k.allowed && r.IntN(3) != 0 || slices.ContainsFunc(sc.Intents, func(in Intent) bool { return in.Kind == k.name }) {
			continue
		}
		more, ok := k.find(&findCtx{unit: unit, r: r, taken: sc.Intents})
		if !ok || !p.fam.compatible(sc.Intents, more) {
			continue
		}
		if next, ok := p.compose(unit, seed, append(slices.Clone(sc.Intents), more)); ok {
			sc = next
		}
	}
	return sc, true
}

// compose builds the scenario of intents on unit and checks it: the gold
// plan keeps the policy rules and runs without a tool error, and (where
// the scenario asserts outcomes) the assertions fail before the plan and
// hold after it, as tau2's task builders verify.
func (p *Planner) compose(unit string, seed int64, intents []Intent) (Scenario, bool) {
	sc := Scenario{Domain: p.dom.Name, Family: p.family, Seed: seed, Intents: intents, Allowed: true}
	for _, in := range intents {
		if !in.Allowed {
			sc.Allowed = false
		}
	}
	p.fam.begin(&sc, unit)
	p.fam.finish(&sc)
	return sc, p.Feasible(sc) == nil
}

// Feasible checks a scenario's gold plan: it keeps the policy rules, it
// runs on the scenario's initial state without a tool error, and every
// env assertion holds after it (and, for a troubleshooting scenario, not
// all of them before it).
func (p *Planner) Feasible(sc Scenario) error {
	bp := BlueprintFor(sc)
	if v := CheckPolicy(p.dom, sc, bp); len(v) > 0 {
		return fmt.Errorf("policy: %s: %s", v[0].Rule, v[0].Detail)
	}
	env, err := NewEnv(p.dom, sc)
	if err != nil {
		return err
	}
	if len(sc.Assertions) > 0 && sc.Allowed {
		if all, _ := assertionsHold(env, sc.Assertions); all {
			return fmt.Errorf("the issue does not show: every assertion holds before the fix")
		}
	}
	for _, a := range bp.Actions {
		if res := env.Call(a.Who(), a.Name, a.Arguments); res.Error {
			return fmt.Errorf("%s: %s", a.Name, res.Content)
		}
	}
	if all, failed := assertionsHold(env, sc.Assertions); !all {
		return fmt.Errorf("assertion %s does not hold after the gold plan", failed)
	}
	return nil
}

// assertionsHold runs assertions on a copy of env.
func assertionsHold(env *envs.Env, as []envs.EnvAssertion) (bool, string) {
	if len(as) == 0 {
		return true, ""
	}
	e := env.Clone()
	for _, a := range as {
		if ok, err := e.RunAssertion(a); err != nil || !ok {
			return false, a.FuncName + string(a.Arguments)
		}
	}
	return true, ""
}

// Wish is one intent a model planner asks for: a kind (or write tool) on a
// target record.
type Wish struct {
	Kind   string `json:"intent"`
	Target string `json:"entity_id"`
}

// PlanFor grounds the scenario a model planner chose: a user, and intents
// by kind (or write tool name) and target. The policy still decides
// whether each is allowed (the allowed kind is tried first, then its
// refusal), and the arguments are derived from the data.
func (p *Planner) PlanFor(seed int64, user string, wishes []Wish) (Scenario, error) {
	if len(wishes) == 0 {
		return Scenario{}, fmt.Errorf("%w: no intent", ErrNoEntity)
	}
	r := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	unit, _ := p.fam.unitOf(user, wishes[0].Target)
	if !slices.Contains(p.units, unit) {
		return Scenario{}, fmt.Errorf("%w: %s is not a user of %s", ErrNoEntity, user, p.dom.Name)
	}
	var intents []Intent
	for _, w := range wishes[:min(len(wishes), MaxIntents)] {
		_, target := p.fam.unitOf(user, w.Target)
		var got *Intent
		for _, k := range p.kinds {
			if k.name != w.Kind && k.tool != w.Kind {
				continue
			}
			if len(intents) > 0 && k.single {
				continue
			}
			in, ok := k.find(&findCtx{unit: unit, r: r, target: target, taken: intents})
			if !ok || len(intents) > 0 && !p.fam.compatible(intents, in) {
				continue
			}
			if _, ok := p.compose(unit, seed, append(slices.Clone(intents), in)); !ok {
				continue
			}
			got = &in
			break
		}
		if got == nil {
			if len(intents) == 0 {
				return Scenario{}, fmt.Errorf("%w: %s on %s", ErrNoEntity, w.Kind, w.Target)
			}
			continue // a later wish that does not fit is dropped
		}
		intents = append(intents, *got)
	}
	sc, ok := p.compose(unit, seed, intents)
	if !ok {
		return sc, fmt.Errorf("%w: the intents do not compose", ErrNoEntity)
	}
	return sc, nil
}

// NewEnv returns a fresh environment of dom in the scenario's initial
// state.
func NewEnv(dom *envs.Domain, sc Scenario) (*envs.Env, error) {
	env := dom.NewEnv()
	if len(sc.Init) > 0 {
		if err := env.Initialize(&envs.InitialState{InitializationActions: sc.Init}); err != nil {
			return nil, fmt.Errorf("initial state: %w", err)
		}
	}
	return env, nil
}

// knownLine joins the scenario's known info into one line.
func knownLine(head string, intents []Intent) string {
	parts := []string{head}
	for _, in := range intents {
		if in.Known != "" && !slices.Contains(parts, in.Known) {
			parts = append(parts, in.Known)
		}
	}
	return strings.Join(parts, " ")
}

// reasonLine joins the intents' requests into the reason for calling.
func reasonLine(intents []Intent) string {
	if len(intents) == 1 {
		return intents[0].Ask
	}
	parts := make([]string, len(intents))
	for i, in := range intents {
		parts[i] = in.Ask
		if i > 0 {
			parts[i] = "Also: " + in.Ask
		}
	}
	return strings.Join(parts, " ")
}

// taskLine is the user's behaviour for a scenario of n intents.
func taskLine(n int) string {
	s := "Confirm when the agent asks before acting. If the agent says it cannot do something, accept that."
	if n > 1 {
		s = "Make all your requests in this conversation, one after the other. Confirm when the agent asks before acting. " +
			"If the agent says it cannot do one of them, accept that and go on with the others."
	}
	return s
}

// genericKind grounds a write tool the family knows nothing about: each
// parameter takes a value found under the same key in the unit's records
// (as the read tools show them), and the first combination that the tool
// accepts on a fresh environment is the intent.
func genericKind(p *Planner, t ToolRef) kind {
	return kind{name: t.Name, tool: t.Name, allowed: true, find: func(c *findCtx) (Intent, bool) {
		sc := Scenario{Domain: p.dom.Name, Family: p.family}
		p.fam.begin(&sc, c.unit)
		values := map[string][]any{}
		collect(View(p.dom.NewEnv(), sc), values)
		combos := []map[string]any{{}}
		for _, name := range t.Required {
			var next []map[string]any
			for _, v := range values[name] {
				for _, base := range combos {
					m := map[string]any{}
					for k, x := range base {
						m[k] = x
					}
					m[name] = v
					next = append(next, m)
				}
			}
			combos = next
			if len(combos) > 64 {
				combos = combos[:64]
			}
		}
		for _, args := range combos {
			target := fmt.Sprint(args[firstID(t.Required)])
			if !c.free(target) {
				continue
			}
			w := call(t.Side, t.Name, args)
			env := p.dom.NewEnv()
			if res := env.Call(w.Who(), w.Name, w.Arguments); res.Error {
				continue
			}
			b, _ := json.Marshal(args)
			return Intent{Kind: t.Name, Tool: t.Name, Target: target, Allowed: true, Why: "the tool accepts the request",
				Writes: []envs.Action{w}, Ask: fmt.Sprintf("You want the agent to %s with %s.", humanTool(t.Name), b)}, true
		}
		return Intent{}, false
	}}
}

func firstID(params []string) string {
	for _, p := range params {
		if strings.HasSuffix(p, "_id") {
			return p
		}
	}
	if len(params) > 0 {
		return params[0]
	}
	return ""
}

// collect gathers every scalar value of a JSON document by key.
func collect(v any, out map[string][]any) {
	switch x := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(x) {
			e := x[k]
			switch e.(type) {
			case map[string]any, []any:
				collect(e, out)
			default:
				if e != nil && !slices.ContainsFunc(out[k], func(y any) bool { return jsonEqual(y, e) }) {
					out[k] = append(out[k], e)
				}
			}
		}
	case []any:
		for _, e := range x {
			collect(e, out)
		}
	}
}
