//go:build unix

package devserver

import (
	"os"
	"syscall"
)

// lockFile takes a non-blocking exclusive flock on path; the kernel drops
// it when the process exits, so a crashed process leaves no stale claim.
func lockFile(path string) (unlock func(), ok bool) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, false
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, false
	}
	return func() { f.Close() }, true
}
