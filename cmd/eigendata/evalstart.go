package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/eigendata/eigendata/workflows"
)

func modelFlags(fs *flag.FlagSet, role string, m *workflows.ModelConfig, temp float64) *float64 {
	fs.StringVar(&m.Provider, role+"-provider", "offline", role+" provider: offline (baseline, no endpoint) or openai")
	fs.StringVar(&m.Model, role+"-model", os.Getenv("EIGENDATA_"+strings.ToUpper(role)+"_MODEL"), role+" model name (default $EIGENDATA_"+strings.ToUpper(role)+"_MODEL)")
	fs.StringVar(&m.BaseURL, role+"-base-url", "", role+" endpoint (default $OPENAI_BASE_URL on the llm worker)")
	return fs.Float64(role+"-temperature", temp, role+" sampling temperature")
}

func runEvalStart(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("eval start", flag.ContinueOnError)
	var cf connFlags
	cf.register(fs)
	var in workflows.EvalInput
	apply := evalInputFlags(fs, &in)
	id := fs.String("id", "", "workflow id (default eval-<domain>-<time>)")
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
	return startEval(ctx, c, cf, store.URI, in, *id, *wait, stdout)
}

// evalInputFlags registers an EvalInput's flags; the returned func applies
// those that need conversion after parsing.
func evalInputFlags(fs *flag.FlagSet, in *workflows.EvalInput) func() {
	fs.StringVar(&in.Domain, "domain", "", "airline, retail, telecom, gen-airline or gen-retail")
	if fs.Lookup("tau2-data") == nil {
		fs.StringVar(&in.Tau2Data, "tau2-data", os.Getenv("TAU2_DATA"), "tau2 data directory as seen by the cpu workers (default $TAU2_DATA)")
	}
	fs.StringVar(&in.Split, "split", "test", "task split")
	fs.IntVar(&in.Trials, "trials", 1, "trials per task (pass^k for k up to trials)")
	fs.IntVar(&in.Concurrency, "concurrency", workflows.DefaultConcurrency, "episodes in flight")
	fs.IntVar(&in.MaxSteps, "max-steps", 100, "max steps per episode")
	fs.Int64Var(&in.Seed, "seed", 1, "seed of a generated domain")
	fs.StringVar(&in.TasksKey, "tasks-key", "", "evaluate a synthesis run's tasks instead: runs/<run>/tasks.json (domain and seed of that run)")
	agentT := modelFlags(fs, "agent", &in.Agent, 0)
	userT := modelFlags(fs, "user", &in.User, 0)
	return func() { in.Agent.Temperature, in.User.Temperature = float32(*agentT), float32(*userT) }
}

// startEval starts an EvalWorkflow and, with wait, follows it and prints
// pass^k.
func startEval(ctx context.Context, c client.Client, cf connFlags, uri func(string) string, in workflows.EvalInput, id string, wait bool, stdout io.Writer) error {
	if err := in.Validate(); err != nil {
		var ae *temporal.ApplicationError
		if errors.As(err, &ae) {
			return errors.New(ae.Message())
		}
		return err
	}
	if id == "" {
		id = fmt.Sprintf("eval-%s-%s", in.Domain, time.Now().UTC().Format("20060102-150405"))
	}
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: id, TaskQueue: workflows.QueueCPU,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			temporal.NewSearchAttributeKeyKeyword(workflows.SADomain).ValueSet(in.Domain),
			temporal.NewSearchAttributeKeyKeyword(workflows.SAAgentModel).ValueSet(in.Agent.Label()),
			temporal.NewSearchAttributeKeyKeyword(workflows.SAKind).ValueSet("eval")),
	}, "EvalWorkflow", in)
	if err != nil {
		return fmt.Errorf("starting EvalWorkflow: %w", err)
	}
	printStarted(stdout, "EvalWorkflow", cf, run)
	if !wait {
		return nil
	}
	var res workflows.EvalResult
	if err := follow(ctx, c, run, stdout, &res, drawEvalProgress); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "done: %d tasks, %d episodes, avg reward %.4f\n", res.Tasks, res.Episodes, res.AvgReward)
	for k := 1; k < len(res.PassK); k++ {
		fmt.Fprintf(stdout, "  pass^%d = %.4f\n", k, res.PassK[k])
	}
	fmt.Fprintf(stdout, "report: %s\nresults: %s\nplot: %s\n", uri(res.ReportKey), uri(res.ResultsKey), uri(res.PlotKey))
	return nil
}

// printStarted reports a started workflow with its Web UI page.
func printStarted(w io.Writer, wfType string, cf connFlags, run client.WorkflowRun) {
	fmt.Fprintf(w, "started %s %s\n", wfType, run.GetID())
	if link := uiLink(cf, run.GetID(), run.GetRunID()); link != "" {
		fmt.Fprintf(w, "  %s\n", link)
	}
}

// uiLink is the Web UI page of a workflow run ("" when the embedded stack
// runs without its UI).
func uiLink(cf connFlags, id, runID string) string {
	if cf.noUI {
		return ""
	}
	base := firstSet(cf.ui, os.Getenv("TEMPORAL_UI"), "http://localhost:8233")
	ns := cf.c.Resolved().Namespace
	return fmt.Sprintf("%s/namespaces/%s/workflows/%s/%s", strings.TrimRight(base, "/"), url.PathEscape(ns), url.PathEscape(id), url.PathEscape(runID))
}

func firstSet(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// follow polls the run's progress query, drawing a progress bar with draw,
// until it ends.
func follow(ctx context.Context, c client.Client, run client.WorkflowRun, w io.Writer, result any,
	draw func(context.Context, client.Client, client.WorkflowRun, io.Writer)) error {
	done := make(chan error, 1)
	go func() { done <- run.Get(ctx, result) }()
	pw := newProgressWriter(w)
	w = pw
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			draw(ctx, c, run, w)
			pw.end()
			return err
		case <-tick.C:
			draw(ctx, c, run, w)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func drawEvalProgress(ctx context.Context, c client.Client, run client.WorkflowRun, w io.Writer) {
	v, err := c.QueryWorkflow(ctx, run.GetID(), "", "progress")
	if err != nil {
		return
	}
	var p workflows.EvalProgress
	if v.Get(&p) != nil {
		return
	}
	fmt.Fprintf(w, "\r%s %s", bar(p.Done, p.Total, 30), fmt.Sprintf("%d/%d episodes  %d passed  %d running  [%s]", p.Done, p.Total, p.Passed, p.Running, p.Stage))
}

// bar renders a text progress bar.
func bar(done, total, width int) string {
	if total <= 0 {
		return "[" + strings.Repeat(" ", width) + "]"
	}
	n := done * width / total
	return "[" + strings.Repeat("#", n) + strings.Repeat("-", width-n) + "]"
}
