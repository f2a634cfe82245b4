// Package workers builds eigendata's Temporal workers, one pool per
// resource on its own task queue — cpu (environments, evaluation,
// checkers, artifacts, and the workflows themselves), llm (model calls,
// bounded per endpoint) and gpu (training steps) — and the client
// connection they share.
package workers

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
)

// Conn says how to reach a Temporal cluster. Empty fields fall back to the
// environment: TEMPORAL_ADDRESS (default localhost:7233), TEMPORAL_NAMESPACE
// (default "default"), TEMPORAL_API_KEY, TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY,
// TEMPORAL_TLS_CA, TEMPORAL_TLS_SERVER_NAME.
type Conn struct {
	Address       string
	Namespace     string
	APIKey        string
	TLSCert       string
	TLSKey        string
	TLSCA         string
	TLSServerName string
	// Logger receives the SDK's logs (default: warnings and errors to stderr).
	Logger *slog.Logger
	// DataConverter, when set, replaces the default converter (eigendata
	// sets the claim-check codec so large payloads go to S3).
	DataConverter converter.DataConverter
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// Resolved returns c with environment defaults applied.
func (c Conn) Resolved() Conn {
	c.Address = firstNonEmpty(c.Address, os.Getenv("TEMPORAL_ADDRESS"), "localhost:7233")
	c.Namespace = firstNonEmpty(c.Namespace, os.Getenv("TEMPORAL_NAMESPACE"), "default")
	c.APIKey = firstNonEmpty(c.APIKey, os.Getenv("TEMPORAL_API_KEY"))
	c.TLSCert = firstNonEmpty(c.TLSCert, os.Getenv("TEMPORAL_TLS_CERT"))
	c.TLSKey = firstNonEmpty(c.TLSKey, os.Getenv("TEMPORAL_TLS_KEY"))
	c.TLSCA = firstNonEmpty(c.TLSCA, os.Getenv("TEMPORAL_TLS_CA"))
	c.TLSServerName = firstNonEmpty(c.TLSServerName, os.Getenv("TEMPORAL_TLS_SERVER_NAME"))
	return c
}

// Options returns client options for c (TLS when certificates or an API
// key are given, as hosted clusters such as Temporal Cloud require).
func (c Conn) Options() (client.Options, error) {
	c = c.Resolved()
	opts := client.Options{HostPort: c.Address, Namespace: c.Namespace, DataConverter: c.DataConverter}
	logger := c.Logger
	if logger == nil {
		// The SDK's default logger prints every activity at debug level.
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	opts.Logger = sdklog.NewStructuredLogger(logger)
	if c.TLSCert != "" || c.TLSCA != "" || c.APIKey != "" {
		tc := &tls.Config{ServerName: c.TLSServerName, MinVersion: tls.VersionTLS12}
		if c.TLSCert != "" {
			cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
			if err != nil {
				return opts, fmt.Errorf("TLS client certificate: %w", err)
			}
			tc.Certificates = []tls.Certificate{cert}
		}
		if c.TLSCA != "" {
			pem, err := os.ReadFile(c.TLSCA)
			if err != nil {
				return opts, fmt.Errorf("TLS CA: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return opts, fmt.Errorf("TLS CA %s: no certificates", c.TLSCA)
			}
			tc.RootCAs = pool
		}
		opts.ConnectionOptions.TLS = tc
	}
	if c.APIKey != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(c.APIKey)
	}
	return opts, nil
}

// Dial connects to the cluster.
func (c Conn) Dial() (client.Client, error) {
	opts, err := c.Options()
	if err != nil {
		return nil, err
	}
	cl, err := client.Dial(opts)
	if err != nil {
		return nil, fmt.Errorf("connecting to Temporal at %s: %w", opts.HostPort, err)
	}
	return cl, nil
}
