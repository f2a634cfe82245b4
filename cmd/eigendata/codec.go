package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/eigendata/eigendata/infra/blob"
	"github.com/eigendata/eigendata/infra/claimcheck"
)

// runCodecServer serves the claim-check codec for a Web UI (or `temporal
// --codec-endpoint`) in front of a production cluster, reading claims from
// the S3 store the environment names. `eigendata dev` runs its own.
func runCodecServer(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("codec-server", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8081", "address to serve /decode and /encode on")
	origins := fs.String("ui-origin", os.Getenv("EIGENDATA_UI_ORIGIN"), "comma-separated Web UI origins allowed to call it (e.g. https://temporal.example.com; * for any)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if strings.TrimSpace(*origins) == "" {
		return errors.New("--ui-origin: required (the Web UI's origin, e.g. http://localhost:8080)")
	}
	var allowed []string
	for _, o := range strings.Split(*origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			allowed = append(allowed, o)
		}
	}
	store, err := blob.NewS3(ctx, blob.S3ConfigFromEnv())
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("--listen: %w", err)
	}
	hs := &http.Server{Handler: claimcheck.HTTPHandler(store, 0, allowed...), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "codec server on http://%s (set it as the Web UI's codec endpoint: TEMPORAL_CODEC_ENDPOINT)\n", ln.Addr())
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(shut)
	}()
	if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
