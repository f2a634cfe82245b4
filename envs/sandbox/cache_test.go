package sandbox

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestCacheReusesAndEvicts(t *testing.T) {
	c := &Cache{Max: 2}
	src := func(i int) string { return strings.Replace(good, "ABC123", fmt.Sprintf("R%05d", i), 1) }
	p0, err := c.Compile("c", src(0))
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := c.Compile("c", src(0)); again != p0 {
		t.Fatal("same name and source compiled twice")
	}
	if other, _ := c.Compile("other", src(0)); other == p0 {
		t.Fatal("a different name shared the program (positions in errors name it)")
	}
	// "c"/src(0) was used before "other": a third entry evicts it.
	if _, err := c.Compile("c", src(1)); err != nil {
		t.Fatal(err)
	}
	if c.Len() != 2 {
		t.Fatalf("kept %d programs, want 2", c.Len())
	}
	if p, _ := c.Compile("c", src(0)); p == p0 {
		t.Fatal("the least recently used program was not dropped")
	}
	if _, err := c.Compile("bad", "def check(s):\n    return (True, '')"); err == nil || !strings.Contains(err.Error(), "must take") {
		t.Fatalf("compile error not returned: %v", err)
	}
	if c.Len() != 2 {
		t.Fatalf("a failed compile was kept: %d programs", c.Len())
	}
	var nilCache *Cache
	if p, err := nilCache.Compile("c", src(0)); err != nil || p == nil {
		t.Fatalf("nil cache: %v", err)
	}
}

// A cached program runs concurrently with independent results.
func TestCachedProgramConcurrentChecks(t *testing.T) {
	var c Cache
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for i := 0; i < 64; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := c.Compile("good", good)
			if err != nil {
				errs <- err.Error()
				return
			}
			status, want := "cancelled", true
			if i%2 == 1 {
				status, want = "active", false
			}
			st, tr := sampleInput(status)
			if v := p.Check(context.Background(), st, tr, DefaultLimits()); v.Err != "" || v.Pass != want {
				errs <- fmt.Sprintf("%s: %+v", status, v)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if c.Len() != 1 {
		t.Fatalf("kept %d programs for one source", c.Len())
	}
}
