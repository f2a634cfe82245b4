// Package redisserver runs an in-process Redis-protocol server (miniredis)
// on a loopback port, for the default dev stack when REDIS_URL is unset:
// clients talk to it over the real RESP protocol. Data lives in memory only;
// key TTLs elapse in real time.
package redisserver

import (
	"fmt"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
)

// expiryTick is how often TTLs are advanced by the time elapsed.
const expiryTick = time.Second

// Server is a running in-process Redis server.
type Server struct {
	m    *miniredis.Miniredis
	addr string
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// Start listens on addr ("" = 127.0.0.1:0, a free loopback port) and serves.
func Start(addr string) (*Server, error) {
	return start(addr, expiryTick)
}

func start(addr string, tick time.Duration) (*Server, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr(addr); err != nil {
		return nil, fmt.Errorf("redisserver: listening on %s: %w", addr, err)
	}
	s := &Server{m: m, addr: m.Addr(), stop: make(chan struct{}), done: make(chan struct{})}
	go s.expire(tick)
	return s, nil
}

// expire advances miniredis's TTLs (which otherwise only move when told to)
// by the wall-clock time elapsed, so that expired keys are dropped.
func (s *Server) expire(tick time.Duration) {
	defer close(s.done)
	t := time.NewTicker(tick)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-s.stop:
			return
		case now := <-t.C:
			s.m.FastForward(now.Sub(last))
			last = now
		}
	}
}

// Addr is the host:port the server listens on.
func (s *Server) Addr() string { return s.addr }

// URL is the server's redis:// URL (database 0), suitable for REDIS_URL.
func (s *Server) URL() string { return "redis://" + s.addr + "/0" }

// Close stops the server and drops its data. It is safe to call twice.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.stop)
		<-s.done
		s.m.Close()
	})
}
