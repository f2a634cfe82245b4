package protocol

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
)

// DefaultGrace is the time between SIGTERM and SIGKILL on cancellation.
const DefaultGrace = 5 * time.Second

// stderrTail is how much of the backend's stderr an error report keeps.
const stderrTail = 8 << 10

// Result is a finished run.
type Result struct {
	// Checkpoint is the final checkpoint's path (the done event's, else
	// the last checkpoint event's).
	Checkpoint string `json:"checkpoint"`
	// Steps is the last progress event's step.
	Steps int `json:"steps"`
	// Losses are the progress events' losses, in order.
	Losses []float64 `json:"losses"`
	// Metrics are the done event's.
	Metrics map[string]float64 `json:"metrics,omitempty"`
	// Ignored counts output lines that were not events.
	Ignored int `json:"ignored_lines,omitempty"`
}

// Options tune Run.
type Options struct {
	// Env is added to the backend's environment (after the worker's own,
	// so it wins): CUDA_VISIBLE_DEVICES=<lease> in particular.
	Env []string
	// Dir is the backend's working directory ("" = the worker's).
	Dir string
	// Grace is the time between SIGTERM and SIGKILL on cancellation
	// (default DefaultGrace).
	Grace time.Duration
	// OnEvent is called for every event, in order, from one goroutine (the
	// activity heartbeats step and loss from it). Run returns only after
	// the last call.
	OnEvent func(Event)
	// Stderr, if set, also receives the backend's stderr as it comes.
	Stderr io.Writer
	// Log receives ignored output lines at debug level (default
	// slog.Default()).
	Log *slog.Logger
}

// Error is a failed run.
type Error struct {
	// ExitCode is the backend's exit status; -1 when it was killed by a
	// signal or did not report one.
	ExitCode int
	// Message is the backend's error event's message, if any.
	Message string
	// Stderr is the tail of its stderr.
	Stderr string
	// Err is the underlying cause (an *exec.ExitError, ctx.Err(), ...).
	Err error
}

