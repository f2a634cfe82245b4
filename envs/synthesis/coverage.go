package synthesis

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/eigendata/eigendata/envs"
)

// Coverage is what a set of accepted instances of one domain exercises:
// which write tools their gold plans call, which intent combinations they
// hold, how many refuse or transfer a request and how many combine
// several intents.
type Coverage struct {
	Domain    string `json:"domain"`
	Instances int    `json:"instances"`
	// MultiIntent counts instances with more than one intent.
	MultiIntent int `json:"multi_intent"`
	// WithRefusal counts instances where some request must be refused.
	WithRefusal int `json:"with_refusal"`
	// Transfers counts instances that end in a transfer to a human agent.
	Transfers int `json:"transfers"`
	// WriteTools lists every write tool of the domain.
	WriteTools []string `json:"write_tools"`
	// Tools counts, per write tool, the instances whose gold plan calls it.
	Tools map[string]int `json:"tools"`
	// Refused counts, per write tool, the instances refusing a request
	// for it.
	Refused map[string]int `json:"refused,omitempty"`
	// Uncovered lists the write tools no instance's gold plan calls.
	Uncovered []string `json:"uncovered"`
	// Combinations counts the instances per intent combination (intent
	// labels, sorted, joined by " + ").
	Combinations map[string]int `json:"combinations"`
}

// NewCoverage starts the coverage of a domain with the given write tools.
func NewCoverage(domain string, writeTools []string) *Coverage {
	c := &Coverage{Domain: domain, WriteTools: append([]string{}, writeTools...), Tools: map[string]int{}, Refused: map[string]int{},
		Combinations: map[string]int{}}
	sort.Strings(c.WriteTools)
	c.Uncovered = append([]string{}, c.WriteTools...)
	return c
}

// CoverageOf is the coverage of a domain's exported tasks.
func CoverageOf(dom *envs.Domain, tasks []envs.Task) *Coverage {
	var names []string
	for _, t := range WriteTools(dom) {
		names = append(names, t.Name)
	}
	c := NewCoverage(dom.Name, names)
	for _, t := range tasks {
		c.AddTask(t)
	}
	return c
}

// Add counts one instance: its scenario and its gold actions.
func (c *Coverage) Add(sc Scenario, gold []envs.Action) {
	c.Instances++
	if len(sc.Intents) > 1 {
		c.MultiIntent++
	}
	seen := map[string]bool{}
	for _, a := range gold {
		if !seen[a.Name] && c.isWrite(a.Name) {
			seen[a.Name] = true
			c.Tools[a.Name]++
		}
	}
	refused, transfer := false, false
	labels := make([]string, 0, len(sc.Intents))
	for _, in := range sc.Intents {
		labels = append(labels, in.Label())
		switch {
		case in.Transfer:
			transfer = true
		case !in.Allowed:
			refused = true
			c.Refused[in.Tool]++
		}
	}
	if refused {
		c.WithRefusal++
	}
	if transfer {
		c.Transfers++
	}
	sort.Strings(labels)
	c.Combinations[strings.Join(labels, " + ")]++
	c.Uncovered = c.Uncovered[:0]
	for _, t := range c.WriteTools {
		if c.Tools[t] == 0 {
			c.Uncovered = append(c.Uncovered, t)
		}
	}
}

// AddTask counts one exported task: its gold actions and the intents its
// description lists (a task without them counts as one intent named by
// its id).
func (c *Coverage) AddTask(t envs.Task) {
	var desc taskDescription
	_ = json.Unmarshal(t.Description, &desc)
	sc := Scenario{}
	for _, m := range desc.Intents {
		sc.Intents = append(sc.Intents, Intent{Kind: m.Kind, Tool: m.Tool, Allowed: m.Outcome == "allowed", Transfer: m.Outcome == "transfer"})
	}
	if len(sc.Intents) == 0 {
		sc.Intents = []Intent{{Kind: t.ID, Allowed: true}}
	}
	var gold []envs.Action
	if t.EvaluationCriteria != nil {
		gold = t.EvaluationCriteria.Actions
	}
	c.Add(sc, gold)
}

