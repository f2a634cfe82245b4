package claimcheck

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.temporal.io/sdk/converter"
)

func TestHTTPHandlerDecodesClaimsForRemoteClients(t *testing.T) {
	store := &memStore{}
	dc := DataConverter(store, 1024)
	big := strings.Repeat("dialogue ", 1000)
	encoded, err := dc.ToPayloads(big, "small")
	if err != nil {
		t.Fatal(err)
	}
	if got := string(encoded.Payloads[0].Metadata[converter.MetadataEncoding]); got != Encoding {
		t.Fatalf("large payload not claim-checked: encoding %q", got)
	}
	srv := httptest.NewServer(HTTPHandler(store, 1024, "http://ui.example"))
	defer srv.Close()

	// The remote codec is what the temporal CLI and the Web UI's server use.
	remote := converter.NewRemotePayloadCodec(converter.RemotePayloadCodecOptions{Endpoint: srv.URL})
	decoded, err := remote.Decode(encoded.Payloads)
	if err != nil {
		t.Fatal(err)
	}
	var s1, s2 string
	plain := converter.GetDefaultDataConverter()
	if err := plain.FromPayload(decoded[0], &s1); err != nil {
		t.Fatal(err)
	}
	if err := plain.FromPayload(decoded[1], &s2); err != nil {
		t.Fatal(err)
	}
	if s1 != big || s2 != "small" {
		t.Fatalf("decoded %d bytes and %q", len(s1), s2)
	}

	// Encoding through the server claim-checks again, to the same key.
	reenc, err := remote.Encode(decoded)
	if err != nil {
		t.Fatal(err)
	}
	if string(reenc[0].Data) != string(encoded.Payloads[0].Data) {
		t.Fatalf("re-encoded claim %q, want %q", reenc[0].Data, encoded.Payloads[0].Data)
	}

	// A claim whose object is gone is an error, not an empty value.
	store.m = nil
	if _, err := remote.Decode(encoded.Payloads); err == nil {
		t.Fatal("decode of a missing claim succeeded")
	}
}

func TestHTTPHandlerCORS(t *testing.T) {
	tests := []struct {
		name      string
		origins   []string
		origin    string
		wantAllow string
	}{
		{"allowed UI origin", []string{"http://127.0.0.1:8233"}, "http://127.0.0.1:8233", "http://127.0.0.1:8233"},
		{"configured with a trailing slash", []string{"https://ui.example/"}, "https://ui.example", "https://ui.example"},
		{"other origin", []string{"http://127.0.0.1:8233"}, "http://evil.example", ""},
		{"wildcard", []string{"*"}, "http://any.example", "http://any.example"},
		{"no origins configured", nil, "http://127.0.0.1:8233", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := HTTPHandler(&memStore{}, 0, tt.origins...)
			req := httptest.NewRequest(http.MethodOptions, "/decode", nil)
			req.Header.Set("Origin", tt.origin)
			req.Header.Set("Access-Control-Request-Method", "POST")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusNoContent {
				t.Fatalf("preflight status %d", rec.Code)
			}
			if got := rec.Header().Get("Access-Control-Allow-Origin"); got != tt.wantAllow {
				t.Fatalf("Access-Control-Allow-Origin %q, want %q", got, tt.wantAllow)
			}
			if tt.wantAllow != "" && !strings.Contains(rec.Header().Get("Access-Control-Allow-Headers"), "X-Namespace") {
				t.Fatalf("allow-headers %q lacks X-Namespace", rec.Header().Get("Access-Control-Allow-Headers"))
			}
		})
	}
}
