// Package stack assembles eigendata's one-process stack: the embedded
// Temporal dev server with its Web UI (or any cluster), the in-process
// S3-compatible server (or any S3 endpoint), the in-process Redis-protocol
// server (or REDIS_URL), and the worker pools. `eigendata dev`, the main job
// and the integration tests start it.
package stack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/eigendata/eigendata/activities"
	"github.com/eigendata/eigendata/infra/blob"
	"github.com/eigendata/eigendata/infra/blob/s3server"
	"github.com/eigendata/eigendata/infra/cache"
	"github.com/eigendata/eigendata/infra/cache/redisserver"
	"github.com/eigendata/eigendata/infra/claimcheck"
	"github.com/eigendata/eigendata/infra/devserver"
	"github.com/eigendata/eigendata/infra/modelserver"
	"github.com/eigendata/eigendata/workers"
)

// Options configure a stack. Zero values give the embedded defaults.
type Options struct {
	// Dir keeps state across restarts (temporal.db, s3.db); empty keeps
	// everything in memory.
	Dir string
	// Temporal, when its Address is set, is an existing cluster to use
	// instead of the embedded dev server.
	Temporal workers.Conn
	// GRPCPort and UIPort of the embedded server (0 picks free ports; UIPort
	// -1 disables the Web UI).
	GRPCPort, UIPort int
	// S3, when its Endpoint is set (or S3External), is the store to use
	// instead of the in-process server.
	S3         blob.S3Config
	S3External bool
	// S3Addr is the in-process S3 server's listen address (default 127.0.0.1:0).
	S3Addr string
	// RedisURL is the cache's Redis; empty starts the in-process server.
	RedisURL string
	// RedisAddr is the in-process Redis server's address (default 127.0.0.1:0).
	RedisAddr string
	// Pools to run in this process (none: the caller starts workers).
	Pools []workers.Pool
	// Models configures model endpoints (default from the environment).
	Models *activities.Models
	// Tau2Data is the workers' default tau2 data directory.
	Tau2Data string
	// ClaimThreshold is the payload size above which payloads go to S3.
	ClaimThreshold int
	// Train configures an in-process gpu pool.
	Train *activities.Train
	// LocalModel, when set, starts eigendata's local model server (the
	// bundled SmolLM2-135M-Instruct by default) and makes it the models'
	// default endpoint, with calls bounded by its slots.
	LocalModel *modelserver.Options
	Log        *slog.Logger
	// ServerLog, when set, receives the embedded Temporal server's errors
	// (it logs benign ones at shutdown, so the default discards them).
	ServerLog *slog.Logger
}

// Stack is a running stack.
type Stack struct {
	Temporal *devserver.Server
	S3Server *s3server.Server
	Redis    *redisserver.Server
	// Conn reaches the Temporal server (with the claim-check converter).
	Conn   workers.Conn
	Client client.Client
	// S3 is the store's configuration, Blob the store.
	S3    blob.S3Config
	Blob  *blob.S3
	Cache *cache.Cache
	// RedisURL is the cache's Redis.
	RedisURL string
	// CodecURL is the codec server the embedded Web UI decodes claim-checked
	// payloads with ("" without an embedded UI).
	CodecURL string
	// Model is the local model server (nil unless Options.LocalModel).
	Model *modelserver.Server

	stopWorkers []func()
	closers     []func() error
}

