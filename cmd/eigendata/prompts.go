package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/eigendata/eigendata/llm/prompts"
)

func runPrompts(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: eigendata prompts list|show|diff|activate|rollback [args]")
	}
	verb, rest := args[0], args[1:]
	fs := flag.NewFlagSet("prompts "+verb, flag.ContinueOnError)
	if err := fs.Parse(rest); err != nil {
		return err
	}
	store, _, err := clientServices(ctx, "")
	if err != nil {
		return err
	}
	reg := prompts.Registry{Store: store}
	need := func(n int) error {
		if fs.NArg() != n {
			return fmt.Errorf("prompts %s takes %d version argument(s)", verb, n)
		}
		return nil
	}
	switch verb {
	case "list":
		active, _ := reg.ActivePointer(ctx)
		vs, err := reg.List(ctx)
		if err != nil {
			return err
		}
		if len(vs) == 0 {
			_, _, err := reg.Active(ctx, prompts.Builtin())
			if err != nil {
				return err
			}
			active, _ = reg.ActivePointer(ctx)
			vs = []string{active.Version}
		}
		for _, v := range vs {
			b, err := reg.Get(ctx, v)
			if err != nil {
				return err
			}
			mark := " "
			if v == active.Version {
				mark = "*"
			}
			fmt.Fprintf(stdout, "%s %s  parent=%-16s %s\n", mark, v, b.Parent, b.Edit)
		}
	case "show":
		if err := need(1); err != nil {
			return err
		}
		b, err := reg.Get(ctx, fs.Arg(0))
		if err != nil {
			return err
		}
		out, _ := json.MarshalIndent(b, "", "  ")
		fmt.Fprintln(stdout, string(out))
	case "diff":
		if err := need(2); err != nil {
			return err
		}
		a, err := reg.Get(ctx, fs.Arg(0))
		if err != nil {
			return err
		}
		b, err := reg.Get(ctx, fs.Arg(1))
		if err != nil {
			return err
		}
		fmt.Fprint(stdout, prompts.Diff(a, b))
	case "activate":
		if err := need(1); err != nil {
			return err
		}
		if err := reg.Activate(ctx, fs.Arg(0)); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "active: %s\n", fs.Arg(0))
	case "rollback":
		v, err := reg.Rollback(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "rolled back; active: %s\n", v)
	default:
		return fmt.Errorf("unknown prompts command %q", verb)
	}
	return nil
}
