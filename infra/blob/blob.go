// Package blob is eigendata's artifact store: a small Store interface and
// its S3 implementation over aws-sdk-go-v2 (AWS, MinIO or the in-process
// S3-compatible server of package s3server).
//
// Key layout, one prefix per run (the workflow id):
//
//	runs/<workflow-id>/manifest.json              inputs, versions, stats
//	runs/<workflow-id>/episodes/<task>/trial-N.json  one episode (tau2 SimulationRun)
//	runs/<workflow-id>/episodes/<task>/trial-N.reward.json
//	runs/<workflow-id>/results.json, report.md, passk.png
//
// Workflows never carry these payloads: activities pass keys (claim checks).
package blob

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// ErrNotFound is returned by Get for a missing key.
var ErrNotFound = errors.New("blob: not found")

// Store is a key-value store of immutable artifacts.
type Store interface {
	Put(ctx context.Context, key string, data []byte, contentType string) error
	Get(ctx context.Context, key string) ([]byte, error)
	List(ctx context.Context, prefix string) ([]string, error)
	// Delete removes key; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// URI names a key for humans, e.g. s3://bucket/key.
	URI(key string) string
}

// CheckKey rejects keys that could escape their prefix.
func CheckKey(key string) error {
	if key == "" || strings.HasPrefix(key, "/") || strings.Contains(key, "..") || strings.Contains(key, "//") {
		return fmt.Errorf("blob: invalid key %q", key)
	}
	return nil
}

// RunKey builds a key under runs/<runID>/.
func RunKey(runID string, parts ...string) string {
	return "runs/" + runID + "/" + strings.Join(parts, "/")
}
