package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/eigendata/eigendata/workflows"
)

// DefaultScheduleID names the nightly self-evolution schedule.
const DefaultScheduleID = "eigendata-evolve-nightly"

func scheduleClient(ctx context.Context, cf connFlags) (client.Client, error) {
	c, _, err := dialCluster(ctx, cf)
	return c, err
}

// installSchedule creates (or, with replace, recreates) the schedule that
// starts EvolveWorkflow on cron, skipping a run while one is in progress.
func installSchedule(ctx context.Context, c client.Client, id, cron string, in workflows.EvolveInput, replace bool) error {
	if err := in.Validate(); err != nil {
		var ae *temporal.ApplicationError
		if errors.As(err, &ae) {
			return errors.New(ae.Message())
		}
		return err
	}
	if replace {
		_ = c.ScheduleClient().GetHandle(ctx, id).Delete(ctx)
	}
	_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID:      id,
		Spec:    client.ScheduleSpec{CronExpressions: []string{cron}},
		Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		Action: &client.ScheduleWorkflowAction{
			ID: id + "-run", Workflow: "EvolveWorkflow", Args: []any{in}, TaskQueue: workflows.QueueCPU,
		},
		Note: "eigendata self-evolution: study recent synthesis runs, pilot candidate prompt/settings edits, promote a proven one",
	})
	if err != nil {
		return fmt.Errorf("creating schedule %s: %w", id, err)
	}
	return nil
}

func runSchedule(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: eigendata schedule install|list|pause|unpause|trigger|delete [flags]")
	}
	verb := args[0]
	fs := flag.NewFlagSet("schedule "+verb, flag.ContinueOnError)
	var cf connFlags
	cf.register(fs)
	id := fs.String("id", DefaultScheduleID, "schedule id")
	var in workflows.EvolveInput
	cron := "0 3 * * *"
	replace := false
	if verb == "install" {
		fs.StringVar(&cron, "cron", cron, "cron expression (default nightly at 03:00 UTC)")
		fs.BoolVar(&replace, "replace", false, "replace an existing schedule of that id")
		fs.StringVar(&in.Domain, "domain", "gen-airline", "domain the pilots synthesize in")
		fs.StringVar(&in.Tau2Data, "tau2-data", os.Getenv("TAU2_DATA"), "tau2 data directory as the workers see it")
		fs.IntVar(&in.Candidates, "candidates", 2, "candidate edits per cycle (K)")
		fs.IntVar(&in.PilotCount, "pilot-count", 20, "candidates each pilot run tries")
		fs.Int64Var(&in.PilotSeed, "pilot-seed", 7, "validation seed shared by every pilot")
		fs.Float64Var(&in.Alpha, "alpha", 0.05, "significance level of the promotion test")
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	c, err := scheduleClient(ctx, cf)
	if err != nil {
		return err
	}
	defer c.Close()
	h := c.ScheduleClient().GetHandle(ctx, *id)
	switch verb {
	case "install":
		if err := installSchedule(ctx, c, *id, cron, in, replace); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "schedule %s installed: EvolveWorkflow on %q (overlap: skip)\n", *id, cron)
	case "list":
		it, err := c.ScheduleClient().List(ctx, client.ScheduleListOptions{})
		if err != nil {
			return err
		}
		for it.HasNext() {
			e, err := it.Next()
			if err != nil {
				return err
			}
			next := "-"
			if len(e.NextActionTimes) > 0 {
				next = e.NextActionTimes[0].UTC().Format("2006-01-02 15:04 UTC")
			}
			fmt.Fprintf(stdout, "%-28s %-16s paused=%-5v next=%s\n", e.ID, e.WorkflowType.Name, e.Paused, next)
		}
	case "pause":
		err = h.Pause(ctx, client.SchedulePauseOptions{Note: "paused by eigendata schedule pause"})
	case "unpause":
		err = h.Unpause(ctx, client.ScheduleUnpauseOptions{})
	case "trigger":
		err = h.Trigger(ctx, client.ScheduleTriggerOptions{Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP})
	case "delete":
		err = h.Delete(ctx)
	default:
		return fmt.Errorf("unknown schedule command %q", verb)
	}
	if err == nil && verb != "install" && verb != "list" {
		fmt.Fprintf(stdout, "schedule %s: %s done\n", *id, verb)
	}
	return err
}

func runEvolveStart(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("evolve start", flag.ContinueOnError)
	var cf connFlags
	cf.register(fs)
	var in workflows.EvolveInput
	fs.StringVar(&in.Domain, "domain", "gen-airline", "domain the pilots synthesize in")
	fs.StringVar(&in.Tau2Data, "tau2-data", os.Getenv("TAU2_DATA"), "tau2 data directory as the workers see it")
	fs.IntVar(&in.Candidates, "candidates", 2, "candidate edits (K)")
	fs.IntVar(&in.PilotCount, "pilot-count", 20, "candidates each pilot run tries")
	fs.BoolVar(&in.DryRun, "dry-run", false, "pilot and report, never activate")
	evolverT := modelFlags(fs, "evolver", &in.Evolver, 0.7)
	evolverMax := fs.Int("evolver-max-tokens", 0, "bound on each evolver answer (0: the server's default)")
	applyRoles := roleFlags(fs, &in.Roles)
	id := fs.String("id", "", "workflow id")
	if err := fs.Parse(args); err != nil {
		return err
	}
	in.Evolver.Temperature, in.Evolver.MaxTokens = float32(*evolverT), *evolverMax
	applyRoles()
	c, err := scheduleClient(ctx, cf)
	if err != nil {
		return err
	}
	defer c.Close()
	opts := client.StartWorkflowOptions{ID: *id, TaskQueue: workflows.QueueCPU}
	run, err := c.ExecuteWorkflow(ctx, opts, "EvolveWorkflow", in)
	if err != nil {
		return err
	}
	printStarted(stdout, "EvolveWorkflow", cf, run)
	var res workflows.EvolveResult
	if err := run.Get(ctx, &res); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\nreport: runs/%s/report.md\n", res.Reason, run.GetID())
	return nil
}
