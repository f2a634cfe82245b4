package main

import (
	"context"
	"encoding/json"
	"flag"
	"io"

	"github.com/NVIDIA/go-nvml/pkg/nvml"

	"github.com/eigendata/eigendata/workers/gpu"
)

// runGPUs prints what NVML discovers: what a gpu worker would offer.
func runGPUs(_ context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("gpus", flag.ContinueOnError)
	if err := fs.Parse(args); err != nil {
		return err
	}
	devs, err := gpu.Discover(nvml.New())
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	for _, d := range devs {
		if err := enc.Encode(d); err != nil {
			return err
		}
	}
	return nil
}
