package synthesis

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/airline"
	"github.com/eigendata/eigendata/envs/retail"
	"github.com/eigendata/eigendata/envs/telecom"
)

// Execution is a blueprint run on a fresh environment.
type Execution struct {
	Env     *envs.Env
	Outputs []string
	// Errors are the tool errors, "<action>: <output>".
	Errors []string
	Hash   string
}

// Execute runs actions on a fresh environment of dom in the scenario's
// initial state.
func Execute(dom *envs.Domain, sc Scenario, acts []envs.Action) Execution {
	env, err := NewEnv(dom, sc)
	if err != nil {
		env = dom.NewEnv()
		ex := Execution{Env: env, Errors: []string{err.Error()}, Hash: env.StateHash()}
		return ex
	}
	ex := Execution{Env: env}
	for _, a := range acts {
		res := env.Call(a.Who(), a.Name, a.Arguments)
		ex.Outputs = append(ex.Outputs, res.Content)
		if res.Error {
			ex.Errors = append(ex.Errors, a.Name+": "+res.Content)
		}
	}
	ex.Hash = env.StateHash()
	return ex
}

// View is the part of the state a checker reads, as the read tools show
// it: airline {"users": {id: record}, "reservations": {id: record}} and
// retail {"users", "orders"} for the scenario's user and all their
// reservations or orders; telecom {"customers", "lines", "bills"} for the
// customer, "device" {"phone", "surroundings"} for the user's phone, and
// "assertions" {"outcome": {assertion: holds}} with the scenario's env
// assertions evaluated on the state.
func View(env *envs.Env, sc Scenario) map[string]any {
	read := func(tool string, args map[string]any) any {
		b, _ := json.Marshal(args)
		res := env.Call(envs.Assistant, tool, b)
		var v any
		if res.Error || json.Unmarshal([]byte(res.Content), &v) != nil {
			return nil
		}
		return v
	}
	view := map[string]any{}
	records := func(table, tool, arg string, ids []string) {
		recs := map[string]any{}
		for _, id := range ids {
			recs[id] = read(tool, map[string]any{arg: id})
		}
		view[table] = recs
	}
	switch st := env.State.(type) {
	case *airline.DB:
		view["users"] = map[string]any{sc.UserID: read("get_user_details", map[string]any{"user_id": sc.UserID})}
		var ids []string
		if u, ok := st.Users.Get(sc.UserID); ok {
			ids = u.Reservations
		}
		records("reservations", "get_reservation_details", "reservation_id", ids)
	case *retail.DB:
		view["users"] = map[string]any{sc.UserID: read("get_user_details", map[string]any{"user_id": sc.UserID})}
		var ids []string
		if u, ok := st.Users.Get(sc.UserID); ok {
			ids = u.Orders
		}
		records("orders", "get_order_details", "order_id", ids)
	case *telecom.State:
		view["customers"] = map[string]any{sc.UserID: read("get_customer_by_id", map[string]any{"customer_id": sc.UserID})}
		var lines, bills []string
		if c, ok := st.DB.Customers.Get(sc.UserID); ok {
			lines, bills = c.LineIDs, c.BillIDs
		}
		records("lines", "get_details_by_id", "id", lines)
		records("bills", "get_details_by_id", "id", bills)
		view["device"] = map[string]any{"phone": asJSON(st.User.Device), "surroundings": asJSON(st.User.Surroundings)}
		outcome := map[string]any{}
		probe := env.Clone()
		for _, a := range sc.Assertions {
			ok, err := probe.RunAssertion(a)
			outcome[AssertionLabel(a)] = err == nil && ok
		}
		view["assertions"] = map[string]any{"outcome": outcome}
	}
	return view
}

// AssertionLabel names an env assertion in a checker's view.
func AssertionLabel(a envs.EnvAssertion) string {
	return fmt.Sprintf("%s %s(%s) == %v", a.EnvType, a.FuncName, string(a.Arguments), a.Expected())
}

func asJSON(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// Change is one changed field of a record.
type Change struct {
	Table string `json:"table"`
	Key   string `json:"key"`
	Field string `json:"field"`
	Old   any    `json:"old"`
	New   any    `json:"new"`
}

// Diff lists the fields that differ between two views.
func Diff(before, after map[string]any) []Change {
	var out []Change
	for _, t := range sortedKeys(after) {
		b, _ := before[t].(map[string]any)
		a, _ := after[t].(map[string]any)
		for _, k := range sortedKeys(a) {
			ar, _ := a[k].(map[string]any)
			br, _ := b[k].(map[string]any)
			for _, f := range sortedKeys(ar) {
				if !jsonEqual(br[f], ar[f]) {
					out = append(out, Change{Table: t, Key: k, Field: f, Old: br[f], New: ar[f]})
				}
			}
		}
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// Transcript renders messages as a checker reads them.
func Transcript(msgs []envs.Message) []any {
	out := make([]any, 0, len(msgs))
	for _, m := range msgs {
		e := map[string]any{"role": string(m.Role), "content": m.Content}
		var calls []any
		for _, tc := range m.ToolCalls {
			var args any
			_ = json.Unmarshal(tc.Arguments, &args)
			calls = append(calls, map[string]any{"name": tc.Name, "arguments": args})
		}
		if calls != nil {
			e["tool_calls"] = calls
		}
		if m.Role == envs.RoleTool {
			e["error"] = m.Error
		}
		out = append(out, e)
	}
	return out
}

// Gold is a blueprint's gold outcome as the verifier uses it: the state
// hash, the checker's view of the state and that view's changes from the
// initial state.
type Gold struct {
	Hash string
	View map[string]any
	Diff []Change
}

// GoldOf executes the blueprint on a fresh environment and returns its gold
// outcome.
func GoldOf(dom *envs.Domain, sc Scenario, bp Blueprint) Gold {
	return GoldFrom(dom, sc, Execute(dom, sc, bp.Actions))
}

// GoldFrom is the gold outcome of the blueprint's execution ex.
func GoldFrom(dom *envs.Domain, sc Scenario, ex Execution) Gold {
	view := View(ex.Env, sc)
	before := dom.NewEnv()
	if env, err := NewEnv(dom, sc); err == nil {
		before = env
	}
	return Gold{Hash: ex.Hash, View: view, Diff: Diff(View(before, sc), view)}
}
