package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/domains"
	"github.com/eigendata/eigendata/envs/evaluator"
)

// goldSummary is the last line of eval gold.
type goldSummary struct {
	Domain string `json:"domain"`
	// TasksFile is the tasks file evaluated instead of the domain's tasks.
	TasksFile string `json:"tasks_file,omitempty"`
	Tasks     int    `json:"tasks"`
	Scored    int    `json:"scored"`
	Passed    int    `json:"passed"`
	LLMOnly   int    `json:"llm_only"`
}

func runEvalGold(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("eval gold", flag.ContinueOnError)
	var df domainFlags
	df.register(fs)
	split := fs.String("split", "", "task split (train, test, base; default all tasks)")
	tasksFile := fs.String("tasks", "", "evaluate this tasks file (tau2's format, e.g. a synthesis run's tasks.json) instead of the domain's tasks; "+
		"--domain names its domain (--seed for a generated one)")
	verbose := fs.Bool("verbose", false, "include the full reward info in each task line")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *tasksFile != "" && *split != "" {
		return fmt.Errorf("--split selects among the domain's tasks; it cannot be used with --tasks")
	}
	spec, err := df.spec()
	if err != nil {
		return err
	}
	d, err := domains.Load(spec)
	if err != nil {
		return err
	}
	var tasks []envs.Task
	if *tasksFile != "" {
		tasks, err = envs.LoadTasks(*tasksFile)
	} else {
		tasks, err = domains.Tasks(spec, *split)
	}
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	sum := goldSummary{Domain: spec.Name, TasksFile: *tasksFile, Tasks: len(tasks)}
	for i := range tasks {
		r, err := evaluator.Gold(ctx, d, &tasks[i])
		if err != nil {
			return fmt.Errorf("task %s: %w", tasks[i].ID, err)
		}
		if r.LLMOnly {
			sum.LLMOnly++
		} else {
			sum.Scored++
			if r.Passed {
				sum.Passed++
			}
		}
		if !*verbose {
			r.Info = nil
		}
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return enc.Encode(sum)
}
