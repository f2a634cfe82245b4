package devserver

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
)

// ReservePort picks a TCP port on ip that the caller binds a moment later
// and reserves it against other eigendata processes on this machine until
// release is called (or the process exits).
//
// Ports are drawn from 10000-29999, below Linux's ephemeral range
// (32768-60999): a port the kernel handed out and took back could be given
// to any outgoing connection before the server binds it. Probing alone
// still races with another process probing at the same moment (parallel
// test binaries each starting a server), and the Temporal server's services
// do not survive a lost bind race, so each pick also takes an exclusive
// lock on a per-port file in the temp dir.
func ReservePort(ip string) (port int, release func(), err error) {
	dir := filepath.Join(os.TempDir(), "eigendata-ports")
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return 0, nil, fmt.Errorf("port reservations: %w", err)
	}
	for i := 0; i < 200; i++ {
		p := 10000 + rand.IntN(20000)
		unlock, ok := lockFile(filepath.Join(dir, strconv.Itoa(p)))
		if !ok {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(p)))
		if err != nil {
			unlock()
			continue
		}
		l.Close()
		return p, unlock, nil
	}
	return 0, nil, fmt.Errorf("no free port in 10000-29999")
}
