//go:build unix

package protocol

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeBin is trainer/faketrainer, built once for the package's tests.
var fakeBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "faketrainer-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fakeBin = filepath.Join(dir, "faketrainer")
	if out, err := exec.Command("go", "build", "-o", fakeBin, "../faketrainer").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building faketrainer: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const goodBatch = `{"task_id":"a","group":0,"reward":1,"advantage":0.5,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}
{"task_id":"a","group":0,"reward":0,"advantage":-0.5,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"no"}]}
`

func request(t *testing.T, batch string, hyper map[string]any) Request {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "batch.jsonl")
	if err := os.WriteFile(path, []byte(batch), 0o644); err != nil {
		t.Fatal(err)
	}
	return Request{Mode: ModeGRPO, Batch: path, BatchURI: "runs/x/iter-001/batch.jsonl", OutputDir: filepath.Join(dir, "out"), Hyper: hyper, Seed: 7}
}

// alive reports whether pid is a live process (a zombie counts as dead:
// an init that does not reap would otherwise keep killed children around).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err == nil {
		s := string(b)
		if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
			return s[i+2] != 'Z' && s[i+2] != 'X'
		}
		return true
	}
	if _, serr := os.Stat("/proc/self/stat"); serr == nil {
		return false // procfs works, the process is gone
	}
	return syscall.Kill(pid, 0) == nil
}

