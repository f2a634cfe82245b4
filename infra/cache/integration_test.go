package cache

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/eigendata/eigendata/infra/cache/redistest"
)

// TestRealRedis runs the cache against a real redis-server ($REDIS_URL or
// one started from PATH); it fails when there is none.
func TestRealRedis(t *testing.T) {
	url := redistest.URL(t)
	ctx := context.Background()
	prefix := "eigendata:test:" + strconv.FormatInt(time.Now().UnixNano(), 36) + ":"
	c, err := Open(ctx, url, Options{Prefix: prefix, TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	inner := &fakeChat{}
	chat := c.Wrap("http://llm", inner)
	first, err := chat.Complete(ctx, baseRequest())
	if err != nil {
		t.Fatal(err)
	}
	second, err := chat.Complete(ctx, baseRequest())
	if err != nil {
		t.Fatal(err)
	}
	if inner.calls.Load() != 1 || second.Message.Content != first.Message.Content || second.Usage != first.Usage {
		t.Errorf("second call: inner calls %d, %+v, want a replay of %+v", inner.calls.Load(), second, first)
	}
	if got, want := c.Stats(), (Stats{Hits: 1, Misses: 1}); got != want {
		t.Errorf("Stats = %+v, want %+v", got, want)
	}

	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rc := redis.NewClient(opt)
	key := c.Key("http://llm", baseRequest())
	defer func() {
		if err := rc.Del(context.Background(), key, prefix+"json").Err(); err != nil {
			t.Errorf("deleting test keys: %v", err)
		}
		rc.Close()
	}()
	ttl, err := rc.TTL(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	if ttl <= 50*time.Second || ttl > time.Minute {
		t.Errorf("TTL = %v, want about 1m", ttl)
	}

	c.SetJSON(ctx, prefix+"json", map[string]int{"a": 1})
	var got map[string]int
	if !c.GetJSON(ctx, prefix+"json", &got) || got["a"] != 1 {
		t.Errorf("GetJSON = %v, want map[a:1]", got)
	}
}
