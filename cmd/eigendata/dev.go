package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/eigendata/eigendata/activities"
	"github.com/eigendata/eigendata/infra/blob"
	"github.com/eigendata/eigendata/infra/modelserver"
	"github.com/eigendata/eigendata/infra/stack"
	"github.com/eigendata/eigendata/workers"
)

// devFlags configure the one-process stack (eigendata dev and the main job).
type devFlags struct {
	dir      string
	memory   bool
	port     int
	uiPort   int
	s3Port   int
	redisURL string
	pools    string
	tau2Data string
	// claimThreshold is the claim-check threshold (0: the default).
	claimThreshold int
	// model is "local" to start the local model server, else "".
	model      string
	modelSlots int
}

func (f *devFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.dir, "dir", ".eigendata", "state directory (Temporal history, S3 objects) kept across restarts")
	fs.BoolVar(&f.memory, "in-memory", false, "keep all state in memory")
	fs.IntVar(&f.port, "port", 7233, "Temporal gRPC port (a free one when taken)")
	fs.IntVar(&f.uiPort, "ui-port", 8233, "Web UI port (a free one when taken; -1: no Web UI)")
	fs.IntVar(&f.s3Port, "s3-port", 9333, "in-process S3 port (a free one when taken)")
	fs.IntVar(&f.claimThreshold, "claim-threshold", 0, "payload bytes above which the stack's workers claim-check payloads to S3 (0: 128 KiB)")
	fs.StringVar(&f.redisURL, "redis-url", os.Getenv("REDIS_URL"), "Redis for the LLM cache (default $REDIS_URL, else an in-process server)")
	fs.StringVar(&f.pools, "pools", "cpu,llm", "worker pools to run in this process")
	fs.StringVar(&f.model, "model", "", "local: start the local model server (SmolLM2-135M-Instruct via llama-cpp-python; install with `"+
		modelserver.InstallHint+"`) and use it for every model role; empty: $OPENAI_BASE_URL, else the offline baseline")
	fs.IntVar(&f.modelSlots, "model-slots", 2, "requests the local model server serves at once")
	if fs.Lookup("tau2-data") == nil {
		fs.StringVar(&f.tau2Data, "tau2-data", os.Getenv("TAU2_DATA"), "tau2 data directory (default $TAU2_DATA)")
	}
}

// orFree returns port when it can be bound on loopback, else 0 (pick a free one).
func orFree(port int) int {
	if port < 0 {
		return port // disabled (the Web UI's -1)
	}
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		slog.Warn("port taken, using a free one", "port", port)
		return 0
	}
	l.Close()
	return port
}

// start brings the stack up.
func (f *devFlags) start(ctx context.Context) (*stack.Stack, error) {
	pools, err := workers.ParsePools(f.pools)
	if err != nil {
		return nil, fmt.Errorf("--pools: %w", err)
	}
	opt := stack.Options{Dir: f.dir, GRPCPort: orFree(f.port), UIPort: orFree(f.uiPort), RedisURL: f.redisURL,
		S3Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(orFree(f.s3Port))), Pools: pools,
		Models: activities.ModelsFromEnv(), Tau2Data: f.tau2Data, ClaimThreshold: f.claimThreshold}
	if f.memory {
		opt.Dir = ""
	}
	switch f.model {
	case "":
	case "local":
		opt.LocalModel = &modelserver.Options{Slots: f.modelSlots}
	default:
		return nil, fmt.Errorf("--model %q: want local (or leave it empty)", f.model)
	}
	if ext := blob.S3ConfigFromEnv(); ext.Endpoint != "" {
		opt.S3 = ext
	}
	return stack.Start(ctx, opt)
}

func printStack(w io.Writer, s *stack.Stack, pools string) {
	fmt.Fprintln(w, "eigendata dev stack")
	fmt.Fprintf(w, "  Temporal gRPC  %s  (namespace %s)\n", s.Conn.Address, s.Conn.Resolved().Namespace)
	if s.UIURL() != "" {
		fmt.Fprintf(w, "  Web UI         %s\n", s.UIURL())
		fmt.Fprintf(w, "  codec server   %s  (the UI decodes claim-checked payloads here)\n", s.CodecURL)
	}
	where := "external"
	if s.S3Server != nil {
		where = "in-process"
	}
	fmt.Fprintf(w, "  S3             %s  bucket %s (%s)\n", s.S3.Endpoint, s.S3.Bucket, where)
	where = "external"
	if s.Redis != nil {
		where = "in-process"
	}
	fmt.Fprintf(w, "  Redis          %s (%s)\n", s.RedisURL, where)
	if s.Model != nil {
		fmt.Fprintf(w, "  model          %s  %s (local, %d slots)\n", s.Model.URL(), s.Model.Name(), s.Model.Slots())
	}
	fmt.Fprintf(w, "  workers        %s\n", pools)
}

func runDev(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	var f devFlags
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, err := f.start(ctx)
	if err != nil {
		return err
	}
	printStack(stdout, s, f.pools)
	fmt.Fprintf(stdout, "\nOther terminals reach it with:\n  export %s\nCtrl-C stops everything.\n", strings.Join(s.Env(), " "))
	<-ctx.Done()
	fmt.Fprintln(stdout, "shutting down")
	return s.Close()
}