func (c *Coverage) isWrite(name string) bool {
	i := sort.SearchStrings(c.WriteTools, name)
	return i < len(c.WriteTools) && c.WriteTools[i] == name
}

// Counted renders counts as "name=n" items, largest first then by name
// (never a raw map): the form reports and the CLI print.
func Counted(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = fmt.Sprintf("%s=%d", k, m[k])
	}
	return out
}

// Lines renders the coverage as indented text lines: a summary, the write
// tools exercised (every one of the domain, zero counts included), the
// refused ones, what is uncovered, and the first maxCombos combinations.
func (c *Coverage) Lines(maxCombos int) []string {
	covered := len(c.WriteTools) - len(c.Uncovered)
	out := []string{fmt.Sprintf("coverage (%s): %d/%d write tools; %d instances, %d multi-intent, %d with a refusal, %d transfers",
		c.Domain, covered, len(c.WriteTools), c.Instances, c.MultiIntent, c.WithRefusal, c.Transfers)}
	tools := make([]string, len(c.WriteTools))
	for i, t := range c.WriteTools {
		tools[i] = fmt.Sprintf("%s=%d", t, c.Tools[t])
	}
	out = append(out, "  write tools: "+strings.Join(tools, " "))
	if len(c.Refused) > 0 {
		out = append(out, "  refused:     "+strings.Join(Counted(c.Refused), " "))
	}
	if len(c.Uncovered) > 0 {
		out = append(out, "  uncovered:   "+strings.Join(c.Uncovered, " "))
	}
	combos := Counted(c.Combinations)
	out = append(out, fmt.Sprintf("  intent combinations (%d):", len(combos)))
	for i, s := range combos {
		if maxCombos > 0 && i == maxCombos {
			out = append(out, fmt.Sprintf("    ... %d more", len(combos)-maxCombos))
			break
		}
		out = append(out, "    "+s)
	}
	return out
}

// Markdown renders the coverage as a report section.
func (c *Coverage) Markdown() string {
	var b strings.Builder
	covered := len(c.WriteTools) - len(c.Uncovered)
	fmt.Fprintf(&b, "## Coverage\n\n%d of %d write tools of `%s` exercised by %d instances (%d multi-intent, %d with a refusal, %d transfers).\n\n",
		covered, len(c.WriteTools), c.Domain, c.Instances, c.MultiIntent, c.WithRefusal, c.Transfers)
	b.WriteString("| write tool | instances calling it | refusals |\n|---|---|---|\n")
	for _, t := range c.WriteTools {
		fmt.Fprintf(&b, "| `%s` | %d | %d |\n", t, c.Tools[t], c.Refused[t])
	}
	if len(c.Uncovered) > 0 {
		fmt.Fprintf(&b, "\nUncovered: %s\n", strings.Join(c.Uncovered, ", "))
	}
	b.WriteString("\n| intent combination | instances |\n|---|---|\n")
	for _, s := range Counted(c.Combinations) {
		i := strings.LastIndex(s, "=")
		fmt.Fprintf(&b, "| %s | %s |\n", s[:i], s[i+1:])
	}
	return b.String()
}

// MarshalTasks encodes tasks as tau2's tasks.json: like json.Marshal, but
// an action's empty compare_args (compare no argument, as tau2's transfer
// actions) is kept as [] rather than dropped, which would make every
// argument compared.
func MarshalTasks(tasks []envs.Task) ([]byte, error) {
	b, err := json.Marshal(tasks)
	if err != nil {
		return nil, fmt.Errorf("encoding tasks: %w", err)
	}
	var raw []map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("encoding tasks: %w", err)
	}
	patched := false
	for i, t := range tasks {
		if t.EvaluationCriteria == nil {
			continue
		}
		crit, _ := raw[i]["evaluation_criteria"].(map[string]any)
		acts, _ := crit["actions"].([]any)
		for j, a := range t.EvaluationCriteria.Actions {
			if a.CompareArgs != nil && len(a.CompareArgs) == 0 && j < len(acts) {
				if m, ok := acts[j].(map[string]any); ok {
					m["compare_args"] = []string{}
					patched = true
				}
			}
		}
	}
	if !patched {
		return b, nil
	}
	return json.Marshal(raw)
}
