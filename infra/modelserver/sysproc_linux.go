package modelserver

import "syscall"

// sysProcAttr puts the server in its own process group and has the kernel
// SIGKILL it if this process dies, so no model server outlives its stack.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// killGroup signals every process of the group pgid.
func killGroup(pgid int, sig syscall.Signal) error { return syscall.Kill(-pgid, sig) }
