package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"go.temporal.io/sdk/client"

	"github.com/eigendata/eigendata/trainer/grpo"
	"github.com/eigendata/eigendata/workflows"
)

func runRLStart(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("rl start", flag.ContinueOnError)
	var cf connFlags
	cf.register(fs)
	in := workflows.RLInput{Recipe: grpo.Defaults()}
	runs := fs.String("data", "", "comma-separated synthesis runs whose instances are the tasks")
	fs.StringVar(&in.Policy.Model, "policy-model", "", "policy model served by the inference endpoint")
	fs.StringVar(&in.Policy.BaseURL, "policy-base-url", "", "policy endpoint (default $OPENAI_BASE_URL on the llm workers)")
	fs.StringVar(&in.User.Provider, "user-provider", "offline", "user simulator: offline (template) or openai (the fine-tuned one)")
	fs.StringVar(&in.User.Model, "user-model", "", "user simulator model")
	fs.IntVar(&in.Iterations, "iterations", 10, "RL iterations")
	fs.IntVar(&in.EvalEvery, "eval-every", 0, "EvalWorkflow child every N iterations (0: never)")
	fs.StringVar(&in.Eval.Domain, "eval-domain", "airline", "evaluation domain")
	fs.StringVar(&in.Eval.Tau2Data, "eval-tau2-data", "", "evaluation tau2 data directory")
	fs.IntVar(&in.Recipe.GroupSize, "group-size", in.Recipe.GroupSize, "rollouts per task (G)")
	fs.IntVar(&in.Recipe.BatchGroups, "batch-groups", in.Recipe.BatchGroups, "informative groups per step (B)")
	fs.Float64Var(&in.Recipe.Clip, "clip", in.Recipe.Clip, "PPO clip epsilon")
	fs.Float64Var(&in.Recipe.KLCoef, "kl", in.Recipe.KLCoef, "KL coefficient (0: none)")
	sync := fs.String("weight-sync-cmd", "", "command run after each checkpoint (CHECKPOINT_URI set)")
	fs.StringVar(&in.Sync.URL, "weight-sync-url", "", "URL POSTed {checkpoint_uri} after each checkpoint")
	id := fs.String("id", "", "workflow id")
	if err := fs.Parse(args); err != nil {
		return err
	}
	in.Policy.Provider = "openai"
	in.Eval.Trials = 1
	if *runs != "" {
		in.DataRuns = strings.Split(*runs, ",")
	}
	in.Sync.Command = strings.Fields(*sync)
	store, _, err := clientServices(ctx, "")
	if err != nil {
		return err
	}
	c, err := dialWithClaims(cf, store)
	if err != nil {
		return err
	}
	defer c.Close()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: *id, TaskQueue: workflows.QueueCPU}, "RLWorkflow", in)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "started RLWorkflow %s\n  %s\n", run.GetID(), uiLink(cf, run.GetID(), run.GetRunID()))
	var res workflows.RLResult
	if err := run.Get(ctx, &res); err != nil {
		return err
	}
	for _, m := range res.Metrics {
		fmt.Fprintf(stdout, "iteration %d: reward %.3f, kept %d/%d groups, loss %.4f, checkpoint %s\n", m.Iteration, m.RewardMean, m.GroupsKept, m.GroupsSampled, m.Loss, m.Checkpoint)
	}
	fmt.Fprintf(stdout, "report: %s\n", store.URI(res.ReportKey))
	return nil
}
