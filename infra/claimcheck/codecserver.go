package claimcheck

import (
	"net/http"
	"slices"
	"strings"

	"go.temporal.io/sdk/converter"
)

// HTTPHandler is a Temporal codec server for the claim-check codec: the
// Web UI (and `temporal workflow show --codec-endpoint`) POSTs payloads to
// <endpoint>/decode and /encode and shows the stored values instead of the
// claim references. Browsers call it cross-origin from the UI, so it
// answers CORS preflights for the given UI origins (e.g.
// "http://127.0.0.1:8233"; a trailing slash is ignored); "*" allows any
// origin.
func HTTPHandler(store Store, threshold int, origins ...string) http.Handler {
	allowed := make([]string, len(origins))
	for i, o := range origins {
		allowed[i] = strings.TrimSuffix(o, "/")
	}
	codec := converter.NewPayloadCodecHTTPHandler(&Codec{Store: store, Threshold: threshold})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin := r.Header.Get("Origin"); origin != "" && (slices.Contains(allowed, "*") || slices.Contains(allowed, strings.TrimSuffix(origin, "/"))) {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
			h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Content-Type, X-Namespace, Authorization")
			h.Add("Vary", "Origin")
		}
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		codec.ServeHTTP(w, r)
	})
}
