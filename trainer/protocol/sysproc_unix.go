//go:build unix && !linux

package protocol

import "syscall"

// sysProcAttr puts the backend in its own process group (so cancellation
// reaches its children too).
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// killGroup signals every process of the group pgid.
func killGroup(pgid int, sig syscall.Signal) error { return syscall.Kill(-pgid, sig) }
