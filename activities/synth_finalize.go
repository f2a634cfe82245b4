package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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

func shingles(s string) map[string]bool {
	w := strings.Fields(strings.ToLower(s))
	out := map[string]bool{}
	for i := 0; i+3 <= len(w); i++ {
		out[strings.Join(w[i:i+3], " ")] = true
	}
	return out
}

// Jaccard is the similarity of two shingle sets.
func Jaccard(a, b map[string]bool) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	inter := 0
	for k := range a {
		if b[k] {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

// SynthFinalize drops near-duplicates and writes the run's dataset: OpenAI
// chat fine-tuning shards, the instances as tau2 tasks, the checkers and
// the manifest.
func (a *Synth) SynthFinalize(ctx context.Context, in workflows.FinalizeInput) (workflows.SynthResult, error) {
	insts := make([]Instance, len(in.Accepted))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for i, key := range in.Accepted {
		g.Go(func() error { return a.getDigestJSON(gctx, key, in.Digests[key], &insts[i]) })
	}
	if err := g.Wait(); err != nil {
		return workflows.SynthResult{}, err
	}
	sort.Slice(insts, func(i, j int) bool { return insts[i].Index < insts[j].Index })
	var kept []Instance
	var dropped []string
	var sets []map[string]bool
	for _, inst := range insts {
		sh := shingles(inst.Scenario.Instructions.String())
		dup := false
		for _, s := range sets {
			if Jaccard(sh, s) >= NearDuplicate {
				dup = true
				break
			}
		}
		if dup {
			dropped = append(dropped, inst.ID)
			continue
		}
		sets = append(sets, sh)
		kept = append(kept, inst)
	}
	prefix := "runs/" + in.RunID + "/"
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
	ld, err := a.Domains.Get(DomainKey{Name: in.Input.Domain, Tau2Data: in.Input.Tau2Data, Seed: in.Input.Seed})
	if err != nil {
		return res, err
	}
	policy, tools := ld.Domain.NewEnv().Policy(), ld.Domain.Agent.OpenAI()
	puts, pctx := errgroup.WithContext(ctx)
	puts.SetLimit(16)
	for i, inst := range kept {
		line, err := json.Marshal(llm.FineTuning(policy, inst.Transcript.Messages, tools))
		if err != nil {
			return res, err
		}
		shard.Write(line)
		shard.WriteByte('\n')
		if (i+1)%ShardSize == 0 {
			if err := flush(); err != nil {
				return res, err
			}
		}
		tasks = append(tasks, inst.Task)
		puts.Go(func() error {
			return a.Blob.Put(pctx, prefix+"checkers/"+inst.ID+".star", []byte(inst.Checker), "text/x-starlark")
		})
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
	for _, inst := range kept {
		m.Instances = append(m.Instances, InstanceKey(in.RunID, inst.Index, "instance.json"))
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
