// Package telecom is tau2-bench's telecom domain: a mobile carrier's
// customer database with the agent's account tools (TelecomTools), the
// user's simulated phone with the user's device tools (TelecomUserTools),
// the functions tasks call by name to set scenarios up and to assert
// outcomes, and the synchronisation between the two databases that tau2
// runs after every call. Tool outputs are the exact strings tau2 emits.
package telecom

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/eigendata/eigendata/envs"
)

// Toolkit class names, as they appear in Python's argument errors.
const (
	AgentClass = "TelecomTools"
	UserClass  = "TelecomUserTools"
)

// Load builds the telecom domain from tau2's telecom data directory
// (db.toml, user_db.toml and the policy files). The policy is tau2's
// default "manual" policy; the solo policy pairs main_policy_solo.md with
// the same tech support manual, as tau2's solo manual path does.
func Load(dir string) (*envs.Domain, error) {
	st, err := loadState(dir)
	if err != nil {
		return nil, fmt.Errorf("telecom: %w", err)
	}
	read := func(name string) (string, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return "", fmt.Errorf("telecom: %w", err)
		}
		return string(b), nil
	}
	mainPolicy, err := read("main_policy.md")
	if err != nil {
		return nil, err
	}
	manual, err := read("tech_support_manual.md")
	if err != nil {
		return nil, err
	}
	soloPolicy, err := read("main_policy_solo.md")
	if err != nil {
		return nil, err
	}
	agentFn, agentSigs := agentFuncs()
	userFn, userSigs := userFuncs()
	d := &envs.Domain{
		Name:       "telecom",
		Policy:     policy(mainPolicy, manual),
		SoloPolicy: policy(soloPolicy, manual),
		Agent:      &envs.Toolkit{Class: AgentClass, Tools: agentTools(), Funcs: agentFn, FuncParams: agentSigs},
		UserTools:  &envs.Toolkit{Class: UserClass, Tools: userTools(), Funcs: userFn, FuncParams: userSigs},
		Initial:    st,
		Sync:       syncState,
	}
	// tau2's Environment constructor syncs once.
	if err := syncState(st); err != nil {
		return nil, fmt.Errorf("telecom: initial sync: %w", err)
	}
	return d, nil
}

// policy combines a main policy and the tech support policy as tau2 does.
func policy(main, techSupport string) string {
	return "<main_policy>\n" + main + "\n</main_policy>\n<tech_support_policy>\n" + techSupport + "\n</tech_support_policy>"
}
