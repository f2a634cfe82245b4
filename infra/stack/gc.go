package stack

import (
	"os"
	"runtime/debug"
)

// GCPercent is the garbage collector target the eigendata binary runs with
// when $GOGC is not set. One process holds the Temporal server, the
// workers, S3 and Redis; they allocate briskly, and at Go's default of 100
// the collector took a tenth to a sixth of the CPU of a synthesis run on
// two cores. A larger heap costs CPU too, in page faults and cache misses:
// 400 made the heap up to five times the live data and measured slower
// than 200 (BenchmarkSynthesis200's process, warm-up and 200 tau2
// airline instances: 655 MB peak resident and 139k page faults at 400,
// 455 MB and 89k at 200). Set GOGC to choose otherwise, or GOMEMLIMIT to
// cap the heap.
const GCPercent = 200

// TuneGC sets the collector's target to GCPercent unless $GOGC is set, and
// returns a function that restores the previous target.
func TuneGC() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	prev := debug.SetGCPercent(GCPercent)
	return func() { debug.SetGCPercent(prev) }
}
