package workflows

import (
	"strings"
	"testing"

	"github.com/eigendata/eigendata/envs/catalog"
)

// TestSynthesisAcceptsEveryCatalogDomain: synthesis runs on every known
// domain (telecom included), rejects unknown ones, and leaves concurrency
// 0 to the prompt version's setting.
func TestSynthesisAcceptsEveryCatalogDomain(t *testing.T) {
	for _, d := range append(catalog.Tau2(), catalog.Generated()...) {
		in := SynthInput{Domain: d, Count: 1}
		if err := in.Validate(); err != nil {
			t.Errorf("%s: %v", d, err)
		}
	}
	in := SynthInput{Domain: "banking", Count: 1}
	if err := in.Validate(); err == nil || !strings.Contains(err.Error(), "domain") {
		t.Errorf("unknown domain: %v", err)
	}
	in = SynthInput{Domain: "gen-airline", Count: 1, Concurrency: -1}
	if err := in.Validate(); err == nil || !strings.Contains(err.Error(), "concurrency") {
		t.Errorf("negative concurrency: %v", err)
	}
	in = SynthInput{Domain: "gen-airline", Count: 1}
	in.withDefaults()
	if in.Concurrency != DefaultSynthConcurrency {
		t.Errorf("concurrency 0 defaults to %d, want %d", in.Concurrency, DefaultSynthConcurrency)
	}
}
