package redisserver

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func client(t *testing.T, url string) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("ParseURL(%q): %v", url, err)
	}
	opt.MaxRetries = -1
	c := redis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	return c
}

func TestServeOverURL(t *testing.T) {
	s, err := Start("")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !strings.HasPrefix(s.URL(), "redis://127.0.0.1:") || !strings.HasSuffix(s.URL(), "/0") {
		t.Errorf("URL = %q, want redis://127.0.0.1:PORT/0", s.URL())
	}
	ctx := context.Background()
	c := client(t, s.URL())
	if err := c.Set(ctx, "k", "v", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Fatalf("GET = %q, %v; want v", got, err)
	}
	s.Close()
	s.Close() // idempotent
	if err := c.Ping(ctx).Err(); err == nil {
		t.Error("PING succeeded after Close")
	}
}

func TestStartAddrInUse(t *testing.T) {
	s, err := Start("")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s2, err := Start(s.Addr()); err == nil {
		s2.Close()
		t.Fatalf("second Start on %s succeeded", s.Addr())
	}
}

func TestTTLElapsesInRealTime(t *testing.T) {
	s, err := start("", 10*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	c := client(t, s.URL())
	if err := c.Set(ctx, "short", "v", 100*time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.Set(ctx, "long", "v", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	if n, _ := c.Exists(ctx, "short").Result(); n != 1 {
		t.Fatal("short key missing right after SET")
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		n, err := c.Exists(ctx, "short").Result()
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("key with a 100ms TTL still present after 2s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n, _ := c.Exists(ctx, "long").Result(); n != 1 {
		t.Error("key with a 1h TTL expired")
	}
}
