package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/domains"
	"github.com/eigendata/eigendata/envs/tau2data"
)

// domainFlags are the flags every domain-loading command takes.
type domainFlags struct {
	domain   string
	tau2Data string
	seed     int64
	size     int
}

func (d *domainFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.domain, "domain", "", "domain: airline, retail, telecom (tau2 data) or gen-airline, gen-retail (generated)")
	fs.StringVar(&d.tau2Data, "tau2-data", "", "tau2-bench data directory (default $"+tau2data.EnvVar+")")
	fs.Int64Var(&d.seed, "seed", 1, "seed of a generated domain")
	fs.IntVar(&d.size, "size", 0, "users in a generated domain (0 = default)")
}

func (d *domainFlags) spec() (domains.Spec, error) {
	if d.domain == "" {
		return domains.Spec{}, fmt.Errorf("--domain is required")
	}
	return domains.Spec{Name: d.domain, Tau2Data: d.tau2Data, Seed: d.seed, Size: d.size}, nil
}

func (d *domainFlags) load() (*envs.Domain, error) {
	spec, err := d.spec()
	if err != nil {
		return nil, err
	}
	return domains.Load(spec)
}

func runEnvTools(_ context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("env tools", flag.ContinueOnError)
	var df domainFlags
	df.register(fs)
	side := fs.String("side", "assistant", "whose tools: assistant or user")
	if err := fs.Parse(args); err != nil {
		return err
	}
	d, err := df.load()
	if err != nil {
		return err
	}
	kit := d.Agent
	switch *side {
	case "assistant":
	case "user":
		kit = d.UserTools
	default:
		return fmt.Errorf("--side must be assistant or user, got %q", *side)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	tools := kit.OpenAI()
	if tools == nil {
		tools = []envs.OpenAITool{}
	}
	return enc.Encode(tools)
}

// replayCall is one entry of an env replay actions file.
type replayCall struct {
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
	Requestor envs.Requestor  `json:"requestor"`
}

// replayLine is one output line of env replay.
type replayLine struct {
	Name   string `json:"name"`
	Output string `json:"output"`
	Error  bool   `json:"error"`
}

func runEnvReplay(_ context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("env replay", flag.ContinueOnError)
	var df domainFlags
	df.register(fs)
	actions := fs.String("actions", "", "JSON file: a list of {\"name\", \"arguments\", \"requestor\"} calls")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *actions == "" {
		return fmt.Errorf("--actions is required")
	}
	b, err := os.ReadFile(*actions)
	if err != nil {
		return fmt.Errorf("--actions: %w", err)
	}
	var calls []replayCall
	if err := json.Unmarshal(b, &calls); err != nil {
		return fmt.Errorf("--actions: parsing %s: %w", *actions, err)
	}
	d, err := df.load()
	if err != nil {
		return err
	}
	env := d.NewEnv()
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	for _, c := range calls {
		req := c.Requestor
		if req == "" {
			req = envs.Assistant
		}
		args := c.Arguments
		if len(args) == 0 || string(args) == "null" {
			args = json.RawMessage(`{}`)
		}
		res := env.Call(req, c.Name, args)
		if err := enc.Encode(replayLine{Name: c.Name, Output: res.Content, Error: res.Error}); err != nil {
			return err
		}
	}
	return enc.Encode(map[string]string{"state_hash": env.StateHash()})
}
