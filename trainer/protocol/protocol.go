// Package protocol is the process interface between eigendata's gpu worker
// and a trainer backend (the PyTorch reference in trainer/torch, the fake
// in trainer/faketrainer, or an adapter around an existing distributed
// trainer).
//
// The worker downloads the batch (and the base checkpoint, if any) from S3
// to a local directory, then writes a Request as JSON to
// <output_dir>/request.json and runs the backend command with that path as
// its last argument (also in $EIGENDATA_TRAIN_REQUEST), stdin /dev/null,
// CUDA_VISIBLE_DEVICES set to the leased GPUs, in its own process group.
// Every path in the request is local; the original URIs come along for
// logs and lineage only, so a backend needs no S3 client.
//
// The backend prints JSON lines on stdout:
//
//	{"event":"progress","step":3,"loss":0.41,"metrics":{"clip_frac":0.1}}
//	{"event":"checkpoint","path":"/tmp/step/out"}
//	{"event":"done","checkpoint":"/tmp/step/out","metrics":{"final_loss":0.2}}
//	{"event":"error","message":"CUDA error: out of memory"}
//
// Lines that are not JSON objects with an "event" field (library banners,
// warnings) are logged and ignored; stderr is kept for error reports.
// Success is exit status 0 with a "done" event (or at least a "checkpoint"
// event) and no "error" event. On cancellation the runner sends SIGTERM to
// the whole process group and SIGKILL after a grace period; processes the
// backend leaves behind after it exits are killed too.
package protocol

import (
	"errors"
	"fmt"
)

// The request modes.
const (
	// ModeGRPO is a policy step on a batch with advantages.
	ModeGRPO = "grpo"
	// ModeSFT is supervised fine-tuning on the batch's trained-on tokens.
	ModeSFT = "sft"
)

// RequestFile is the name of the request file the runner writes into the
// output directory (the worker skips it when uploading the checkpoint).
const RequestFile = "request.json"

// RequestEnv is the environment variable that also holds the request
// file's path.
const RequestEnv = "EIGENDATA_TRAIN_REQUEST"

// Request is what a backend receives.
type Request struct {
	// Mode is ModeGRPO or ModeSFT.
	Mode string `json:"mode"`
	// Batch is the local path of batch.jsonl (grpo.Sample lines).
	Batch string `json:"batch"`
	// BatchURI is where the batch came from (an S3 key or URI), for logs
	// and lineage; backends read Batch.
	BatchURI string `json:"batch_uri,omitempty"`
	// BaseCheckpoint is the local directory of the checkpoint to start
	// from; empty means initialise (or load the named base model).
	BaseCheckpoint string `json:"base_checkpoint,omitempty"`
	// BaseCheckpointURI is where BaseCheckpoint came from.
	BaseCheckpointURI string `json:"base_checkpoint_uri,omitempty"`
	// OutputDir is the local directory that receives the new checkpoint;
	// the worker uploads its files.
	OutputDir string `json:"output_dir"`
	// Hyper are hyperparameters: lr, steps, clip, kl_coef, model, ...
	// (backend-specific keys pass through).
	Hyper map[string]any `json:"hyperparameters"`
	// Seed seeds the backend's random generators.
	Seed int64 `json:"seed"`
}

// Validate checks the fields every backend needs.
func (r Request) Validate() error {
	var errs []error
	if r.Mode != ModeGRPO && r.Mode != ModeSFT {
		errs = append(errs, fmt.Errorf("mode %q: want %q or %q", r.Mode, ModeGRPO, ModeSFT))
	}
	if r.Batch == "" {
		errs = append(errs, errors.New("no batch path"))
	}
	if r.OutputDir == "" {
		errs = append(errs, errors.New("no output_dir"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("protocol: request: %w", err)
	}
	return nil
}
