package activities

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/synthesis"
	"github.com/eigendata/eigendata/llm"
	"github.com/eigendata/eigendata/workflows"
)

// ShardSize is the number of records per dataset shard.
const ShardSize = 500

// NearDuplicate is the shingle-Jaccard similarity of two instances' user
// instructions above which the later one is dropped, when both ask for the
// same plan (planKey).
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
	// Coverage is what the kept instances exercise: write tools, intent
	// combinations, refusals.
	Coverage *synthesis.Coverage `json:"coverage,omitempty"`
	// ReportKey is the run's report.
	ReportKey string `json:"report_key,omitempty"`
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

// planKey is what a task asks to be done: its initial state's set-up
// calls and its gold writes (reads left out). Near-duplicates ask for the
// same plan in nearly the same words; telecom tasks share their words per
// resolution path (as tau2's do) and differ in the issues set up and fixed.
func planKey(t envs.Task, mutates func(string) bool) string {
	var b strings.Builder
	if t.InitialState != nil {
		for _, a := range t.InitialState.InitializationActions {
			fmt.Fprintf(&b, "%s %s %s\n", a.EnvType, a.FuncName, a.Arguments)
		}
	}
	if t.EvaluationCriteria != nil {
		for _, a := range t.EvaluationCriteria.Actions {
			if mutates(a.Name) {
				fmt.Fprintf(&b, "%s %s %s\n", a.Who(), a.Name, a.Arguments)
			}
		}
	}
	return b.String()
}

// nearDuplicatesByPlan is nearDuplicates within each group of sets with the
// same plan key.
func nearDuplicatesByPlan(sets [][]uint64, keys []string, t float64) []bool {
	groups := map[string][]int{}
	for i, k := range keys {
		groups[k] = append(groups[k], i)
	}
	dup := make([]bool, len(sets))
	for _, idx := range groups {
		g := make([][]uint64, len(idx))
		for j, i := range idx {
			g[j] = sets[i]
		}
		for j, d := range nearDuplicates(g, t) {
			dup[idx[j]] = d
		}
	}
	return dup
}

// datasetEntry is what the dataset takes from an instance.json.
type datasetEntry struct {
	ID           string
	Index        int
	Instructions envs.Instructions
	Task         envs.Task
	// Checker is read only when the transcript's fine-tuning messages
	// come after it (an instance of the older layout).
	Checker string
	// FineTune is the transcript's fine-tuning messages (an array).
	FineTune json.RawMessage
	// Messages are decoded only for a transcript without FineTune (one
	// recorded by an older worker).
	Messages []envs.Message
}

// readDatasetEntry decodes the dataset's part of an instance.json. It reads
// the document in order and stops at the transcript's fine-tuning messages
// once it has the fields before them (instanceDoc and TranscriptDoc put
// them first), so the blueprint, the final state and the dialogue's
// messages are neither decoded nor scanned.
func readDatasetEntry(key string, b []byte, e *datasetEntry) error {
	const id, index, task, scenario = 1, 2, 4, 8
	const all = id | index | task | scenario
	seen := 0
	dec := json.NewDecoder(bytes.NewReader(b))
	field := func(name string, v any) error {
		if err := dec.Decode(v); err != nil {
			return fmt.Errorf("decoding %s: %s: %w", key, name, err)
		}
		return nil
	}
	if err := expectDelim(dec, '{'); err != nil {
		return fmt.Errorf("decoding %s: %w", key, err)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("decoding %s: %w", key, err)
		}
		var skip json.RawMessage
		switch name, _ := tok.(string); name {
		case "id":
			err, seen = field(name, &e.ID), seen|id
		case "index":
			err, seen = field(name, &e.Index), seen|index
		case "task":
			err, seen = field(name, &e.Task), seen|task
		case "checker":
			err = field(name, &e.Checker)
		case "scenario":
			var sc struct {
				Instructions envs.Instructions `json:"instructions"`
			}
			err, seen = field(name, &sc), seen|scenario
			e.Instructions = sc.Instructions
		case "transcript":
			var done bool
			done, err = readTranscriptEntry(dec, e, seen == all)
			if err == nil && done {
				return nil
			}
			if err != nil {
				err = fmt.Errorf("decoding %s: transcript: %w", key, err)
			}
		default:
			err = field(name, &skip)
		}
		if err != nil {
			return err
		}
	}
	if seen != all {
		return fmt.Errorf("decoding %s: not an instance (fields missing)", key)
	}
	if e.FineTune == nil {
		ft, err := llm.FineTuneMessages(e.Messages)
		if err != nil {
			return fmt.Errorf("%s: fine-tuning messages: %w", key, err)
		}
		e.FineTune = ft
	}
	return nil
}

