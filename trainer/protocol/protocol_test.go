package protocol

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildFake compiles trainer/faketrainer once per test binary run.
func buildFake(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "faketrainer")
	out, err := exec.Command("go", "build", "-o", bin, "../faketrainer").CombinedOutput()
	if err != nil {
		t.Fatalf("building faketrainer: %v\n%s", err, out)
	}
	return bin
}

func request(t *testing.T, hyper map[string]any) Request {
	dir := t.TempDir()
	batch := filepath.Join(dir, "batch.jsonl")
	if err := os.WriteFile(batch, []byte(`{"task_id":"a","messages":[{"role":"user","content":"hi"}],"advantage":1}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return Request{Mode: "grpo", Batch: batch, OutputDir: filepath.Join(dir, "out"), Hyper: hyper}
}

func TestRunParsesEventsAndReturnsCheckpoint(t *testing.T) {
	bin := buildFake(t)
	var events []Event
	res, err := Run(context.Background(), []string{bin}, request(t, map[string]any{"steps": 4.0}), Options{OnEvent: func(e Event) { events = append(events, e) }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Steps != 4 || len(res.Losses) != 4 || res.Losses[3] >= res.Losses[0] {
		t.Errorf("result %+v", res)
	}
	if b, err := os.ReadFile(res.Checkpoint); err != nil || !strings.Contains(string(b), `"steps":4`) {
		t.Errorf("checkpoint %s: %s %v", res.Checkpoint, b, err)
	}
	if len(events) != 6 { // 4 progress + checkpoint + done; the non-JSON line is ignored
		t.Errorf("%d events: %+v", len(events), events)
	}
}

func TestRunReportsFailureWithStderr(t *testing.T) {
	bin := buildFake(t)
	_, err := Run(context.Background(), []string{bin}, request(t, map[string]any{"fail": 1.0}), Options{})
	if err == nil || !strings.Contains(err.Error(), "injected failure") {
		t.Fatalf("want the stderr tail in the error, got %v", err)
	}
}

func TestCancelKillsTheProcessGroup(t *testing.T) {
	bin := buildFake(t)
	req := request(t, map[string]any{"steps": 1000.0, "sleep_ms": 50.0, "spawn_child": 1.0})
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{}, 1)
	go func() {
		<-started
		cancel()
	}()
	_, err := Run(ctx, []string{bin}, req, Options{Grace: 200 * time.Millisecond, OnEvent: func(e Event) {
		if e.Step == 2 {
			started <- struct{}{}
		}
	}})
	if err == nil {
		t.Fatal("cancelled run succeeded")
	}
	b, err := os.ReadFile(filepath.Join(req.OutputDir, "child.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(string(b))
	deadline := time.Now().Add(2 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("child %d of the trainer survived the cancel", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