func childPID(t *testing.T, req Request) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(req.OutputDir, "child.pid"))
	if err != nil {
		t.Fatalf("the fake trainer recorded no child: %v", err)
	}
	pid, err := strconv.Atoi(string(b))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func waitDead(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("process %d survived", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRunParsesEventsAndReturnsTheCheckpoint(t *testing.T) {
	req := request(t, goodBatch, map[string]any{"steps": 4.0})
	var events []Event
	res, err := Run(context.Background(), []string{fakeBin}, req, Options{
		Env:     []string{"CUDA_VISIBLE_DEVICES=GPU-a,GPU-b"},
		OnEvent: func(e Event) { events = append(events, e) },
	})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range events {
		kinds = append(kinds, fmt.Sprintf("%s%d", e.Event, e.Step))
	}
	if got := strings.Join(kinds, " "); got != "progress1 progress2 progress3 progress4 checkpoint0 done0" {
		t.Errorf("events %s", got)
	}
	if res.Steps != 4 || len(res.Losses) != 4 {
		t.Fatalf("result %+v", res)
	}
	for i := 1; i < len(res.Losses); i++ {
		if res.Losses[i] >= res.Losses[i-1] {
			t.Errorf("loss did not decrease: %v", res.Losses)
		}
	}
	if res.Ignored != 1 { // the fake's banner line
		t.Errorf("%d ignored lines, want 1", res.Ignored)
	}
	if res.Checkpoint != req.OutputDir || res.Metrics["final_loss"] != res.Losses[3] {
		t.Errorf("checkpoint %q metrics %v", res.Checkpoint, res.Metrics)
	}
	var ckpt struct {
		Mode        string `json:"mode"`
		Steps       int    `json:"steps"`
		BatchSHA256 string `json:"batch_sha256"`
		Samples     int    `json:"samples"`
		Seed        int64  `json:"seed"`
		CUDA        string `json:"cuda_visible_devices"`
	}
	b, err := os.ReadFile(filepath.Join(res.Checkpoint, "checkpoint.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &ckpt); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(goodBatch))
	if ckpt.Mode != ModeGRPO || ckpt.Steps != 4 || ckpt.BatchSHA256 != hex.EncodeToString(sum[:]) || ckpt.Samples != 2 || ckpt.Seed != 7 {
		t.Errorf("checkpoint %+v", ckpt)
	}
	if ckpt.CUDA != "GPU-a,GPU-b" {
		t.Errorf("the trainer saw CUDA_VISIBLE_DEVICES=%q", ckpt.CUDA)
	}
	// The request file stays in the output dir, with the original URI.
	var back Request
	if b, err := os.ReadFile(filepath.Join(req.OutputDir, RequestFile)); err != nil || json.Unmarshal(b, &back) != nil || back.BatchURI != req.BatchURI {
		t.Errorf("request file: %s %v", b, err)
	}
}

func TestRunFailures(t *testing.T) {
	cases := []struct {
		name     string
		cmd      func() []string
		batch    string
		hyper    map[string]any
		exitCode int
		is       error
		contains []string
	}{
		{"non-zero exit carries the stderr tail", func() []string { return []string{fakeBin} }, goodBatch,
			map[string]any{"fail": true}, 3, nil, []string{"exit status 3", "injected failure", "Traceback"}},
		{"error event with exit 0", func() []string { return []string{fakeBin} }, goodBatch,
			map[string]any{"fail_event": 1.0}, 0, ErrReported, []string{"injected error event"}},
		{"invalid batch", func() []string { return []string{fakeBin} }, `{"task_id":"x"}`,
			nil, 1, nil, []string{"invalid batch", "neither token_ids nor messages"}},
		{"exit 0 without done", func() []string {
			return []string{"sh", "-c", `echo 'not json'; echo '{"event":"progress","step":1,"loss":0.5}'`}
		}, goodBatch, nil, 0, ErrNoDone, []string{"without a done"}},
		{"missing command", func() []string { return []string{"/nonexistent/trainer"} }, goodBatch, nil, -2, os.ErrNotExist, []string{"starting"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Run(context.Background(), tc.cmd(), request(t, tc.batch, tc.hyper), Options{})
			if err == nil {
				t.Fatal("the run succeeded")
			}
			for _, s := range tc.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
			var perr *Error
			if tc.exitCode == -2 { // never started: not an *Error
				if errors.As(err, &perr) {
					t.Errorf("a command that never started reported %+v", perr)
				}
				return
			}
			if !errors.As(err, &perr) || perr.ExitCode != tc.exitCode {
				t.Errorf("error %#v, want exit code %d", err, tc.exitCode)
			}
		})
	}
}

func TestCancelKillsTheProcessGroup(t *testing.T) {
	cases := []struct {
		name  string
		hyper map[string]any
		grace time.Duration
	}{
		// SIGTERM ends the trainer; its child is killed with the group.
		{"SIGTERM", map[string]any{"steps": 1000.0, "sleep_ms": 20.0, "spawn_child": 1.0}, 5 * time.Second},
		// The trainer ignores SIGTERM: SIGKILL after the grace period.
		{"SIGKILL after grace", map[string]any{"steps": 1000.0, "sleep_ms": 20.0, "spawn_child": 1.0, "ignore_sigterm": 1.0}, 300 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := request(t, goodBatch, tc.hyper)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var cancelledAt time.Time
			_, err := Run(ctx, []string{fakeBin}, req, Options{Grace: tc.grace, OnEvent: func(e Event) {
				if e.Step == 2 {
					cancelledAt = time.Now()
					cancel()
				}
			}})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("got %v, want context.Canceled", err)
			}
			took := time.Since(cancelledAt)
			waitDead(t, childPID(t, req))
			var perr *Error
			if !errors.As(err, &perr) || perr.ExitCode != -1 {
				t.Errorf("error %#v, want an *Error with exit code -1 (killed by a signal)", err)
			}
			if tc.hyper["ignore_sigterm"] != nil && (took < tc.grace || took > tc.grace+3*time.Second) {
				t.Errorf("returned %v after cancel, want just past the %v grace", took, tc.grace)
			}
			if tc.hyper["ignore_sigterm"] == nil && took > 3*time.Second {
				t.Errorf("returned %v after cancel; SIGTERM should have ended it at once", took)
			}
		})
	}
}

func TestLeftoverChildrenDoNotHoldTheRun(t *testing.T) {
	// The trainer exits 0 but leaves a child holding its stdout open.
	req := request(t, goodBatch, map[string]any{"steps": 2.0, "orphan": 1.0})
	start := time.Now()
	res, err := Run(context.Background(), []string{fakeBin}, req, Options{Grace: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.Steps != 2 || res.Checkpoint == "" {
		t.Errorf("result %+v", res)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("Run took %v: it waited for the leftover child", took)
	}
	waitDead(t, childPID(t, req))
}

func TestCancelledBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := request(t, goodBatch, nil)
	if _, err := Run(ctx, []string{fakeBin}, req, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
	if _, err := os.Stat(filepath.Join(req.OutputDir, "checkpoint.json")); err == nil {
		t.Error("the trainer ran although the context was done")
	}
}

func TestRequestValidate(t *testing.T) {
	cases := []struct {
		name string
		req  Request
		want string
	}{
		{"valid grpo", Request{Mode: ModeGRPO, Batch: "b", OutputDir: "o"}, ""},
		{"valid sft", Request{Mode: ModeSFT, Batch: "b", OutputDir: "o"}, ""},
		{"bad mode", Request{Mode: "ppo", Batch: "b", OutputDir: "o"}, `mode "ppo"`},
		{"no batch", Request{Mode: ModeSFT, OutputDir: "o"}, "no batch"},
		{"no output", Request{Mode: ModeSFT, Batch: "b"}, "no output_dir"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.req.Validate()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := Run(context.Background(), []string{"true"}, Request{Mode: "x"}, Options{}); err == nil {
		t.Error("Run accepted an invalid request")
	}
}
