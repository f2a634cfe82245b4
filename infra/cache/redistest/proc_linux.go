package redistest

import (
	"os/exec"
	"syscall"
)

// killWithParent makes the kernel kill cmd if the test process dies without
// running its cleanups (a test timeout, a crash).
func killWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
