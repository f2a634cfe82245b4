package activities

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/llm"
	"github.com/eigendata/eigendata/workflows"
)

// ShardSize is the number of records per dataset shard.
const ShardSize = 500

// NearDuplicate is the shingle-Jaccard similarity of two instances' user
// instructions above which the later one is dropped.
const NearDuplicate = 0.9

// Manifest describes a synthesis run (runs/<run>/manifest.json).
type Manifest struct {
	RunID         string               `json:"run_id"`
	Created       time.Time            `json:"created"`
	Input         workflows.SynthInput `json:"input"`
	PromptVersion string               `json:"prompt_version"`
	Stats         workflows.SynthStats `json:"stats"`
	// StageAcceptance is, per stage, passed / entered.
	StageAcceptance map[string][2]int `json:"stage_acceptance"`
	Instances       []string          `json:"instances"`
	Dropped         []string          `json:"near_duplicates_dropped"`
	Shards          []string          `json:"dataset_shards"`
	TasksKey        string            `json:"tasks_key"`
	Baseline        bool              `json:"baseline"`
}

// shingles is the set of a text's word 3-grams (lower-cased), as sorted
// 64-bit hashes: near-duplicate detection compares every pair of
// instances, and merging sorted integers is much faster than probing maps.
func shingles(s string) []uint64 {
	w := strings.Fields(strings.ToLower(s))
	var out []uint64
	for i := 0; i+3 <= len(w); i++ {
		h := fnv.New64a()
		for j, x := range w[i : i+3] {
			if j > 0 {
				h.Write([]byte{' '})
			}
			h.Write([]byte(x))
		}
		out = append(out, h.Sum64())
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Jaccard is the similarity of two shingle sets.
func Jaccard(a, b []uint64) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	inter := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			inter++
			i++
			j++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

// nearDuplicates reports, for each shingle set in order, whether its
// Jaccard similarity to an earlier set that is kept (not itself a
// near-duplicate) reaches t.
//
// Rather than compare every pair, it compares only pairs that share a
// shingle among their rarest: with shingles ordered by how many sets hold
// them, two sets of similarity t or more share one among the first
// |s| - ceil(t|s|) + 1 of either (prefix filtering, as in Bayardo et al.'s
// All-Pairs), so no near-duplicate is missed; the shingles dialogues share
// through a domain's phrasing are common and sort last.
func nearDuplicates(sets [][]uint64, t float64) []bool {
	df := map[uint64]int{}
	for _, s := range sets {
		for _, h := range s {
			df[h]++
		}
	}
	dup := make([]bool, len(sets))
	index := map[uint64][]int{}    // shingle -> kept sets with it in their prefix
	seen := make([]int, len(sets)) // the last set i a kept set was compared with, +1
	keptEmpty := false
	var ord []uint64
	for i, s := range sets {
		if len(s) == 0 { // similar only to another empty set
			dup[i], keptEmpty = keptEmpty, true
			continue
		}
		ord = append(ord[:0], s...)
		slices.SortFunc(ord, func(a, b uint64) int {
			if c := df[a] - df[b]; c != 0 {
				return c
			}
			return cmp.Compare(a, b)
		})
		// The epsilon keeps t*n that rounds just above an integer from
		// shortening the prefix.
		n := len(s) - int(math.Ceil(t*float64(len(s))-1e-9)) + 1
		prefix := ord[:min(max(n, 1), len(s))]
	probe:
		for _, h := range prefix {
			for _, j := range index[h] {
				if seen[j] == i+1 {
					continue
				}
				seen[j] = i + 1
				if Jaccard(s, sets[j]) >= t {
					dup[i] = true
					break probe
				}
			}
		}
		if !dup[i] {
			for _, h := range prefix {
				index[h] = append(index[h], i)
			}
		}
	}
	return dup
}

// datasetInstance is the part of an Instance the dataset is made of; the
// rest (blueprint, states, references) is skipped when it is decoded.
type datasetInstance struct {
	ID       string `json:"id"`
	Index    int    `json:"index"`
	Scenario struct {
		Instructions envs.Instructions `json:"instructions"`
	} `json:"scenario"`
	Task       envs.Task `json:"task"`
	Transcript struct {
		Messages []envs.Message `json:"messages"`
	} `json:"transcript"`
	Checker string `json:"checker"`
}

// SynthFinalize drops near-duplicates and writes the run's dataset: OpenAI
// chat fine-tuning shards, the instances as tau2 tasks, the checkers and
// the manifest.
func (a *Synth) SynthFinalize(ctx context.Context, in workflows.FinalizeInput) (workflows.SynthResult, error) {
	ld, err := a.Domains.Get(DomainKey{Name: in.Input.Domain, Tau2Data: in.Input.Tau2Data, Seed: in.Input.Seed})
	if err != nil {
		return workflows.SynthResult{}, err
	}
	enc, err := llm.NewFineTuneEncoder(ld.Domain.NewEnv().Policy(), ld.Domain.Agent.OpenAI())
	if err != nil {
		return workflows.SynthResult{}, err
	}
	// Each instance is read, shingled and rendered as its fine-tuning line
	// concurrently: this runs after the last instance, so it is all wall
	// time.
	type item struct {
		inst     datasetInstance
		shingles []uint64
		line     []byte
	}
	items := make([]item, len(in.Accepted))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	prefix := "runs/" + in.RunID + "/"
	var present []string // checkers written by the record stage
	g.Go(func() error {
		var err error
		present, err = a.Blob.List(gctx, prefix+"checkers/")
		return err
	})
	for i, key := range in.Accepted {
		g.Go(func() error {
			it := &items[i]
			if err := a.getDigestJSON(gctx, key, in.Digests[key], &it.inst); err != nil {
				return err
			}
			it.shingles = shingles(it.inst.Scenario.Instructions.String())
			var err error
			it.line, err = enc.Encode(it.inst.Transcript.Messages)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return workflows.SynthResult{}, err
	}
	sort.Slice(items, func(i, j int) bool { return items[i].inst.Index < items[j].inst.Index })
	sets := make([][]uint64, len(items))
	for i := range items {
		sets[i] = items[i].shingles
	}
	var kept []*item
	var dropped []string
	for i, dup := range nearDuplicates(sets, NearDuplicate) {
		if dup {
			dropped = append(dropped, items[i].inst.ID)
			continue
		}
		kept = append(kept, &items[i])
	}
	res := workflows.SynthResult{RunID: in.RunID, Stats: in.Stats, Instances: len(kept), Dropped: len(dropped),
		ManifestKey: prefix + "manifest.json", TasksKey: prefix + "tasks.json", Prefix: prefix}
	res.Stats.Reasons = copyCounts(in.Stats.Reasons)
	if len(dropped) > 0 {
		res.Stats.Reasons["dedup.near_duplicate"] += len(dropped)
		res.Stats.Accepted -= len(dropped)
	}
	var tasks []envs.Task
	var shard bytes.Buffer
	flush := func() error {
		if shard.Len() == 0 {
			return nil
		}
		key := fmt.Sprintf("%sdataset/shard-%05d.jsonl", prefix, len(res.Shards))
		if err := a.Blob.Put(ctx, key, shard.Bytes(), "application/jsonl"); err != nil {
			return err
		}
		res.Shards = append(res.Shards, key)
		shard.Reset()
		return nil
	}
	puts, pctx := errgroup.WithContext(ctx)
	puts.SetLimit(16)
	for i, it := range kept {
		if i%ShardSize == 0 {
			// One allocation per shard: grown by doubling, the few MB of
			// a shard were copied over and over and cleared anew each time.
			size := 0
			for _, next := range kept[i:min(len(kept), i+ShardSize)] {
				size += len(next.line) + 1
			}
			shard.Grow(size)
		}
		shard.Write(it.line)
		shard.WriteByte('\n')
		if (i+1)%ShardSize == 0 {
			if err := flush(); err != nil {
				return res, err
			}
		}
		tasks = append(tasks, it.inst.Task)
	}
	// The checkers directory ends holding exactly the kept instances':
	// the record stage wrote each accepted one's, so only near-duplicates,
	// surplus and exact duplicates are removed here (and any missing, from
	// an instance recorded before the record stage wrote them, written).
	missing := map[string]bool{} // kept instances' checkers not yet written
	for _, it := range kept {
		missing[CheckerKey(in.RunID, it.inst.ID)] = true
	}
	for _, key := range present {
		if missing[key] {
			delete(missing, key)
			continue
		}
		puts.Go(func() error { return a.Blob.Delete(pctx, key) })
	}
	for _, it := range kept {
		if key := CheckerKey(in.RunID, it.inst.ID); missing[key] {
			puts.Go(func() error { return a.Blob.Put(pctx, key, []byte(it.inst.Checker), "text/x-starlark") })
		}
	}
	if err := puts.Wait(); err != nil {
		return res, err
	}
	if err := flush(); err != nil {
		return res, err
	}
	if err := putJSON(ctx, a.Blob, res.TasksKey, tasks); err != nil {
		return res, err
	}
	m := Manifest{RunID: in.RunID, Created: time.Now().UTC(), Input: in.Input, PromptVersion: in.Input.PromptVersion, Stats: res.Stats,
		StageAcceptance: map[string][2]int{}, Dropped: dropped, Shards: res.Shards, TasksKey: res.TasksKey,
		Baseline: in.Input.Roles.Agent.Label() == "offline-baseline" || in.Input.Roles.User.Label() == "offline-baseline"}
	entered := in.Stats.Candidates
	for _, s := range workflows.SynthStages {
		m.StageAcceptance[s] = [2]int{in.Stats.StagePassed[s], entered}
		entered = in.Stats.StagePassed[s]
	}
	for _, it := range kept {
		m.Instances = append(m.Instances, InstanceKey(in.RunID, it.inst.Index, "instance.json"))
	}
	return res, putJSON(ctx, a.Blob, res.ManifestKey, m)
}

func copyCounts(m map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		out[k] = v
	}
	return out
}
