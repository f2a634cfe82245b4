package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/eigendata/eigendata/envs/synthesis"
	"github.com/eigendata/eigendata/workflows"
)

// roleFlags registers one provider/model flag pair per synthesis role.
// With OPENAI_BASE_URL set the default provider is openai.
func roleFlags(fs *flag.FlagSet, r *workflows.SynthRoles) func() {
	def := "offline"
	if os.Getenv("OPENAI_BASE_URL") != "" {
		def = "openai"
	}
	type role struct {
		name string
		m    *workflows.ModelConfig
		temp float64
	}
	roles := []role{{"planner", &r.Planner, 0.7}, {"user", &r.User, 0}, {"agent", &r.Agent, 0}, {"checker", &r.Checker, 0}, {"judge", &r.Judge, 0}}
	temps := make([]*float64, len(roles))
	for i, ro := range roles {
		env := "EIGENDATA_" + strings.ToUpper(ro.name) + "_MODEL"
		model := os.Getenv(env)
		if model == "" {
			model = os.Getenv("EIGENDATA_MODEL")
		}
		fs.StringVar(&ro.m.Provider, ro.name+"-provider", def, ro.name+" provider: offline (rule-based baseline) or openai")
		fs.StringVar(&ro.m.Model, ro.name+"-model", model, ro.name+" model (default $"+env+" or $EIGENDATA_MODEL)")
		fs.StringVar(&ro.m.BaseURL, ro.name+"-base-url", "", ro.name+" endpoint (default $OPENAI_BASE_URL on the llm worker)")
		temps[i] = fs.Float64(ro.name+"-temperature", ro.temp, ro.name+" sampling temperature")
	}
	return func() {
		for i, ro := range roles {
			ro.m.Temperature = float32(*temps[i])
		}
	}
}

func synthInputFlags(fs *flag.FlagSet, in *workflows.SynthInput) func() {
	fs.StringVar(&in.Domain, "domain", "gen-airline", "gen-airline, gen-retail (eigendata's own) or airline, retail, telecom (tau2 data)")
	fs.StringVar(&in.Tau2Data, "tau2-data", os.Getenv("TAU2_DATA"), "tau2 data directory as the workers see it (tau2 domains)")
	fs.IntVar(&in.Count, "count", 20, "accepted instances to synthesize")
	fs.Int64Var(&in.Seed, "seed", 1, "run seed (candidates and generated domains derive from it)")
	fs.IntVar(&in.Concurrency, "concurrency", 0, fmt.Sprintf("instances in flight (0: the prompt version's setting, else %d)", workflows.DefaultSynthConcurrency))
	fs.IntVar(&in.MaxCandidates, "max-candidates", 0, "attempt budget (default 4 x count)")
	fs.IntVar(&in.MaxSteps, "max-steps", 0, "max steps per dialogue (0: the prompt version's setting)")
	fs.StringVar(&in.PromptVersion, "prompt-version", "", "prompt/settings version (default: the active one)")
	intents := fs.String("intents", "", "comma-separated intent kinds or write tools the planner may use (default: every kind of the domain)")
	fs.IntVar(&in.MaxIntents, "max-intents", 0, "most intents per scenario, 1-3 (default 3)")
	apply := roleFlags(fs, &in.Roles)
	return func() {
		apply()
		in.Intents = nil
		for _, s := range strings.Split(*intents, ",") {
			if s = strings.TrimSpace(s); s != "" {
				in.Intents = append(in.Intents, s)
			}
		}
	}
}

func drawSynthProgress(ctx context.Context, c client.Client, run client.WorkflowRun, w io.Writer) {
	v, err := c.QueryWorkflow(ctx, run.GetID(), "", "progress")
	if err != nil {
		return
	}
	var p workflows.SynthProgress
	if v.Get(&p) != nil {
		return
	}
	fmt.Fprintf(w, "\r%s %d/%d accepted  %d candidates  %d running  [%s]   ", bar(p.Accepted, p.Target, 30), p.Accepted, p.Target, p.Candidates, p.Running, p.Stage)
}

