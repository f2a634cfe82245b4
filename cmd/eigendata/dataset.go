package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/eigendata/eigendata/infra/blob"
)

// exportRun copies a synthesis run's dataset (shards, tau2 tasks, checkers,
// manifest) from the blob store into dir, keeping the key layout below the
// run's prefix. It returns the number of files written.
func exportRun(ctx context.Context, store blob.Store, runID, dir string) (int, error) {
	prefix := "runs/" + runID + "/"
	if _, err := store.Get(ctx, prefix+"manifest.json"); err != nil {
		return 0, fmt.Errorf("run %s has no manifest (not a finished synthesis run?): %w", runID, err)
	}
	n := 0
	for _, sub := range []string{"manifest.json", "tasks.json", "report.md", "dataset/", "checkers/"} {
		keys := []string{prefix + sub}
		if strings.HasSuffix(sub, "/") {
			var err error
			if keys, err = store.List(ctx, prefix+sub); err != nil {
				return n, err
			}
		}
		for _, k := range keys {
			b, err := store.Get(ctx, k)
			if err != nil && sub == "report.md" {
				continue // a run finalized before runs had a report
			}
			if err != nil {
				return n, err
			}
			path := filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(k, prefix)))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return n, err
			}
			if err := os.WriteFile(path, b, 0o644); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

func runDatasetExport(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("dataset export", flag.ContinueOnError)
	run := fs.String("run", "", "synthesis run (workflow id)")
	out := fs.String("out", "", "local directory (default ./datasets/<run>)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *run == "" {
		return fmt.Errorf("--run is required")
	}
	if *out == "" {
		*out = filepath.Join("datasets", *run)
	}
	store, _, err := clientServices(ctx, "")
	if err != nil {
		return err
	}
	n, err := exportRun(ctx, store, *run, *out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "exported %d files of %s to %s\n", n, *run, *out)
	return nil
}
