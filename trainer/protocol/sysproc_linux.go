package protocol

import "syscall"

// sysProcAttr puts the trainer in its own process group (so cancel kills
// its children too) and kills it if the worker itself dies, so a crashed
// worker never leaves a training step running unseen.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
