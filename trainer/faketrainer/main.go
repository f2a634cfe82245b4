// Command faketrainer is a trainer backend that obeys eigendata's process
// protocol (trainer/protocol) without a GPU or a model, for tests. It reads
// the request file named by its last argument (or $EIGENDATA_TRAIN_REQUEST),
// validates the batch as grpo.Sample lines, "trains" for
// hyperparameters.steps steps with a decreasing loss (1/(1+step)), writes
// <output_dir>/checkpoint.json recording the step count, the batch's
// sha256 and the environment it saw, and reports progress, checkpoint and
// done events, with a line of non-JSON output among them.
//
// Hyperparameters (JSON numbers; booleans also accepted):
//
//	steps          steps to run (default 3)
//	sleep_ms       sleep before each step
//	fail           after the steps, print "injected failure" to stderr and exit 3
//	fail_event     after the steps, send an error event and exit 0
//	spawn_child    start `sleep 300` in the process group; its pid goes to
//	               <output_dir>/child.pid (group-kill tests)
//	orphan         like spawn_child, but the child inherits stdout and the
//	               trainer exits normally, leaving it behind
//	ignore_sigterm ignore SIGTERM (SIGKILL escalation tests)
//
// With EIGENDATA_TRAIN_LOG set it appends one line per completed run there.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/eigendata/eigendata/trainer/grpo"
	"github.com/eigendata/eigendata/trainer/protocol"
)

// Checkpoint is what the fake trainer writes to checkpoint.json.
type Checkpoint struct {
	Mode        string  `json:"mode"`
	Steps       int     `json:"steps"`
	TotalSteps  int     `json:"total_steps"`
	BatchSHA256 string  `json:"batch_sha256"`
	Samples     int     `json:"samples"`
	Base        string  `json:"base"`
	Seed        int64   `json:"seed"`
	FinalLoss   float64 `json:"final_loss"`
	CUDADevices string  `json:"cuda_visible_devices"`
}

func emit(ev protocol.Event) {
	b, _ := json.Marshal(ev)
	fmt.Println(string(b))
}

func num(h map[string]any, k string, def float64) float64 {
	switch v := h[k].(type) {
	case float64:
		return v
	case bool:
		if v {
			return 1
		}
		return 0
	}
	return def
}

func main() {
	if err := run(); err != nil {
		emit(protocol.Event{Event: protocol.EventError, Message: err.Error()})
		fmt.Fprintln(os.Stderr, "faketrainer:", err)
		os.Exit(1)
	}
}

func run() error {
	path := os.Getenv(protocol.RequestEnv)
	if len(os.Args) > 1 {
		path = os.Args[len(os.Args)-1]
	}
	if path == "" {
		return errors.New("usage: faketrainer REQUEST.json")
	}
	var req protocol.Request
	b, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(b, &req)
	}
	if err == nil {
		err = req.Validate()
	}
	if err != nil {
		return fmt.Errorf("reading the request: %w", err)
	}
	h := req.Hyper
	if num(h, "ignore_sigterm", 0) > 0 {
		signal.Ignore(syscall.SIGTERM)
	}
	fmt.Println("faketrainer starting (this line is not JSON)")
	if num(h, "spawn_child", 0) > 0 || num(h, "orphan", 0) > 0 {
		child := exec.Command("sleep", "300")
		if num(h, "orphan", 0) > 0 {
			child.Stdout = os.Stdout
		}
		if err := child.Start(); err != nil {
			return fmt.Errorf("spawning a child: %w", err)
		}
		if err := os.WriteFile(filepath.Join(req.OutputDir, "child.pid"), []byte(fmt.Sprint(child.Process.Pid)), 0o644); err != nil {
			return err
		}
	}
	batch, err := os.ReadFile(req.Batch)
	if err != nil {
		return fmt.Errorf("reading the batch: %w", err)
	}
	samples, err := grpo.DecodeBatch(bytes.NewReader(batch))
	if err != nil {
		return fmt.Errorf("invalid batch: %w", err)
	}
	sum := sha256.Sum256(batch)
	base := 0
	if req.BaseCheckpoint != "" {
		var prev Checkpoint
		if b, err := os.ReadFile(filepath.Join(req.BaseCheckpoint, "checkpoint.json")); err == nil && json.Unmarshal(b, &prev) == nil {
			base = prev.TotalSteps
		}
	}
	steps := int(num(h, "steps", 3))
	loss := 1.0
	for s := 1; s <= steps; s++ {
		time.Sleep(time.Duration(num(h, "sleep_ms", 0)) * time.Millisecond)
		loss = 1 / float64(1+s)
		emit(protocol.Event{Event: protocol.EventProgress, Step: s, Loss: loss, Metrics: map[string]float64{"samples": float64(len(samples))}})
	}
	if num(h, "fail", 0) > 0 {
		fmt.Fprintln(os.Stderr, "Traceback (most recent call last):\ninjected failure")
		os.Exit(3)
	}
	if num(h, "fail_event", 0) > 0 {
		emit(protocol.Event{Event: protocol.EventError, Message: "injected error event"})
		return nil
	}
	ckpt := Checkpoint{Mode: req.Mode, Steps: steps, TotalSteps: base + steps, BatchSHA256: hex.EncodeToString(sum[:]),
		Samples: len(samples), Base: req.BaseCheckpoint, Seed: req.Seed, FinalLoss: loss, CUDADevices: os.Getenv("CUDA_VISIBLE_DEVICES")}
	rec, err := json.Marshal(ckpt)
	if err != nil {
		return err
	}
	out := filepath.Join(req.OutputDir, "checkpoint.json")
	if err := os.WriteFile(out, rec, 0o644); err != nil {
		return err
	}
	if log := os.Getenv("EIGENDATA_TRAIN_LOG"); log != "" {
		f, err := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err == nil {
			fmt.Fprintf(f, "%s %s %s\n", req.Mode, hex.EncodeToString(sum[:8]), req.OutputDir)
			f.Close()
		}
	}
	emit(protocol.Event{Event: protocol.EventCheckpoint, Path: req.OutputDir})
	emit(protocol.Event{Event: protocol.EventDone, Checkpoint: req.OutputDir, Metrics: map[string]float64{"final_loss": loss}})
	return nil
}