// Start brings the stack up; on error everything started is shut down.
func Start(ctx context.Context, opt Options) (_ *Stack, err error) {
	log := opt.Log
	if log == nil {
		log = slog.Default()
	}
	s := &Stack{}
	defer func() {
		if err != nil {
			_ = s.Close()
		}
	}()
	file := func(name string) string {
		if opt.Dir == "" {
			return ""
		}
		return filepath.Join(opt.Dir, name)
	}

	// Artifacts.
	s.S3 = opt.S3
	if opt.S3.Endpoint == "" && !opt.S3External {
		srv, err := s3server.Start(ctx, s3server.Options{File: file("s3.db"), Addr: opt.S3Addr})
		if err != nil {
			return nil, err
		}
		s.S3Server = srv
		s.closers = append(s.closers, srv.Close)
		s.S3 = blob.S3Config{Endpoint: srv.Endpoint(), Region: "us-east-1", Bucket: "eigendata", PathStyle: true,
			AccessKey: "eigendata", SecretKey: "eigendata"}
	}
	if s.S3.Bucket == "" {
		s.S3.Bucket = "eigendata"
	}
	if s.Blob, err = blob.NewS3(ctx, s.S3); err != nil {
		return nil, err
	}
	if err := s.Blob.EnsureBucket(ctx); err != nil {
		return nil, err
	}

	// Cache.
	s.RedisURL = opt.RedisURL
	if s.RedisURL == "" {
		r, err := redisserver.Start(opt.RedisAddr)
		if err != nil {
			return nil, err
		}
		s.Redis = r
		s.closers = append(s.closers, func() error { r.Close(); return nil })
		s.RedisURL = r.URL()
	}
	if s.Cache, err = cache.Open(ctx, s.RedisURL, cache.Options{Logger: log}); err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	s.closers = append(s.closers, s.Cache.Close)

	// Local model server (started before Temporal: loading the model is
	// the slowest part, and a failure here should not leave a server up).
	if opt.LocalModel != nil {
		mo := *opt.LocalModel
		if mo.Log == nil {
			mo.Log = log
		}
		if s.Model, err = modelserver.Start(ctx, mo); err != nil {
			return nil, fmt.Errorf("local model: %w", err)
		}
		s.closers = append(s.closers, s.Model.Close)
		if opt.Models == nil {
			opt.Models = activities.ModelsFromEnv()
		}
		opt.Models.BaseURL = s.Model.URL()
		// More calls in flight than the server has slots would only queue
		// there, where timeouts cannot tell waiting from working; a long
		// prompt on a CPU takes minutes.
		opt.Models.Concurrency = s.Model.Slots()
		if opt.Models.Timeout == 0 {
			opt.Models.Timeout = 10 * time.Minute
		}
	}

	// Temporal.
	s.Conn = opt.Temporal
	if s.Conn.Address == "" {
		uiPort := opt.UIPort
		if uiPort >= 0 {
			if uiPort == 0 {
				var release func()
				if uiPort, release, err = devserver.ReservePort("127.0.0.1"); err != nil {
					return nil, fmt.Errorf("UI port: %w", err)
				}
				s.closers = append(s.closers, func() error { release(); return nil })
			}
			// The UI is on loopback; users open it by either name.
			origins := []string{fmt.Sprintf("http://127.0.0.1:%d", uiPort), fmt.Sprintf("http://localhost:%d", uiPort)}
			if err := s.startCodecServer(origins, opt.ClaimThreshold); err != nil {
				return nil, err
			}
		}
		srv, err := devserver.Start(ctx, devserver.Options{DBFile: file("temporal.db"), GRPCPort: opt.GRPCPort, UIPort: uiPort,
			CodecEndpoint: s.CodecURL,
			Namespace:     opt.Temporal.Namespace, SearchAttributes: workers.SearchAttributes(), Logger: opt.ServerLog})
		if err != nil {
			return nil, err
		}
		s.Temporal = srv
		s.closers = append(s.closers, srv.Stop)
		s.Conn.Address, s.Conn.Namespace = srv.HostPort(), srv.Namespace()
	}
	s.Conn.DataConverter = claimcheck.DataConverter(s.Blob, opt.ClaimThreshold)
	if s.Client, err = s.Conn.Dial(); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func() error { s.Client.Close(); return nil })
	if s.Temporal == nil {
		if err := workers.EnsureSearchAttributes(ctx, s.Client, s.Conn.Resolved().Namespace); err != nil {
			log.Warn("search attributes", "error", err)
		}
	}
	if len(opt.Pools) > 0 {
		if err := s.StartWorkers(opt.Pools, opt.Models, opt.Tau2Data, log, 0, opt.Train); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// startCodecServer serves the claim-check codec on a local port for the
// embedded Web UI at uiOrigins, so the UI shows the values of payloads that
// went to S3 rather than their claim references.
func (s *Stack) startCodecServer(uiOrigins []string, threshold int) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("codec server: %w", err)
	}
	hs := &http.Server{Handler: claimcheck.HTTPHandler(s.Blob, threshold, uiOrigins...), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	s.closers = append(s.closers, hs.Close)
	s.CodecURL = "http://" + ln.Addr().String()
	return nil
}

// Services are the stack's connections for workers.
func (s *Stack) Services(models *activities.Models, tau2Data string, log *slog.Logger) workers.Services {
	return workers.Services{Blob: s.Blob, Cache: s.Cache, Models: models, Tau2Data: tau2Data, Log: log}
}

// StartWorkers starts workers of the given pools in this process.
// llmSlots bounds concurrent llm-pool activities (episodes); 0 = default.
// train configures the gpu pool (nil: none).
func (s *Stack) StartWorkers(pools []workers.Pool, models *activities.Models, tau2Data string, log *slog.Logger, llmSlots int, train *activities.Train) error {
	svc := s.Services(models, tau2Data, log)
	svc.Train = train
	d := svc.Deps()
	d.LLMConcurrency = llmSlots
	stop, err := workers.Start(s.Client, pools, d)
	if err != nil {
		return err
	}
	s.stopWorkers = append(s.stopWorkers, stop)
	return nil
}

// UIURL is the embedded Web UI's URL ("" when not embedded).
func (s *Stack) UIURL() string {
	if s.Temporal == nil {
		return ""
	}
	return s.Temporal.UIURL()
}

// Env is the environment another process (a worker, the CLI) needs to use
// this stack.
func (s *Stack) Env() []string {
	env := []string{
		"TEMPORAL_ADDRESS=" + s.Conn.Address,
		"TEMPORAL_NAMESPACE=" + s.Conn.Resolved().Namespace,
		"S3_ENDPOINT=" + s.S3.Endpoint,
		"S3_BUCKET=" + s.S3.Bucket,
		"AWS_ACCESS_KEY_ID=" + s.S3.AccessKey,
		"AWS_SECRET_ACCESS_KEY=" + s.S3.SecretKey,
		"REDIS_URL=" + s.RedisURL,
	}
	if s.Model != nil {
		env = append(env, "OPENAI_BASE_URL="+s.Model.URL(), "EIGENDATA_MODEL="+s.Model.Name())
	}
	return env
}

// Close stops the workers, then every service, in reverse start order.
func (s *Stack) Close() error {
	for _, stop := range s.stopWorkers {
		stop()
	}
	s.stopWorkers = nil
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i]())
	}
	s.closers = nil
	return errors.Join(errs...)
}
