package protocol

import "syscall"

// sysProcAttr puts the backend in its own process group (so cancellation
// reaches its children too) and has the kernel SIGKILL it if the worker
// dies, so a crashed worker never leaves a training step running unseen.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// killGroup signals every process of the group pgid.
func killGroup(pgid int, sig syscall.Signal) error { return syscall.Kill(-pgid, sig) }
