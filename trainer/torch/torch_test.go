// Package torch_test runs the PyTorch backend's checks from `go test`: the
// self-checks of train.py, its Python tests with the real model
// (test_torch.py, through pytest) and the cross-check of eigendata's GRPO
// against TRL's GRPOTrainer (trl_crosscheck.py). They need eigendata's
// Python environment and fail, never skip, without it.
package torch_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eigendata/eigendata/infra/modelserver"
	"github.com/eigendata/eigendata/trainer/grpo"
)

// python returns the environment's interpreter and eigendata's root.
func python(t *testing.T) (string, string) {
	t.Helper()
	py, err := modelserver.Python()
	if err != nil {
		t.Fatalf("the PyTorch backend's tests need eigendata's Python environment (torch, transformers, peft, trl): %v", err)
	}
	root, err := modelserver.Root()
	if err != nil {
		t.Fatal(err)
	}
	return py, root
}

// runPython runs the interpreter in root and returns stdout; stderr is
// logged when it fails.
func runPython(t *testing.T, timeout time.Duration, args ...string) []byte {
	t.Helper()
	py, root := python(t)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1", "HF_HUB_OFFLINE=1", "TRANSFORMERS_OFFLINE=1", "TRL_EXPERIMENTAL_SILENCE=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	t.Logf("%s %s: %v", filepath.Base(py), strings.Join(args, " "), time.Since(start).Round(100*time.Millisecond))
	if err != nil {
		t.Fatalf("%s: %v\nstdout:\n%s\nstderr (tail):\n%s", strings.Join(args, " "), err, stdout.String(), tail(stderr.String(), 4000))
	}
	return stdout.Bytes()
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func TestTrainSelftest(t *testing.T) {
	out := runPython(t, 2*time.Minute, "trainer/torch/train.py", "--selftest")
	if bytes.Contains(out, []byte(`"ok": false`)) || !bytes.Contains(out, []byte("clipped surrogate")) {
		t.Fatalf("selftest:\n%s", out)
	}
}

// TestPythonSuite runs test_torch.py: server log-probs equal the
// trainer's, a GRPO step changes the served policy (new weight version),
// LoRA and full checkpoints load, SFT's loss falls.
func TestPythonSuite(t *testing.T) {
	out := runPython(t, 8*time.Minute, "-m", "pytest", "-q", "-p", "no:cacheprovider", "trainer/torch/test_torch.py")
	t.Logf("pytest:\n%s", tail(string(out), 2000))
}

// crossResult is trl_crosscheck.py's answer for one case.
type crossResult struct {
	Name              string    `json:"name"`
	TRLAdvantages     []float64 `json:"trl_advantages"`
	AdvMaxAbsDiff     float64   `json:"adv_max_abs_diff"`
	TRLLoss           float64   `json:"trl_loss"`
	Loss              float64   `json:"loss"`
	LossAbsDiff       float64   `json:"loss_abs_diff"`
	GradMaxAbsDiff    float64   `json:"grad_max_abs_diff"`
	GradMaxAbs        float64   `json:"grad_max_abs"`
	ClipFraction      float64   `json:"clip_fraction"`
	TrainPyExit       *int      `json:"train_py_exit"`
	TrainPyLoss       *float64  `json:"train_py_loss"`
	TrainPyLossDiff   *float64  `json:"train_py_loss_abs_diff"`
	TrainPyStderr     string    `json:"train_py_stderr"`
	Tokens, Samples   float64
	ExpectedAdvantage []float64 `json:"advantages"`
}

// TestTRLCrossCheck checks trainer/grpo's advantages and train.py's GRPO
// loss and gradients against TRL 1.16's GRPOTrainer on the same batches
// (TRL's own _generate_and_score_completions and _compute_loss; see
// trl_crosscheck.py). Correspondence: Options{NormByStd: true, Epsilon:
// 1e-4} is scale_rewards="group" (TRL's epsilon is fixed at 1e-4; ours
// defaults to verl's 1e-6), NormByStd false is scale_rewards="none" (Dr.
// GRPO's centring); train.py's token-mean is loss_type="dapo"; clip is
// epsilon; kl_coef is beta (the same k3 estimator); temperature scales the
// logits on both sides.
func TestTRLCrossCheck(t *testing.T) {
	type tcase struct {
		Name         string      `json:"name"`
		Groups       [][]float64 `json:"groups"`
		Advantages   [][]float64 `json:"advantages"`
		ScaleRewards string      `json:"scale_rewards"`
		Clip         float64     `json:"clip"`
		KLCoef       float64     `json:"kl_coef"`
		Temperature  float64     `json:"temperature"`
		Seed         int         `json:"seed"`
		TrainPy      bool        `json:"train_py"`
	}
	specs := []struct {
		tcase
		opt grpo.Options
	}{
		{tcase{Name: "grpo, group-scaled, clip 0.4", Groups: [][]float64{{1, 0, 0, 1}, {0, 0, 1, 0}, {1, 1, 1, 1}},
			ScaleRewards: "group", Clip: 0.4, Temperature: 1, Seed: 1, TrainPy: true},
			grpo.Options{NormByStd: true, Epsilon: 1e-4}},
		{tcase{Name: "dr-grpo (centred), k3 KL 0.05, temperature 0.7, clip 0.2", Groups: [][]float64{{1, 0, 1, 1}, {0, 0, 0, 1}},
			ScaleRewards: "none", Clip: 0.2, KLCoef: 0.05, Temperature: 0.7, Seed: 2},
			grpo.Options{NormByStd: false}},
	}
	var cases []tcase
	for _, s := range specs {
		adv, err := grpo.Compute(s.Groups, s.opt)
		if err != nil {
			t.Fatal(err)
		}
		c := s.tcase
		c.Advantages = adv
		cases = append(cases, c)
	}
	path := filepath.Join(t.TempDir(), "cases.json")
	b, _ := json.Marshal(map[string]any{"cases": cases})
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out := runPython(t, 8*time.Minute, "trainer/torch/trl_crosscheck.py", path)
	var results []crossResult
	for _, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		if len(line) == 0 || line[0] != '{' {
			continue
		}
		var r crossResult
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		results = append(results, r)
	}
	if len(results) != len(cases) {
		t.Fatalf("%d results for %d cases:\n%s", len(results), len(cases), out)
	}
	for _, r := range results {
		t.Logf("%s: advantages max diff %.2g; loss TRL %.6f, ours %.6f (diff %.2g); gradients max diff %.2g of max %.3g; %.0f%% of tokens clipped",
			r.Name, r.AdvMaxAbsDiff, r.TRLLoss, r.Loss, r.LossAbsDiff, r.GradMaxAbsDiff, r.GradMaxAbs, 100*r.ClipFraction)
		// Advantages: TRL computes in float32, trainer/grpo in float64.
		if r.AdvMaxAbsDiff > 1e-6 {
			t.Errorf("%s: advantages differ from TRL's by %g: TRL %v, ours %v", r.Name, r.AdvMaxAbsDiff, r.TRLAdvantages, r.ExpectedAdvantage)
		}
		// Loss and gradients: float32 sums in a different order.
		if r.LossAbsDiff > 1e-5*math.Max(1, math.Abs(r.TRLLoss)) {
			t.Errorf("%s: loss %g, TRL's %g", r.Name, r.Loss, r.TRLLoss)
		}
		if r.GradMaxAbs == 0 || r.GradMaxAbsDiff > 2e-4*r.GradMaxAbs {
			t.Errorf("%s: gradients differ from TRL's by %g (largest gradient %g)", r.Name, r.GradMaxAbsDiff, r.GradMaxAbs)
		}
		if r.ClipFraction == 0 {
			t.Errorf("%s: no token was clipped: the case does not exercise the clip", r.Name)
		}
		if r.TrainPyExit != nil {
			if *r.TrainPyExit != 0 || r.TrainPyLossDiff == nil {
				t.Errorf("%s: train.py exit %d: %s", r.Name, *r.TrainPyExit, r.TrainPyStderr)
			} else if *r.TrainPyLossDiff > 1e-5*math.Max(1, math.Abs(r.TRLLoss)) {
				t.Errorf("%s: train.py's first loss %g, TRL's %g", r.Name, *r.TrainPyLoss, r.TRLLoss)
			} else {
				t.Logf("%s: train.py through the protocol: first loss %.6f (diff %.2g)", r.Name, *r.TrainPyLoss, *r.TrainPyLossDiff)
			}
		}
	}
}
