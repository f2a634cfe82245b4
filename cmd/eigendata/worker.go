package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"go.temporal.io/sdk/client"

	"github.com/eigendata/eigendata/activities"
	"github.com/eigendata/eigendata/infra/blob"
	"github.com/eigendata/eigendata/infra/cache"
	"github.com/eigendata/eigendata/infra/claimcheck"
	"github.com/eigendata/eigendata/workers"
	"github.com/eigendata/eigendata/workers/gpu"
)

// clientServices connects to the artifact store and the cache described by
// the environment (S3_*, AWS_*, REDIS_URL).
func clientServices(ctx context.Context, redisURL string) (*blob.S3, *cache.Cache, error) {
	store, err := blob.NewS3(ctx, blob.S3ConfigFromEnv())
	if err != nil {
		return nil, nil, err
	}
	if redisURL == "" {
		return store, nil, nil
	}
	c, err := cache.Open(ctx, redisURL, cache.Options{Logger: slog.Default()})
	if err != nil {
		return nil, nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	return store, c, nil
}

// dialCluster connects a CLI command to the cluster cf names, with the
// claim-check converter over the S3 store of the environment (returned
// for the run's artifacts).
func dialCluster(ctx context.Context, cf connFlags) (client.Client, *blob.S3, error) {
	store, _, err := clientServices(ctx, "")
	if err != nil {
		return nil, nil, err
	}
	c, err := dialWithClaims(cf, store)
	if err != nil {
		return nil, nil, err
	}
	return c, store, nil
}

// dialWithClaims connects with the claim-check converter over store, as
// every eigendata client and worker does.
func dialWithClaims(cf connFlags, store *blob.S3) (client.Client, error) {
	cf.c.DataConverter = claimcheck.DataConverter(store, 0)
	return cf.c.Dial()
}

func runWorker(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	var cf connFlags
	cf.register(fs)
	poolsFlag := fs.String("pools", "cpu,llm", "pools to run: any of cpu, llm, gpu")
	redisURL := fs.String("redis-url", os.Getenv("REDIS_URL"), "Redis for the LLM cache (default $REDIS_URL; empty: no cache)")
	tau2 := fs.String("tau2-data", os.Getenv("TAU2_DATA"), "tau2 data directory (default $TAU2_DATA)")
	llmConc := fs.Int("llm-concurrency", 32, "concurrent model calls per endpoint")
	rps := fs.Float64("llm-rps", 0, "model requests per second per endpoint (0: unlimited)")
	trainerCmd := fs.String("trainer-cmd", os.Getenv("EIGENDATA_TRAINER_CMD"), "gpu pool: trainer backend command (e.g. 'python trainer/torch/train.py')")
	cpuSlots := fs.Int("cpu-slots", 0, "gpu pool: offer N CPU slots instead of GPUs (CPU-only backends and tests)")
	workDir := fs.String("work-dir", "", "gpu pool: local directory for batches and checkpoints (default the temp dir)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	pools, err := workers.ParsePools(*poolsFlag)
	if err != nil {
		return fmt.Errorf("--pools: %w", err)
	}
	store, c, err := clientServices(ctx, *redisURL)
	if err != nil {
		return err
	}
	if c != nil {
		defer c.Close()
	}
	cl, err := dialWithClaims(cf, store)
	if err != nil {
		return err
	}
	defer cl.Close()
	if err := workers.EnsureSearchAttributes(ctx, cl, cf.c.Resolved().Namespace); err != nil {
		slog.Warn("search attributes", "error", err)
	}
	models := activities.ModelsFromEnv()
	models.Concurrency, models.RPS = *llmConc, *rps
	svc := workers.Services{Blob: store, Cache: c, Models: models, Tau2Data: *tau2, Log: slog.Default()}
	for _, p := range pools {
		if p != workers.GPU {
			continue
		}
		var devs []gpu.GPU
		if *cpuSlots > 0 {
			devs = gpu.CPUSlots(*cpuSlots)
		} else if devs, err = gpu.Discover(nvml.New()); err != nil {
			return fmt.Errorf("--pools gpu: %w", err)
		}
		for _, d := range devs {
			fmt.Fprintf(stdout, "gpu %d %s %s healthy=%v %s\n", d.Index, d.UUID, d.Name, d.Healthy, d.Problem)
		}
		svc.Train = &activities.Train{Blob: store, Pool: gpu.NewPool(devs), Command: strings.Fields(*trainerCmd), WorkDir: *workDir}
	}
	stop, err := workers.Start(cl, pools, svc.Deps())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "worker pools %s on %s (namespace %s); Ctrl-C stops\n", *poolsFlag, cf.c.Resolved().Address, cf.c.Resolved().Namespace)
	<-ctx.Done()
	stop()
	return nil
}
