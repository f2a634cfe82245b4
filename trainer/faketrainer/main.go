// Command faketrainer is a trainer backend that obeys eigendata's process
// protocol without a GPU or a model, for tests: it "trains" for
// hyperparameters.steps steps with a decreasing loss, writes a checkpoint
// file recording the steps and the batch's sha256, and reports events.
// Hyperparameters: steps (default 3), sleep_ms per step, fail (exit 3),
// spawn_child (start a sleeping child process, to test group kills). With
// EIGENDATA_TRAIN_LOG set it appends one line per completed run there.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/eigendata/eigendata/trainer/protocol"
)

func emit(ev protocol.Event) {
	b, _ := json.Marshal(ev)
	fmt.Println(string(b))
}

func num(h map[string]any, k string, def float64) float64 {
	if v, ok := h[k].(float64); ok {
		return v
	}
	return def
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: faketrainer REQUEST.json")
		os.Exit(2)
	}
	var req protocol.Request
	b, err := os.ReadFile(os.Args[len(os.Args)-1])
	if err == nil {
		err = json.Unmarshal(b, &req)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "reading request:", err)
		os.Exit(2)
	}
	fmt.Println("faketrainer starting (this line is not JSON)")
	if num(req.Hyper, "spawn_child", 0) > 0 {
		child := exec.Command("sleep", "300")
		if err := child.Start(); err == nil {
			_ = os.WriteFile(filepath.Join(req.OutputDir, "child.pid"), []byte(fmt.Sprint(child.Process.Pid)), 0o644)
		}
	}
	batch, err := os.ReadFile(req.Batch)
	if err != nil {
		emit(protocol.Event{Event: "error", Message: err.Error()})
		os.Exit(1)
	}
	sum := sha256.Sum256(batch)
	steps := int(num(req.Hyper, "steps", 3))
	loss := 1.0
	for s := 1; s <= steps; s++ {
		time.Sleep(time.Duration(num(req.Hyper, "sleep_ms", 0)) * time.Millisecond)
		loss *= 0.8
		emit(protocol.Event{Event: "progress", Step: s, Loss: loss})
	}
	if num(req.Hyper, "fail", 0) > 0 {
		fmt.Fprintln(os.Stderr, "injected failure")
		os.Exit(3)
	}
	ckpt := filepath.Join(req.OutputDir, "checkpoint.json")
	rec, _ := json.Marshal(map[string]any{"mode": req.Mode, "steps": steps, "batch_sha256": hex.EncodeToString(sum[:]), "base": req.BaseCheckpoint})
	if err := os.WriteFile(ckpt, rec, 0o644); err != nil {
		emit(protocol.Event{Event: "error", Message: err.Error()})
		os.Exit(1)
	}
	if log := os.Getenv("EIGENDATA_TRAIN_LOG"); log != "" {
		f, err := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err == nil {
			fmt.Fprintf(f, "%s %s %s\n", req.Mode, hex.EncodeToString(sum[:8]), req.OutputDir)
			f.Close()
		}
	}
	emit(protocol.Event{Event: "checkpoint", Path: ckpt})
	emit(protocol.Event{Event: "done", Checkpoint: ckpt, Metrics: map[string]float64{"final_loss": loss}})
}
