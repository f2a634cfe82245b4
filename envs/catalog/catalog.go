// Package catalog names eigendata's domains. It has no dependencies, so
// deterministic workflow code can validate a domain name without linking
// the domains themselves.
package catalog

import "slices"

// Tau2 lists the tau2-bench domains (loaded from a tau2 data directory).
func Tau2() []string { return []string{"airline", "retail", "telecom"} }

// Generated lists eigendata's generated domains (no tau2 files needed).
func Generated() []string { return []string{"gen-airline", "gen-retail"} }

// IsKnown reports whether name is a known domain.
func IsKnown(name string) bool {
	return slices.Contains(Tau2(), name) || slices.Contains(Generated(), name)
}

// IsTau2 reports whether name is a tau2-bench domain.
func IsTau2(name string) bool { return slices.Contains(Tau2(), name) }

// IsGenerated reports whether name is a generated domain.
func IsGenerated(name string) bool { return slices.Contains(Generated(), name) }
