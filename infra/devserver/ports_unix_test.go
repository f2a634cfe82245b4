//go:build unix

package devserver

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

func TestReservePortHoldsUntilReleased(t *testing.T) {
	lockPath := func(p int) string { return filepath.Join(os.TempDir(), "eigendata-ports", strconv.Itoa(p)) }
	held := map[int]func(){}
	for i := 0; i < 40; i++ {
		p, release, err := ReservePort("127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if held[p] != nil {
			t.Fatalf("port %d handed out twice while reserved", p)
		}
		held[p] = release
		// Another process's attempt is another open file description: it
		// must not get the lock while the reservation is held.
		if unlock, ok := lockFile(lockPath(p)); ok {
			unlock()
			t.Fatalf("port %d's reservation could be taken by another holder", p)
		}
	}
	for p, release := range held {
		release()
		unlock, ok := lockFile(lockPath(p))
		if !ok {
			t.Fatalf("port %d still reserved after release", p)
		}
		unlock()
	}
}
