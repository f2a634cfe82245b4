package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/eigendata/eigendata/envs/domains"
	"github.com/eigendata/eigendata/workflows"
)

// runEvalRun is `eval start` on the embedded stack: it starts the
// one-process stack (with the local model server under --model local),
// runs one EvalWorkflow, prints pass^k and stops.
func runEvalRun(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("eval run", flag.ContinueOnError)
	var in workflows.EvalInput
	var df devFlags
	df.register(fs)
	apply := evalInputFlags(fs, &in)
	limit := fs.Int("limit", 0, "evaluate the first N tasks of the split only (0: all)")
	keep := fs.Bool("keep", false, "keep the stack (and the Web UI) running after the run until Ctrl-C")
	if err := fs.Parse(args); err != nil {
		return err
	}
	apply()
	in.Tau2Data = df.tau2Data
	if *limit > 0 && in.TasksKey == "" && len(in.TaskIDs) == 0 {
		tasks, err := domains.Tasks(domains.Spec{Name: in.Domain, Tau2Data: in.Tau2Data, Seed: in.Seed}, in.Split)
		if err != nil {
			return fmt.Errorf("--limit: %w", err)
		}
		for i := 0; i < *limit && i < len(tasks); i++ {
			in.TaskIDs = append(in.TaskIDs, tasks[i].ID)
		}
	}
	s, err := df.start(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	useLocalModel(fs, s, map[string]*workflows.ModelConfig{"agent": &in.Agent, "user": &in.User})
	printStack(stdout, s, df.pools)
	fmt.Fprintln(stdout)
	cf := connFlags{c: s.Conn, ui: s.UIURL(), noUI: s.UIURL() == ""}
	if err := startEval(ctx, s.Client, cf, s.Blob.URI, in, "", true, stdout); err != nil {
		return err
	}
	if *keep {
		fmt.Fprintf(stdout, "stack kept running; Web UI %s; Ctrl-C stops\n", s.UIURL())
		<-ctx.Done()
	}
	return nil
}
