package main

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/converter"

	"github.com/eigendata/eigendata/infra/blob"
	"github.com/eigendata/eigendata/infra/blob/s3server"
	"github.com/eigendata/eigendata/infra/claimcheck"
)

func TestCodecServerDecodesClaimsFromS3(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := s3server.Start(ctx, s3server.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for k, v := range map[string]string{"S3_ENDPOINT": srv.Endpoint(), "S3_BUCKET": "claims-test", "S3_PATH_STYLE": "true",
		"AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s", "S3_REGION": "us-east-1"} {
		t.Setenv(k, v)
	}
	store, err := blob.NewS3(ctx, blob.S3ConfigFromEnv())
	if err != nil {
		t.Fatal(err)
	}
	if err := store.EnsureBucket(ctx); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("turn ", 100)
	payloads, err := claimcheck.DataConverter(store, 64).ToPayloads(big)
	if err != nil {
		t.Fatal(err)
	}
	if string(payloads.Payloads[0].Metadata[converter.MetadataEncoding]) != claimcheck.Encoding {
		t.Fatal("payload was not claim-checked")
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	done := make(chan error, 1)
	go func() {
		var out strings.Builder
		done <- dispatch(ctx, []string{"codec-server", "--listen", addr, "--ui-origin", "http://ui.example"}, &out)
	}()
	endpoint := "http://" + addr
	for deadline := time.Now().Add(10 * time.Second); ; {
		if resp, err := http.Post(endpoint+"/decode", "application/json", strings.NewReader(`{"payloads":[]}`)); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("codec server did not come up")
		}
		time.Sleep(20 * time.Millisecond)
	}
	decoded, err := converter.NewRemotePayloadCodec(converter.RemotePayloadCodecOptions{Endpoint: endpoint}).Decode(payloads.Payloads)
	if err != nil {
		t.Fatal(err)
	}
	var got string
	if err := converter.GetDefaultDataConverter().FromPayload(decoded[0], &got); err != nil {
		t.Fatal(err)
	}
	if got != big {
		t.Fatalf("decoded %q", got)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("codec-server exited with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("codec-server did not stop on cancel")
	}
}

func TestCodecServerNeedsUIOrigin(t *testing.T) {
	t.Setenv("EIGENDATA_UI_ORIGIN", "")
	_, err := runCLI(t, "codec-server", "--listen", "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), "--ui-origin") {
		t.Fatalf("error %v, want one naming --ui-origin", err)
	}
}
