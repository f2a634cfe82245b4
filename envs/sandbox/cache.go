package sandbox

import (
	"container/list"
	"sync"
)

// DefaultCacheSize is how many compiled checkers a Cache keeps when its
// Max is 0: enough for every candidate a synthesis worker has in flight
// between its checker and verify stages.
const DefaultCacheSize = 256

// Cache keeps compiled checkers by name and source, so a checker compiled
// by one stage (the checker writer validating it) is not parsed and
// compiled again by the next (the verifier). It is safe for concurrent use
// and holds at most Max programs, dropping the least recently used; the
// zero value is ready to use, and a nil *Cache compiles every time.
// Compile errors are not kept.
type Cache struct {
	// Max bounds the programs kept (0: DefaultCacheSize).
	Max int

	mu    sync.Mutex
	byKey map[cacheKey]*list.Element
	order list.List // most recently used first; values are *cacheEntry
}

type cacheKey struct{ name, src string }

type cacheEntry struct {
	key  cacheKey
	prog *Program
}

// Compile returns the compiled checker for name and src, compiling it on
// first use.
func (c *Cache) Compile(name, src string) (*Program, error) {
	if c == nil {
		return Compile(name, src)
	}
	k := cacheKey{name, src}
	c.mu.Lock()
	if e, ok := c.byKey[k]; ok {
		c.order.MoveToFront(e)
		c.mu.Unlock()
		return e.Value.(*cacheEntry).prog, nil
	}
	c.mu.Unlock()
	prog, err := Compile(name, src)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byKey[k]; ok { // compiled concurrently
		c.order.MoveToFront(e)
		return e.Value.(*cacheEntry).prog, nil
	}
	if c.byKey == nil {
		c.byKey = map[cacheKey]*list.Element{}
	}
	c.byKey[k] = c.order.PushFront(&cacheEntry{key: k, prog: prog})
	max := c.Max
	if max <= 0 {
		max = DefaultCacheSize
	}
	for c.order.Len() > max {
		last := c.order.Back()
		delete(c.byKey, last.Value.(*cacheEntry).key)
		c.order.Remove(last)
	}
	return prog, nil
}

// Len returns the number of programs kept.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
