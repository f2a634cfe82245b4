package stack

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/eigendata/eigendata/infra/claimcheck"
	"github.com/eigendata/eigendata/workers"
	"github.com/eigendata/eigendata/workflows"
)

// TestWebUIDecodesClaimChecks follows what the Web UI does with a
// workflow whose payloads went to S3: it reads the codec endpoint from the
// UI's settings and POSTs the history's raw payloads to it from the UI's
// origin, getting the values back.
func TestWebUIDecodesClaimChecks(t *testing.T) {
	s := startStack(t, Options{Pools: []workers.Pool{workers.CPU, workers.LLM}, ClaimThreshold: 64})
	if s.CodecURL == "" || s.UIURL() == "" {
		t.Fatalf("codec %q, UI %q", s.CodecURL, s.UIURL())
	}
	res, err := runEval(t, s, "eval-codec", workflows.EvalInput{Domain: "gen-airline", Seed: 5, Trials: 1, Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}

	// The UI learns the codec endpoint from its settings.
	resp, err := http.Get(s.UIURL() + "/api/v1/settings")
	if err != nil {
		t.Fatal(err)
	}
	var settings struct{ Codec struct{ Endpoint string } }
	err = json.NewDecoder(resp.Body).Decode(&settings)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if settings.Codec.Endpoint != s.CodecURL {
		t.Fatalf("UI codec endpoint %q, want %q", settings.Codec.Endpoint, s.CodecURL)
	}

	// The raw history holds a claim check for the result, not the result.
	ctx := context.Background()
	iter := s.Client.GetWorkflowHistory(ctx, "eval-codec", "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT)
	var raw *commonpb.Payloads
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		if a := ev.GetWorkflowExecutionCompletedEventAttributes(); a != nil {
			raw = a.GetResult()
		}
	}
	if raw == nil || len(raw.Payloads) != 1 {
		t.Fatalf("no completion result in history: %v", raw)
	}
	if enc := string(raw.Payloads[0].Metadata[converter.MetadataEncoding]); enc != claimcheck.Encoding {
		t.Fatalf("result payload encoding %q, want a claim check", enc)
	}

	body, err := protojson.Marshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, settings.Codec.Endpoint+"/decode", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Namespace", s.Conn.Resolved().Namespace)
	req.Header.Set("Origin", s.UIURL())
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("decode: %s: %s", resp.Status, out)
	}
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != s.UIURL() {
		t.Fatalf("Access-Control-Allow-Origin %q, want the UI's origin %q", got, s.UIURL())
	}
	// Users open the UI as localhost as often as 127.0.0.1 (the CLI prints
	// localhost links): both origins are allowed, no other.
	for origin, allowed := range map[string]bool{
		strings.Replace(s.UIURL(), "127.0.0.1", "localhost", 1): true,
		"http://evil.example": false,
	} {
		req, _ := http.NewRequest(http.MethodOptions, settings.Codec.Endpoint+"/decode", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Access-Control-Allow-Origin") == origin; got != allowed {
			t.Errorf("preflight from %s allowed=%v, want %v", origin, got, allowed)
		}
	}
	var decoded commonpb.Payloads
	if err := protojson.Unmarshal(out, &decoded); err != nil {
		t.Fatal(err)
	}
	var shown workflows.EvalResult
	if err := converter.GetDefaultDataConverter().FromPayload(decoded.Payloads[0], &shown); err != nil {
		t.Fatal(err)
	}
	if shown.RunID != res.RunID || shown.Tasks != res.Tasks || shown.ReportKey != res.ReportKey {
		t.Fatalf("decoded result %+v, want %+v", shown, res)
	}
}
