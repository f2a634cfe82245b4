package main

import (
	"flag"

	"github.com/eigendata/eigendata/infra/stack"
	"github.com/eigendata/eigendata/workflows"
)

// localMaxTokens bounds each role's answers from the local model: a small
// model otherwise writes to the server's limit, and every token costs
// time on a CPU.
var localMaxTokens = map[string]int{"planner": 256, "user": 128, "agent": 192, "checker": 512, "judge": 256, "evolver": 384}

// useLocalModel points every model role whose provider and model were not
// set on the command line at the stack's local model server.
func useLocalModel(fs *flag.FlagSet, s *stack.Stack, roles map[string]*workflows.ModelConfig) {
	if s.Model == nil {
		return
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for name, m := range roles {
		if set[name+"-provider"] || set[name+"-model"] {
			continue
		}
		m.Provider, m.Model = "openai", s.Model.Name()
		if m.MaxTokens == 0 {
			m.MaxTokens = localMaxTokens[name]
		}
	}
}

// synthRoleMap names the synthesis roles for useLocalModel.
func synthRoleMap(r *workflows.SynthRoles) map[string]*workflows.ModelConfig {
	return map[string]*workflows.ModelConfig{"planner": &r.Planner, "user": &r.User, "agent": &r.Agent, "checker": &r.Checker, "judge": &r.Judge}
}
