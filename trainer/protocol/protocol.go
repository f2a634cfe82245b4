// Package protocol is the process interface between eigendata's gpu worker
// and a trainer backend (the PyTorch reference in trainer/torch, or an
// adapter for an existing distributed trainer). The worker writes a
// Request as JSON to a file and runs the backend command with the file's
// path as its last argument, CUDA_VISIBLE_DEVICES set to the leased GPUs,
// in its own process group. The backend prints JSON lines on stdout:
//
//	{"event":"progress","step":3,"loss":0.41,"metrics":{...}}
//	{"event":"checkpoint","path":"/out/step-3"}
//	{"event":"done","checkpoint":"/out/final","metrics":{...}}
//	{"event":"error","message":"..."}
//
// Other lines are logged and ignored. Exit status 0 with a "done" event is
// success. Inputs and outputs are local paths: the worker downloads the
// batch and the base checkpoint from S3 first and uploads the new
// checkpoint afterwards, so backends need no S3 client.
package protocol

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Request is what a backend receives.
type Request struct {
	// Mode is "grpo" (policy step on advantages) or "sft".
	Mode string `json:"mode"`
	// Batch is the local path of batch.jsonl (grpo.Sample lines).
	Batch string `json:"batch"`
	// BatchURI is where the batch came from (for logs and lineage).
	BatchURI string `json:"batch_uri,omitempty"`
	// BaseCheckpoint is a local directory ("" = initialise a new model).
	BaseCheckpoint string `json:"base_checkpoint,omitempty"`
	// OutputDir receives the new checkpoint.
	OutputDir string `json:"output_dir"`
	// Hyper are hyperparameters: lr, steps, clip, kl_coef, model, ...
	Hyper map[string]any `json:"hyperparameters"`
	Seed  int64          `json:"seed"`
}

// Event is one JSON line of backend output.
type Event struct {
	Event      string             `json:"event"`
	Step       int                `json:"step,omitempty"`
	Loss       float64            `json:"loss,omitempty"`
	Path       string             `json:"path,omitempty"`
	Checkpoint string             `json:"checkpoint,omitempty"`
	Message    string             `json:"message,omitempty"`
	Metrics    map[string]float64 `json:"metrics,omitempty"`
}

// Result is a finished run.
type Result struct {
	Checkpoint string             `json:"checkpoint"`
	Steps      int                `json:"steps"`
	Losses     []float64          `json:"losses"`
	Metrics    map[string]float64 `json:"metrics,omitempty"`
}

// Options tune Run.
type Options struct {
	// Env is added to the process environment (e.g. CUDA_VISIBLE_DEVICES).
	Env []string
	// Grace is the time between SIGTERM and SIGKILL on cancel (default 5s).
	Grace time.Duration
	// OnEvent is called for every event (the activity heartbeats from it).
	OnEvent func(Event)
	Log     *slog.Logger
}

// Run executes one backend step: cmd plus the request file's path.
func Run(ctx context.Context, cmd []string, req Request, opt Options) (Result, error) {
	if len(cmd) == 0 {
		return Result{}, errors.New("protocol: empty trainer command")
	}
	if opt.Grace == 0 {
		opt.Grace = 5 * time.Second
	}
	log := opt.Log
	if log == nil {
		log = slog.Default()
	}
	if err := os.MkdirAll(req.OutputDir, 0o755); err != nil {
		return Result{}, fmt.Errorf("protocol: %w", err)
	}
	reqPath := filepath.Join(req.OutputDir, "request.json")
	b, _ := json.MarshalIndent(req, "", " ")
	if err := os.WriteFile(reqPath, b, 0o644); err != nil {
		return Result{}, fmt.Errorf("protocol: %w", err)
	}
	c := exec.Command(cmd[0], append(cmd[1:], reqPath)...)
	c.Env = append(os.Environ(), opt.Env...)
	c.SysProcAttr = sysProcAttr()
	stdout, err := c.StdoutPipe()
	if err != nil {
		return Result{}, err
	}
	var stderr tail
	c.Stderr = &stderr
	if err := c.Start(); err != nil {
		return Result{}, fmt.Errorf("protocol: starting %s: %w", cmd[0], err)
	}
	// Kill the whole process group on cancel: SIGTERM, then SIGKILL.
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-ctx.Done():
			_ = syscall.Kill(-c.Process.Pid, syscall.SIGTERM)
			select {
			case <-time.After(opt.Grace):
				_ = syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
			case <-stop:
			}
		case <-stop:
		}
	}()
	var res Result
	var failure string
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 1<<22)
	for sc.Scan() {
		var ev Event
		if json.Unmarshal(sc.Bytes(), &ev) != nil || ev.Event == "" {
			log.Debug("trainer output", "line", sc.Text())
			continue
		}
		switch ev.Event {
		case "progress":
			res.Steps = ev.Step
			res.Losses = append(res.Losses, ev.Loss)
		case "done":
			res.Checkpoint, res.Metrics = ev.Checkpoint, ev.Metrics
		case "error":
			failure = ev.Message
		}
		if opt.OnEvent != nil {
			opt.OnEvent(ev)
		}
	}
	err = c.Wait()
	// The group may have children still running (the leader exited): clean up.
	_ = syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
	switch {
	case ctx.Err() != nil:
		return res, fmt.Errorf("protocol: trainer cancelled: %w", ctx.Err())
	case err != nil:
		return res, fmt.Errorf("protocol: trainer failed: %v: %s%s", err, failure, stderr.String())
	case failure != "":
		return res, fmt.Errorf("protocol: trainer reported: %s", failure)
	case res.Checkpoint == "":
		return res, errors.New("protocol: trainer exited without a done event")
	}
	return res, nil
}

// tail keeps the last 4 KiB written to it.
type tail struct{ b []byte }

func (t *tail) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 4096 {
		t.b = t.b[len(t.b)-4096:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	s := strings.TrimSpace(string(t.b))
	if s == "" {
		return ""
	}
	return "\nstderr: " + s
}

var _ io.Writer = (*tail)(nil)