// startSynth starts a SynthesisWorkflow and follows it to the end.
func startSynth(ctx context.Context, c client.Client, cf connFlags, in workflows.SynthInput, id string, wait bool, stdout io.Writer) (*workflows.SynthResult, error) {
	if err := in.Validate(); err != nil {
		var ae *temporal.ApplicationError
		if errors.As(err, &ae) {
			return nil, errors.New(ae.Message())
		}
		return nil, err
	}
	if id == "" {
		id = fmt.Sprintf("synth-%s-%s", in.Domain, time.Now().UTC().Format("20060102-150405"))
	}
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: workflows.QueueCPU}, "SynthesisWorkflow", in)
	if err != nil {
		return nil, fmt.Errorf("starting SynthesisWorkflow: %w", err)
	}
	printStarted(stdout, "SynthesisWorkflow", cf, run)
	if !wait {
		return nil, nil
	}
	var res workflows.SynthResult
	if err := follow(ctx, c, run, stdout, &res, drawSynthProgress); err != nil {
		return nil, err
	}
	return &res, nil
}

// printSynthResult prints the acceptance statistics.
func printSynthResult(w io.Writer, res *workflows.SynthResult, uri func(string) string) {
	st := res.Stats
	fmt.Fprintf(w, "accepted %d of %d candidates (%d near-duplicates dropped)\n", res.Instances, st.Candidates, res.Dropped)
	fmt.Fprintln(w, "stage acceptance:")
	prev := st.Candidates
	for _, s := range workflows.SynthStages {
		n := st.StagePassed[s]
		fmt.Fprintf(w, "  %-10s %4d / %-4d\n", s, n, prev)
		prev = n
	}
	if len(st.Reasons) > 0 {
		fmt.Fprintln(w, "reject reasons:")
		codes := make([]string, 0, len(st.Reasons))
		for c := range st.Reasons {
			codes = append(codes, c)
		}
		sort.Slice(codes, func(i, j int) bool {
			return st.Reasons[codes[i]] > st.Reasons[codes[j]] || st.Reasons[codes[i]] == st.Reasons[codes[j]] && codes[i] < codes[j]
		})
		for _, c := range codes {
			fmt.Fprintf(w, "  %-32s %d\n", c, st.Reasons[c])
		}
	}
	if used := byName(st.Tokens); len(used) > 0 {
		fmt.Fprintf(w, "tokens per role: %s\n", strings.Join(used, " "))
	}
	if res.Coverage != nil {
		cov := synthesis.Coverage(*res.Coverage)
		for _, l := range cov.Lines(12) {
			fmt.Fprintln(w, l)
		}
	}
	fmt.Fprintf(w, "dataset:  %s\nmanifest: %s\ntasks:    %s\n", uri(res.Prefix+"dataset/"), uri(res.ManifestKey), uri(res.TasksKey))
	if res.ReportKey != "" {
		fmt.Fprintf(w, "report:   %s\n", uri(res.ReportKey))
	}
}

// byName renders the non-zero counts as "name=n" items sorted by name.
func byName(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k, n := range m {
		if n != 0 {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = fmt.Sprintf("%s=%d", k, m[k])
	}
	return out
}

func runSynthStart(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("synth start", flag.ContinueOnError)
	var cf connFlags
	cf.register(fs)
	var in workflows.SynthInput
	apply := synthInputFlags(fs, &in)
	id := fs.String("id", "", "workflow id (default synth-<domain>-<time>)")
	wait := fs.Bool("wait", true, "follow progress until the run finishes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	apply()
	c, store, err := dialCluster(ctx, cf)
	if err != nil {
		return err
	}
	defer c.Close()
	res, err := startSynth(ctx, c, cf, in, *id, *wait, stdout)
	if err != nil || res == nil {
		return err
	}
	printSynthResult(stdout, res, store.URI)
	return nil
}
