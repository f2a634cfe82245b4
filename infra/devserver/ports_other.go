//go:build !unix

package devserver

// lockFile does not lock where flock is unavailable: ports are then
// reserved by probing only.
func lockFile(string) (unlock func(), ok bool) { return func() {}, true }
