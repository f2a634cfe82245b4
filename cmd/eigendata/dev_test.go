package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDevServesWebUI starts `eigendata dev` (in memory, free ports), reads
// the Web UI URL it prints, expects HTTP 200 there, then shuts it down the
// way Ctrl-C does.
func TestDevServesWebUI(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- dispatch(ctx, []string{"dev", "--in-memory", "--port", "0", "--ui-port", "0", "--s3-port", "0", "--redis-url", ""}, pw)
		pw.Close()
	}()
	ui := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			t.Log(line)
			if f := strings.Fields(line); len(f) >= 3 && f[0] == "Web" && f[1] == "UI" {
				ui <- f[2]
			}
		}
	}()
	var url string
	select {
	case url = <-ui:
	case err := <-done:
		t.Fatalf("dev exited early: %v", err)
	case <-time.After(2 * time.Minute):
		t.Fatal("dev printed no Web UI URL")
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	cancel() // what Ctrl-C does through signal.NotifyContext
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("dev did not shut down")
	}
}

// TestMainJobSynthesizesOffline runs the README's main job (smaller) on
// the embedded stack and checks what it prints and exports.
func TestMainJobSynthesizesOffline(t *testing.T) {
	t.Setenv("OPENAI_BASE_URL", "")
	out := t.TempDir()
	var buf strings.Builder
	err := dispatch(context.Background(), []string{"run", "--in-memory", "--port", "0", "--ui-port", "0", "--s3-port", "0",
		"--redis-url", "", "--count", "6", "--out", out}, &buf)
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	text := buf.String()
	for _, want := range []string{"accepted 6 of", "stage acceptance:", "verify", "manifest: s3://eigendata/runs/synth-gen-airline-", "offline baseline"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	runs, err := os.ReadDir(out)
	if err != nil || len(runs) != 1 {
		t.Fatalf("export dir: %v %v", runs, err)
	}
	dir := filepath.Join(out, runs[0].Name())
	shard, err := os.ReadFile(filepath.Join(dir, "dataset", "shard-00000.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(strings.Split(strings.TrimSpace(string(shard)), "\n")); n != 6 {
		t.Errorf("shard has %d records, want 6", n)
	}
	checkers, _ := os.ReadDir(filepath.Join(dir, "checkers"))
	if len(checkers) != 6 {
		t.Errorf("%d checkers exported, want 6", len(checkers))
	}
	for _, f := range []string{"tasks.json", "manifest.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}
