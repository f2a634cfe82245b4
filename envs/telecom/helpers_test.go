package telecom

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/tau2data"
)

const (
	asst = envs.Assistant
	user = envs.User
)

// testDomain loads the telecom domain from the tau2 data directory.
func testDomain(tb testing.TB) *envs.Domain {
	tb.Helper()
	d, err := Load(filepath.Join(tau2data.ForTest(tb), "telecom"))
	if err != nil {
		tb.Fatalf("Load: %v", err)
	}
	return d
}

// step is a setup action: a tool call (whose result is ignored) or an
// environment function (which must succeed).
type step struct {
	isFunc bool
	side   envs.Requestor
	name   string
	args   string
}

func call(side envs.Requestor, name, args string) step {
	return step{side: side, name: name, args: args}
}
func fn(side envs.Requestor, name, args string) step {
	return step{isFunc: true, side: side, name: name, args: args}
}

func (s step) apply(tb testing.TB, env *envs.Env) {
	tb.Helper()
	if s.isFunc {
		if _, err := env.RunFunc(s.side, s.name, json.RawMessage(s.args)); err != nil {
			tb.Fatalf("setup %s: %v", s.name, err)
		}
		return
	}
	env.Call(s.side, s.name, json.RawMessage(s.args))
}

// toolCase is one tool call on a fresh environment after setup steps, with
// the exact output tau2 emits.
type toolCase struct {
	name  string
	setup []step
	req   envs.Requestor
	tool  string
	args  string
	want  string
	isErr bool
}

func runToolCases(t *testing.T, cases []toolCase) {
	d := testDomain(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := d.NewEnv()
			for _, s := range c.setup {
				s.apply(t, env)
			}
			got := env.Call(c.req, c.tool, json.RawMessage(c.args))
			if got.Content != c.want || got.Error != c.isErr {
				t.Errorf("%s(%s)\n got: %q (error=%v)\nwant: %q (error=%v)", c.tool, c.args, got.Content, got.Error, c.want, c.isErr)
			}
		})
	}
}