// readTranscriptEntry reads a transcript object's fine-tuning messages (or
// its messages, when it has none) into e. With last set (nothing after the
// transcript is needed) it returns done once it has them, leaving the rest
// unread.
func readTranscriptEntry(dec *json.Decoder, e *datasetEntry, last bool) (done bool, err error) {
	if err := expectDelim(dec, '{'); err != nil {
		return false, err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return false, err
		}
		switch name, _ := tok.(string); name {
		case "finetune_messages":
			if err := dec.Decode(&e.FineTune); err != nil {
				return false, err
			}
			if last {
				return true, nil
			}
		case "messages":
			if err := dec.Decode(&e.Messages); err != nil {
				return false, err
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return false, err
			}
		}
	}
	return false, expectDelim(dec, '}')
}

func expectDelim(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != d {
		return fmt.Errorf("want %q, found %v", d, tok)
	}
	return nil
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
	// Each instance is read and shingled concurrently: this runs after
	// the last instance, so it is all wall time. Its fine-tuning line is
	// the stored messages between the shared system prompt and tools.
	type item struct {
		key      string
		inst     datasetEntry
		shingles []uint64
		line     [][]byte
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
			it.key = key
			b, err := a.getDigest(gctx, key, in.Digests[key])
			if err != nil {
				return err
			}
			if err := readDatasetEntry(key, b, &it.inst); err != nil {
				return err
			}
			it.shingles = shingles(it.inst.Instructions.String())
			it.line, err = enc.Join(it.inst.FineTune)
			if err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return workflows.SynthResult{}, err
	}
	sort.Slice(items, func(i, j int) bool { return items[i].inst.Index < items[j].inst.Index })
	sets := make([][]uint64, len(items))
	keys := make([]string, len(items))
	env := ld.Domain.NewEnv()
	for i := range items {
		sets[i], keys[i] = items[i].shingles, planKey(items[i].inst.Task, env.Mutates)
	}
	var kept []*item
	var dropped []string
	for i, dup := range nearDuplicatesByPlan(sets, keys, NearDuplicate) {
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
	// The shards, the tasks and the checkers are written concurrently;
	// the manifest, which names them, last.
	puts, pctx := errgroup.WithContext(ctx)
	puts.SetLimit(16)
	tasks := make([]envs.Task, 0, len(kept))
	for start := 0; start < len(kept); start += ShardSize {
		part := kept[start:min(len(kept), start+ShardSize)]
		// One allocation per shard: grown by doubling, the few MB of a
		// shard were copied over and over and cleared anew each time.
		size := 0
		for _, it := range part {
			for _, p := range it.line {
				size += len(p)
			}
			size++
		}
		shard := make([]byte, 0, size)
		for _, it := range part {
			for _, p := range it.line {
				shard = append(shard, p...)
			}
			shard = append(shard, '\n')
			tasks = append(tasks, it.inst.Task)
		}
		key := fmt.Sprintf("%sdataset/shard-%05d.jsonl", prefix, len(res.Shards))
		res.Shards = append(res.Shards, key)
		puts.Go(func() error { return a.Blob.Put(pctx, key, shard, "application/jsonl") })
	}
	puts.Go(func() error {
		b, err := synthesis.MarshalTasks(tasks)
		if err != nil {
			return err
		}
		return a.Blob.Put(pctx, res.TasksKey, b, "application/json")
	})
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
			puts.Go(func() error {
				src := it.inst.Checker
				if src == "" { // after the part of the instance read above
					var doc struct {
						Checker string `json:"checker"`
					}
					if err := a.getDigestJSON(pctx, it.key, in.Digests[it.key], &doc); err != nil {
						return err
					}
					src = doc.Checker
				}
				return a.Blob.Put(pctx, key, []byte(src), "text/x-starlark")
			})
		}
	}
	if err := puts.Wait(); err != nil {
		return res, err
	}
	cov := synthesis.CoverageOf(ld.Domain, tasks)
	c := workflows.SynthCoverage(*cov)
	res.Coverage, res.ReportKey = &c, prefix+"report.md"
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
	m.Coverage, m.ReportKey = cov, res.ReportKey
	if err := a.Blob.Put(ctx, res.ReportKey, []byte(synthReport(m)), "text/markdown"); err != nil {
		return res, err
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
