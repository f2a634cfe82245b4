// Package redistest gives integration tests a real Redis server: the one at
// $REDIS_URL when set, otherwise a redis-server from PATH started on a free
// loopback port for the test and killed after it. With neither, the test
// fails: CI installs redis-server with apt-get, so its absence is a broken
// environment, not a reason to skip.
package redistest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// startTimeout bounds how long a started redis-server may take to answer PING.
const startTimeout = 10 * time.Second

// URL returns the redis:// URL of a real Redis server that answers PING,
// failing t if there is none. A server it starts is killed when t ends.
// Tests sharing $REDIS_URL's server must keep their keys apart (a unique
// prefix) and must not flush it.
func URL(t testing.TB) string {
	t.Helper()
	if u := os.Getenv("REDIS_URL"); u != "" {
		if err := ping(context.Background(), u, startTimeout); err != nil {
			t.Fatalf("redistest: REDIS_URL=%s does not answer PING: %v", u, err)
		}
		return u
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redistest: REDIS_URL is unset and redis-server is not in PATH (%v); "+
			"CI installs it with `apt-get install -y redis-server`, do the same locally or set REDIS_URL", err)
	}
	var lastErr error
	for range 3 { // a free port can be taken between probing and binding
		u, err := start(t, bin)
		if err == nil {
			return u
		}
		lastErr = err
	}
	t.Fatalf("redistest: starting %s: %v", bin, lastErr)
	return ""
}

// start runs redis-server on a free loopback port without persistence and
// waits until it answers PING.
func start(t testing.TB, bin string) (string, error) {
	port, err := freePort()
	if err != nil {
		return "", err
	}
	var out bytes.Buffer
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no")
	cmd.Stdout, cmd.Stderr = &out, &out
	killWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("starting: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Kill()
		<-exited
	}
	u := "redis://127.0.0.1:" + strconv.Itoa(port) + "/0"
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	for {
		select {
		case err := <-exited:
			return "", fmt.Errorf("redis-server exited (%v): %s", err, out.String())
		default:
		}
		if ping(ctx, u, 200*time.Millisecond) == nil {
			t.Cleanup(stop)
			return u, nil
		}
		select {
		case <-ctx.Done():
			stop()
			return "", fmt.Errorf("redis-server on port %d did not answer PING within %s: %s", port, startTimeout, out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// ping sends PING to the server at url within timeout.
func ping(ctx context.Context, url string, timeout time.Duration) error {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return fmt.Errorf("parsing %s: %w", url, err)
	}
	opt.ContextTimeoutEnabled = true
	opt.MaxRetries = -1
	c := redis.NewClient(opt)
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		return err
	}
	return nil
}
