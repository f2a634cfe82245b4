package s3server

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// syncBuffer is a concurrency-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServeErrorIsLogged(t *testing.T) {
	var logs syncBuffer
	s, err := Start(context.Background(), Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.lis.Close() // Serve fails: its listener is gone without a Close
	select {
	case <-s.served:
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after its listener closed")
	}
	if out := logs.String(); !strings.Contains(out, "level=ERROR") || !strings.Contains(out, "serve failed") {
		t.Errorf("log = %q, want the serve error", out)
	}
}

func TestCleanCloseLogsNothing(t *testing.T) {
	var logs syncBuffer
	s, err := Start(context.Background(), Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(s.Endpoint() + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if out := logs.String(); out != "" {
		t.Errorf("log = %q, want nothing", out)
	}
	if _, err := http.Get(s.Endpoint() + "/"); err == nil {
		t.Error("server still answers after Close")
	}
}

func TestBoltFileIsExclusive(t *testing.T) {
	file := filepath.Join(t.TempDir(), "s3.bolt")
	s, err := Start(context.Background(), Options{File: file})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if s2, err := Start(context.Background(), Options{File: file}); err == nil {
		s2.Close()
		t.Fatal("a second server opened a file in use")
	}
	if d := time.Since(start); d > lockTimeout+time.Second {
		t.Errorf("second Start took %v, want about %v", d, lockTimeout)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s3, err := Start(context.Background(), Options{File: file})
	if err != nil {
		t.Fatalf("Start after Close: %v", err)
	}
	if err := s3.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestStartErrors(t *testing.T) {
	busy, err := Start(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	tests := []struct {
		name string
		opt  Options
	}{
		{"address in use", Options{Addr: strings.TrimPrefix(busy.Endpoint(), "http://")}},
		{"file is a directory", Options{File: t.TempDir()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if s, err := Start(context.Background(), tt.opt); err == nil {
				s.Close()
				t.Fatal("Start succeeded")
			}
		})
	}
}

// slowBackend widens the window between a bucket check and its creation.
type slowBackend struct{ gofakes3.Backend }

func (b slowBackend) BucketExists(name string) (bool, error) {
	ok, err := b.Backend.BucketExists(name)
	time.Sleep(20 * time.Millisecond)
	return ok, err
}

func TestAutoBucketConcurrentFirstUse(t *testing.T) {
	backend := slowBackend{s3mem.New()}
	fake := gofakes3.New(backend, gofakes3.WithAutoBucket(false))
	srv := httptest.NewServer(autoBucket(backend, slog.New(slog.DiscardHandler), fake.Server()))
	defer srv.Close()
	const n = 16
	codes := make(chan int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			req, err := http.NewRequest(http.MethodPut, srv.URL+"/bucket1/key"+strconv.Itoa(i), strings.NewReader("x"))
			if err != nil {
				t.Error(err)
				return
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			codes <- resp.StatusCode
		})
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != http.StatusOK {
			t.Errorf("PUT on a new bucket answered %d, want 200", c)
		}
	}
	if ok, err := backend.BucketExists("bucket1"); err != nil || !ok {
		t.Errorf("bucket1 exists = %v, %v", ok, err)
	}
}
