package main

import (
	"context"
	"encoding/json"
	"flag"
	"io"

	"github.com/eigendata/eigendata/envs/domains"
	"github.com/eigendata/eigendata/envs/evaluator"
)

// goldSummary is the last line of eval gold.
type goldSummary struct {
	Domain  string `json:"domain"`
	Tasks   int    `json:"tasks"`
	Scored  int    `json:"scored"`
	Passed  int    `json:"passed"`
	LLMOnly int    `json:"llm_only"`
}

func runEvalGold(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("eval gold", flag.ContinueOnError)
	var df domainFlags
	df.register(fs)
	split := fs.String("split", "", "task split (train, test, base; default all tasks)")
	verbose := fs.Bool("verbose", false, "include the full reward info in each task line")
	if err := fs.Parse(args); err != nil {
		return err
	}
	spec, err := df.spec()
	if err != nil {
		return err
	}
	d, err := domains.Load(spec)
	if err != nil {
		return err
	}
	tasks, err := domains.Tasks(spec, *split)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	sum := goldSummary{Domain: spec.Name, Tasks: len(tasks)}
	for i := range tasks {
		r, err := evaluator.Gold(ctx, d, &tasks[i])
		if err != nil {
			return err
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
