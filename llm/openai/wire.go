package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// go-openai encodes a request from its own struct, which omits a zero
// temperature (so a greedy request reaches the server without one and is
// sampled at the server's default) and has no field for vLLM's
// return_token_ids; its response struct has no field for the token ids
// either. wire fills both gaps at the HTTP layer: the request's extra
// top-level fields are spliced into the body, and the response body is kept
// for the fields go-openai does not decode.
type wire struct {
	// extra is a run of `"key":value,` pairs put first in the request object.
	extra []byte
	// capture keeps the response body.
	capture bool
	body    bytes.Buffer
}

type wireKey struct{}

func withWire(ctx context.Context, w *wire) context.Context {
	return context.WithValue(ctx, wireKey{}, w)
}

// wireTransport applies the wire of each request's context.
type wireTransport struct{ next http.RoundTripper }

func (t wireTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	w, _ := req.Context().Value(wireKey{}).(*wire)
	if w == nil {
		return t.next.RoundTrip(req)
	}
	if len(w.extra) > 0 && req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		b = bytes.TrimLeft(b, " \t\r\n")
		if len(b) == 0 || b[0] != '{' {
			return nil, fmt.Errorf("openai: request body is not a JSON object")
		}
		spliced := make([]byte, 0, len(b)+len(w.extra))
		spliced = append(spliced, '{')
		spliced = append(spliced, w.extra...)
		if bytes.Equal(bytes.TrimSpace(b[1:]), []byte("}")) {
			spliced = bytes.TrimSuffix(spliced, []byte(","))
		}
		spliced = append(spliced, b[1:]...)
		r2 := req.Clone(req.Context())
		r2.Body = io.NopCloser(bytes.NewReader(spliced))
		r2.ContentLength = int64(len(spliced))
		r2.Header.Set("Content-Length", strconv.Itoa(len(spliced)))
		r2.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(spliced)), nil }
		req = r2
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil || !w.capture {
		return resp, err
	}
	w.body.Reset()
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.TeeReader(resp.Body, &w.body), resp.Body}
	return resp, nil
}

// tokenFields are the parts of a chat completion response that carry a
// token trace: vLLM's prompt_token_ids and choices[].token_ids, and the
// weight version eigendata's model server adds.
type tokenFields struct {
	PromptTokenIDs []int           `json:"prompt_token_ids"`
	WeightVersion  json.RawMessage `json:"weight_version"`
	Choices        []struct {
		TokenIDs []int `json:"token_ids"`
	} `json:"choices"`
}

// weightVersion renders a weight_version that may be a number or a string.
func weightVersion(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}
