// Package s3server runs an in-process S3-compatible server (gofakes3) on a
// loopback port, for the default dev stack and tests: aws-sdk-go-v2 talks to
// it over the real S3 protocol. With a file it keeps objects across restarts.
package s3server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3bolt"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	bolt "go.etcd.io/bbolt"
)

const (
	// lockTimeout bounds the wait for the bolt file's lock, so that a second
	// server on the same file fails instead of hanging.
	lockTimeout = time.Second
)

// Options configure the server.
type Options struct {
	// File is a bolt database keeping objects across restarts; empty = memory.
	File string
	// Addr to listen on (default 127.0.0.1:0).
	Addr string
	// NoAutoBucket makes requests on a missing bucket fail with NoSuchBucket,
	// as on real S3; by default any bucket named is created on first use.
	NoAutoBucket bool
	// Logger receives the server's errors and warnings, and its request log
	// at debug level (nil discards them).
	Logger *slog.Logger
}

// Server is a running S3-compatible server.
type Server struct {
	srv    *http.Server
	lis    net.Listener
	db     *bolt.DB // nil in memory
	served chan struct{}

	closeOnce sync.Once
	closeErr  error
}

// Start starts the server.
func Start(ctx context.Context, opt Options) (*Server, error) {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var (
		backend gofakes3.Backend
		db      *bolt.DB
	)
	if opt.File != "" {
		if err := os.MkdirAll(filepath.Dir(opt.File), 0o755); err != nil {
			return nil, fmt.Errorf("s3server: %w", err)
		}
		var err error
		// Opened here rather than by s3bolt.NewFile, which keeps the handle
		// private and offers no way to close it.
		db, err = bolt.Open(opt.File, 0o600, &bolt.Options{Timeout: lockTimeout})
		if err != nil {
			return nil, fmt.Errorf("s3server: opening %s: %w", opt.File, err)
		}
		backend = s3bolt.New(db)
	} else {
		backend = s3mem.New()
	}
	if opt.Addr == "" {
		opt.Addr = "127.0.0.1:0"
	}
	lis, err := net.Listen("tcp", opt.Addr)
	if err != nil {
		if db != nil {
			_ = db.Close()
		}
		return nil, fmt.Errorf("s3server: %w", err)
	}
	// gofakes3's own auto-bucket races: of two first requests to a bucket,
	// the one whose create loses answers NoSuchBucket. autoBucket serialises
	// the creation instead.
	fake := gofakes3.New(backend, gofakes3.WithAutoBucket(false), gofakes3.WithLogger(slogAdapter{log}))
	handler := fake.Server()
	if !opt.NoAutoBucket {
		handler = autoBucket(backend, log, handler)
	}
	s := &Server{
		srv:    &http.Server{Handler: handler, ReadHeaderTimeout: 30 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)},
		lis:    lis,
		db:     db,
		served: make(chan struct{}),
	}
	go func() {
		defer close(s.served)
		if err := s.srv.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.ErrorContext(ctx, "s3server: serve failed", "addr", lis.Addr().String(), "err", err)
		}
	}()
	return s, nil
}

// Endpoint is the server's base URL.
func (s *Server) Endpoint() string { return "http://" + s.lis.Addr().String() }

// Close stops the server, dropping its connections, then closes the bolt
// database, releasing its file lock. Later calls return the first call's
// result.
func (s *Server) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.close() })
	return s.closeErr
}

func (s *Server) close() error {
	// Close, not Shutdown: Shutdown waits up to 5 s for connections the
	// client dialed but never used. Requests cut short fail on their client;
	// bolt lets running transactions finish before the database closes.
	err := s.srv.Close()
	<-s.served
	if s.db != nil {
		if cerr := s.db.Close(); cerr != nil {
			err = errors.Join(err, cerr)
		}
	}
	if err != nil {
		return fmt.Errorf("s3server: closing: %w", err)
	}
	return nil
}

// slogAdapter routes gofakes3's log to slog: errors and warnings at their
// level, its per-request lines at debug.
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Print(level gofakes3.LogLevel, v ...any) {
	lv := slog.LevelDebug
	switch level {
	case gofakes3.LogErr:
		lv = slog.LevelError
	case gofakes3.LogWarn:
		lv = slog.LevelWarn
	}
	ctx := context.Background()
	if !a.l.Enabled(ctx, lv) {
		return
	}
	a.l.Log(ctx, lv, "s3server: "+strings.TrimSuffix(fmt.Sprintln(v...), "\n"))
}

// autoBucket creates the bucket a path-style request names before next
// serves it, except for requests on the bucket itself that create or delete
// it.
func autoBucket(backend gofakes3.Backend, log *slog.Logger, next http.Handler) http.Handler {
	var mu sync.Mutex
	ensure := func(ctx context.Context, bucket string) {
		if ok, err := backend.BucketExists(bucket); err != nil || ok {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if ok, err := backend.BucketExists(bucket); err != nil || ok {
			return
		}
		if err := backend.CreateBucket(bucket); err != nil {
			log.WarnContext(ctx, "s3server: creating bucket", "bucket", bucket, "err", err)
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		onBucket := key == "" && (r.Method == http.MethodPut || r.Method == http.MethodDelete)
		if bucket != "" && !onBucket && gofakes3.ValidateBucketName(bucket) == nil {
			ensure(r.Context(), bucket)
		}
		next.ServeHTTP(w, r)
	})
}
