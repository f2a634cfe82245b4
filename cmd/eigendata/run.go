package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/eigendata/eigendata/workflows"
)

// runMain is the README's main job: it starts the one-process stack
// (embedded Temporal + Web UI, S3, Redis, workers), synthesizes verified
// dialogues with a SynthesisWorkflow — offline (rule-based baseline roles)
// unless OPENAI_BASE_URL is set — prints the acceptance statistics, exports
// the dataset to a local directory and stops.
func runMain(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	var in workflows.SynthInput
	apply := synthInputFlags(fs, &in)
	var df devFlags
	df.register(fs)
	out := fs.String("out", "datasets", "local directory the dataset is exported to (<out>/<run>)")
	keep := fs.Bool("keep", false, "keep the stack (and the Web UI) running after the run until Ctrl-C")
	if err := fs.Parse(args); err != nil {
		return err
	}
	apply()
	df.tau2Data = in.Tau2Data
	s, err := df.start(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	useLocalModel(fs, s, synthRoleMap(&in.Roles))
	printStack(stdout, s, df.pools)
	if in.Roles.Agent.Provider == "offline" || in.Roles.User.Provider == "offline" {
		fmt.Fprintln(stdout, "\nNo OPENAI_BASE_URL: the rule-based offline baseline plays every role (labelled baseline in the manifest).")
	}
	fmt.Fprintln(stdout)
	cf := connFlags{c: s.Conn, ui: s.UIURL(), noUI: s.UIURL() == ""}
	res, err := startSynth(ctx, s.Client, cf, in, "", true, stdout)
	if err != nil {
		return err
	}
	printSynthResult(stdout, res, s.Blob.URI)
	dir := filepath.Join(*out, res.RunID)
	n, err := exportRun(ctx, s.Blob, res.RunID, dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "exported %d files to %s (dataset/shard-*.jsonl, tasks.json, checkers/, manifest.json, report.md)\n", n, dir)
	if *keep {
		fmt.Fprintf(stdout, "stack kept running; Web UI %s; Ctrl-C stops\n", s.UIURL())
		<-ctx.Done()
	}
	return nil
}
