// Package tau2data locates tau2-bench's data directory (airline/, retail/,
// telecom/ as in ../shared/tau2): from a flag value, else the TAU2_DATA
// environment variable.
package tau2data

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// EnvVar is the environment variable naming the tau2 data directory.
const EnvVar = "TAU2_DATA"

// ErrNoDir is returned when neither a flag nor TAU2_DATA names a directory.
var ErrNoDir = errors.New("no tau2 data directory: pass --tau2-data DIR or set " + EnvVar)

// Resolve returns flagValue if set, else $TAU2_DATA, checking that it is a directory.
func Resolve(flagValue string) (string, error) {
	dir := flagValue
	if dir == "" {
		dir = os.Getenv(EnvVar)
	}
	if dir == "" {
		return "", ErrNoDir
	}
	st, err := os.Stat(dir)
	if err != nil {
		return "", fmt.Errorf("tau2 data directory: %w", err)
	}
	if !st.IsDir() {
		return "", fmt.Errorf("tau2 data directory %s is not a directory", dir)
	}
	return filepath.Clean(dir), nil
}

// DomainDir returns the directory of one domain's files.
func DomainDir(root, domain string) string { return filepath.Join(root, domain) }

// ForTest returns the tau2 data directory for a test: $TAU2_DATA, or
// shared/tau2 found beside or above the working directory (../shared/tau2
// from a checkout). It fails the test, never skips it, when there is none.
func ForTest(tb testing.TB) string {
	tb.Helper()
	if dir, err := Resolve(""); err == nil {
		return dir
	}
	wd, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		cand := filepath.Join(d, "shared", "tau2")
		if st, err := os.Stat(filepath.Join(cand, "airline", "tasks.json")); err == nil && !st.IsDir() {
			return cand
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	tb.Fatalf("tau2 data not found: set %s (CI uses ../shared/tau2)", EnvVar)
	return ""
}
