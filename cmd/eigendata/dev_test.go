package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
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
