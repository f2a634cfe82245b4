// Command eigendata is the CLI of eigendata: tool environments, evaluation,
// and (in later subcommands) the Temporal dev stack, workers and workflows.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/eigendata/eigendata/infra/stack"
)

// command is one subcommand: a path of words and its handler.
type command struct {
	path  string
	short string
	run   func(ctx context.Context, args []string, stdout io.Writer) error
}

func commands() []command {
	return []command{
		{"run", "the main job on the embedded defaults", runMain},
		{"env tools", "print a domain's tool schemas (OpenAI format)", runEnvTools},
		{"env replay", "apply a JSON list of tool calls to a fresh env, print outputs and the state hash", runEnvReplay},
		{"eval gold", "replay and evaluate every task's gold actions", runEvalGold},
		{"eval start", "start an EvalWorkflow (pass^k on tau2-bench) and follow its progress", runEvalStart},
		{"eval run", "one EvalWorkflow on the embedded stack (with --model local: the local model as agent and user)", runEvalRun},
		{"dev", "one process: embedded Temporal + Web UI, S3, Redis and all worker pools", runDev},
		{"worker", "run worker pools against any Temporal cluster", runWorker},
		{"codec-server", "serve the claim-check codec to a Web UI in front of any cluster", runCodecServer},
		{"synth start", "start a SynthesisWorkflow and follow its progress", runSynthStart},
		{"dataset export", "copy a synthesis run's dataset from S3 to a local directory", runDatasetExport},
		{"prompts", "versioned prompts and settings: list | show V | diff A B | activate V | rollback", runPrompts},
		{"schedule", "nightly self-evolution: install | list | pause | unpause | trigger | delete", runSchedule},
		{"evolve start", "start one EvolveWorkflow cycle and wait for its decision", runEvolveStart},
		{"rl start", "start an RLWorkflow (GRPO on synthetic tasks, training on the gpu pool)", runRLStart},
		{"rl toy", "close the RL loop locally: torch policy server, CPU training, the toy task's learning curve", runRLToy},
		{"gpus", "list the GPUs NVML discovers (what a gpu worker offers)", runGPUs},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})))
	stack.TuneGC()
	if err := dispatch(ctx, os.Args[1:], os.Stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "eigendata:", err)
		os.Exit(1)
	}
}

func dispatch(ctx context.Context, args []string, stdout io.Writer) error {
	cmds := commands()
	best, bestLen := -1, 0
	for i, c := range cmds {
		words := strings.Fields(c.path)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == c.path && len(words) > bestLen {
			best, bestLen = i, len(words)
		}
	}
	if best < 0 {
		usage(os.Stderr, cmds)
		if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
			return nil
		}
		return fmt.Errorf("unknown command %q", strings.Join(args, " "))
	}
	return cmds[best].run(ctx, args[bestLen:], stdout)
}

func usage(w io.Writer, cmds []command) {
	fmt.Fprintln(w, "usage: eigendata <command> [flags]\n\ncommands:")
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].path < cmds[j].path })
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-14s %s\n", c.path, c.short)
	}
	fmt.Fprintln(w, "\nRun 'eigendata <command> -h' for a command's flags.")
}