// Error says what failed, with the backend's message and stderr tail.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("protocol: trainer failed")
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.Stderr != "" {
		fmt.Fprintf(&b, "\nstderr (tail):\n%s", e.Stderr)
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// ErrNoDone means the backend exited 0 without reporting a checkpoint.
var ErrNoDone = errors.New("exited without a done or checkpoint event")

// ErrReported means the backend sent an error event but exited 0.
var ErrReported = errors.New("the trainer reported an error")

// Run executes one backend step: it writes req to
// <req.OutputDir>/request.json, runs cmd with that path appended in a new
// process group, streams the stdout events to opt.OnEvent and returns the
// result. When ctx ends it sends SIGTERM to the process group, then
// SIGKILL after opt.Grace, and returns an error wrapping ctx.Err(). After
// the backend exits, whatever it left running in its group is killed. A
// failure is an *Error.
func Run(ctx context.Context, cmd []string, req Request, opt Options) (Result, error) {
	if len(cmd) == 0 {
		return Result{}, errors.New("protocol: empty trainer command")
	}
	if err := req.Validate(); err != nil {
		return Result{}, err
	}
	if opt.Grace <= 0 {
		opt.Grace = DefaultGrace
	}
	log := opt.Log
	if log == nil {
		log = slog.Default()
	}
	if err := os.MkdirAll(req.OutputDir, 0o755); err != nil {
		return Result{}, fmt.Errorf("protocol: output dir: %w", err)
	}
	reqPath, err := filepath.Abs(filepath.Join(req.OutputDir, RequestFile))
	if err != nil {
		return Result{}, fmt.Errorf("protocol: %w", err)
	}
	b, err := json.MarshalIndent(req, "", "  ")
	if err != nil {
		return Result{}, fmt.Errorf("protocol: encoding the request: %w", err)
	}
	if err := os.WriteFile(reqPath, b, 0o644); err != nil {
		return Result{}, fmt.Errorf("protocol: writing the request: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return Result{}, &Error{ExitCode: -1, Err: err}
	}

	c := exec.Command(cmd[0], append(cmd[1:len(cmd):len(cmd)], reqPath)...)
	c.Dir = opt.Dir
	c.Env = append(append(os.Environ(), opt.Env...), RequestEnv+"="+reqPath)
	c.SysProcAttr = sysProcAttr()
	// Our own pipes: Wait then returns when the backend exits, even if
	// something it started still holds stdout or stderr open.
	outR, outW, err := os.Pipe()
	if err != nil {
		return Result{}, fmt.Errorf("protocol: %w", err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return Result{}, fmt.Errorf("protocol: %w", err)
	}
	c.Stdout, c.Stderr = outW, errW

	started := make(chan error, 1)
	exited := make(chan error, 1)
	go func() {
		// Pdeathsig fires when the thread that started the child exits;
		// keep this goroutine on its thread for the child's lifetime so no
		// other goroutine can lock the thread and take it down.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := c.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		exited <- c.Wait()
	}()
	startErr := <-started
	outW.Close()
	errW.Close()
	if startErr != nil {
		outR.Close()
		errR.Close()
		return Result{}, fmt.Errorf("protocol: starting %s: %w", cmd[0], startErr)
	}
	pgid := c.Process.Pid

	var res Result
	var failure string
	var sawCheckpoint string
	var tail tailBuffer
	var readers sync.WaitGroup
	readers.Add(2)
	go func() {
		defer readers.Done()
		_ = Scan(outR, func(ev Event) {
			switch ev.Event {
			case EventProgress:
				res.Steps = ev.Step
				res.Losses = append(res.Losses, ev.Loss)
			case EventCheckpoint:
				sawCheckpoint = ev.Path
			case EventDone:
				res.Checkpoint, res.Metrics = ev.Checkpoint, ev.Metrics
			case EventError:
				failure = ev.Message
			default:
				log.Debug("trainer event of unknown kind", "event", ev.Event)
			}
			if opt.OnEvent != nil {
				opt.OnEvent(ev)
			}
		}, func(line string) {
			res.Ignored++
			log.Debug("trainer output", "line", line)
		})
	}()
	go func() {
		defer readers.Done()
		var w io.Writer = &tail
		if opt.Stderr != nil {
			w = io.MultiWriter(&tail, opt.Stderr)
		}
		_, _ = io.Copy(w, errR)
	}()

	// Cancellation: SIGTERM to the group, SIGKILL after the grace period.
	var waitErr error
	cancelled := false
	select {
	case waitErr = <-exited:
	case <-ctx.Done():
		cancelled = true
		_ = killGroup(pgid, syscall.SIGTERM)
		select {
		case waitErr = <-exited:
		case <-time.After(opt.Grace):
			_ = killGroup(pgid, syscall.SIGKILL)
			waitErr = <-exited
		}
	}
	// The backend has exited; kill what it left behind in its group, then
	// let the readers drain. A process that left the group but holds our
	// pipes cannot keep Run waiting past the grace period.
	_ = killGroup(pgid, syscall.SIGKILL)
	drained := make(chan struct{})
	go func() { readers.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(opt.Grace):
		log.Warn("trainer output still open after exit; closing it", "pid", pgid)
		outR.Close()
		errR.Close()
		<-drained
	}
	outR.Close()
	errR.Close()

	if res.Checkpoint == "" {
		res.Checkpoint = sawCheckpoint
	}
	exitCode := -1
	if c.ProcessState != nil {
		exitCode = c.ProcessState.ExitCode()
	}
	fail := func(cause error) (Result, error) {
		return res, &Error{ExitCode: exitCode, Message: failure, Stderr: tail.String(), Err: cause}
	}
	switch {
	case cancelled:
		return fail(fmt.Errorf("cancelled: %w", ctx.Err()))
	case waitErr != nil:
		return fail(waitErr)
	case failure != "":
		return fail(ErrReported)
	case res.Checkpoint == "":
		return fail(ErrNoDone)
	}
	return res, nil
}

// tailBuffer keeps the last stderrTail bytes written to it.
type tailBuffer struct {
	mu sync.Mutex
	b  []byte
}

// Write keeps the tail of p.
func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > stderrTail {
		t.b = append(t.b[:0], t.b[len(t.b)-stderrTail:]...)
	}
	return len(p), nil
}

// String is the kept tail, trimmed.
func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.b))
}
