package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/eigendata/eigendata/envs/domains"
	"github.com/eigendata/eigendata/envs/episode"
	"github.com/eigendata/eigendata/envs/evaluator"
	"github.com/eigendata/eigendata/envs/generate"
)

// runMain is the README's main job on the embedded defaults. Until the
// Temporal stack lands it plays grounded tasks on eigendata's generated
// domains with the oracle baseline and scores them with tau2's evaluator:
// an end-to-end check of environments, episode runner and evaluator that
// needs no endpoint and no tau2 files.
func runMain(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	n := fs.Int("tasks", 10, "tasks per generated domain")
	seed := fs.Int64("seed", 1, "seed of the generated domains and tasks")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 1 {
		return fmt.Errorf("--tasks must be >= 1, got %d", *n)
	}
	for _, name := range domains.Generated() {
		start := time.Now()
		opt := generate.Options{Seed: *seed}
		d, err := domains.Load(domains.Spec{Name: name, Seed: *seed})
		if err != nil {
			return err
		}
		tasks, err := generate.Tasks(name, opt, *n, *seed)
		if err != nil {
			return err
		}
		rewards := map[string][]float64{}
		for i := range tasks {
			t := &tasks[i]
			o := episode.Oracle{Task: t}
			res, err := episode.Run(ctx, d.NewEnv(), t, o.Agent(), o.User(), episode.Config{})
			if err != nil {
				return err
			}
			info, err := evaluator.Evaluate(ctx, d, t, res.Messages, res.Termination, evaluator.Options{Strict: true})
			if err != nil {
				return err
			}
			rewards[t.ID] = append(rewards[t.ID], info.Reward)
		}
		pk := evaluator.PassK(rewards)
		fmt.Fprintf(stdout, "%-12s %3d tasks  oracle baseline pass^1 = %.3f  (%s)\n", name, len(tasks), pk[1], time.Since(start).Round(time.Millisecond))
	}
	fmt.Fprintln(stdout, "baseline: the oracle agent and user replay each task's gold plan; no model was called.")
	return nil
}
