package envs

import (
	"fmt"
	"math/rand"
	"slices"
	"testing"
)

// rebuilt is t's content in a table built from scratch, with no base or
// cached digests.
func rebuilt(t *Table[toyRec]) *Table[toyRec] {
	var out Table[toyRec]
	for k, v := range t.All() {
		out.Set(k, toyRec{Name: v.Name, Items: slices.Clone(v.Items)})
	}
	return &out
}

// TestTableHashMatchesRebuild applies random writes, deletes and clones to
// tables of a few blocks of keys and checks after each step that the hash
// (reusing the base's block digests) equals that of the same content
// built from scratch, that clones keep their content, and that different
// content hashes differently.
func TestTableHashMatchesRebuild(t *testing.T) {
	for _, n := range []int{0, 1, hashBlock - 1, hashBlock, 3*hashBlock + 7} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			rng := rand.New(rand.NewSource(int64(n) + 1))
			var tab Table[toyRec]
			for i := 0; i < n; i++ {
				tab.Set(fmt.Sprintf("k%04d", i), toyRec{Name: fmt.Sprint(i)})
			}
			type snapshot struct {
				clone Table[toyRec]
				want  [32]byte
				keys  []string
			}
			var snaps []snapshot
			next := n
			for step := 0; step < 300; step++ {
				keys := tab.Keys()
				pick := func() string { return keys[rng.Intn(len(keys))] }
				before := tab.Hash()
				changed := true
				switch op := rng.Intn(6); {
				case op == 0 || len(keys) == 0:
					tab.Set(fmt.Sprintf("n%04d", next), toyRec{Name: "new"})
					next++
				case op == 1:
					k := pick()
					r, _ := tab.Mut(k)
					r.Items = append(r.Items, fmt.Sprint(step))
				case op == 2:
					k := pick()
					v, _ := tab.Get(k)
					tab.Set(k, toyRec{Name: v.Name + "!", Items: v.Items})
				case op == 3:
					tab.Delete(pick())
				case op == 4:
					c := tab.Clone()
					snaps = append(snaps, snapshot{clone: c, want: rebuilt(&tab).Hash(), keys: slices.Clone(tab.Keys())})
					changed = false
				default: // the same write twice hashes as once
					k := pick()
					r, _ := tab.Mut(k)
					r.Name = "same"
					h := tab.Hash()
					r2, _ := tab.Mut(k)
					r2.Name = "same"
					if tab.Hash() != h {
						t.Fatalf("step %d: rewriting the same value changed the hash", step)
					}
				}
				if got, want := tab.Hash(), rebuilt(&tab).Hash(); got != want {
					t.Fatalf("step %d: hash %x, rebuilt %x", step, got[:4], want[:4])
				}
				if changed && tab.Hash() == before && len(keys) > 0 {
					// Only a rewrite of an equal value may keep the hash.
					if r := rebuilt(&tab); r.Hash() != before {
						t.Fatalf("step %d: content changed but the hash did not", step)
					}
				}
			}
			for i, s := range snaps {
				if got := s.clone.Hash(); got != s.want {
					t.Fatalf("clone %d changed: hash %x, want %x", i, got[:4], s.want[:4])
				}
				if !slices.Equal(s.clone.Keys(), s.keys) {
					t.Fatalf("clone %d: keys changed", i)
				}
			}
		})
	}
}
