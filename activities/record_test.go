package activities

import (
	"bytes"
	"context"
	"testing"

	"github.com/eigendata/eigendata/workflows"
)

// offlineStage is a synthesis stage before the record, and the reference
// its artifact fills.
type offlineStage struct {
	name string
	run  func(context.Context, workflows.InstanceInput, workflows.StageRefs) (workflows.StageResult, error)
	ref  func(*workflows.StageRefs) *string
}

// offlineStages are the synthesis stages before the record, in order.
func offlineStages(a *Synth) []offlineStage {
	return []offlineStage{
		{"plan", a.SynthPlan, func(r *workflows.StageRefs) *string { return &r.Scenario }},
		{"blueprint", a.SynthBlueprint, func(r *workflows.StageRefs) *string { return &r.Blueprint }},
		{"dialogue", a.SynthDialogue, func(r *workflows.StageRefs) *string { return &r.Transcript }},
		{"checker", a.SynthChecker, func(r *workflows.StageRefs) *string { return &r.Checker }},
		{"verify", a.SynthVerify, func(r *workflows.StageRefs) *string { return &r.Verdict }},
		{"judge", a.SynthJudge, func(r *workflows.StageRefs) *string { return &r.Judge }},
	}
}

// recorded is a candidate the offline chain accepted and recorded.
type recorded struct {
	in   workflows.InstanceInput
	refs workflows.StageRefs
	rec  workflows.StageResult
}

// recordOffline runs n candidates of run through the offline stages on
// the generated airline domain and records the accepted ones.
func recordOffline(t *testing.T, a *Synth, run string, n int) []recorded {
	t.Helper()
	ctx := context.Background()
	prep, err := a.SynthPrepare(ctx, workflows.SynthInput{Domain: "gen-airline", Count: n, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	var out []recorded
	for i := 0; i < n; i++ {
		in := workflows.InstanceInput{RunID: run, Domain: "gen-airline", Index: i, Seed: workflows.CandidateSeed(7, i),
			DomainSeed: 7, PromptVersion: prep.PromptVersion, MaxSteps: workflows.DefaultSynthMaxSteps}
		var refs workflows.StageRefs
		accepted := true
		for _, s := range offlineStages(a) {
			out, err := s.run(ctx, in, refs)
			if err != nil {
				t.Fatalf("candidate %d, %s: %v", i, s.name, err)
			}
			if !out.OK {
				accepted = false
				break
			}
			*s.ref(&refs) = out.Key
			if refs.Digests == nil {
				refs.Digests = map[string]string{}
			}
			refs.Digests[out.Key] = out.Digest
		}
		if !accepted {
			continue
		}
		rec, err := a.SynthRecord(ctx, in, refs)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, recorded{in: in, refs: refs, rec: rec})
	}
	if len(out) == 0 {
		t.Fatal("no candidate was accepted")
	}
	return out
}

// TestRecordMatchesTypedInstance runs the offline stages on the generated
// airline domain and checks that each recorded instance.json, which copies
// the stored blueprint and transcript in as they are, is byte for byte the
// Instance encoded from the decoded stage artifacts, and that the record
// wrote the instance's checker where the dataset keeps it.
func TestRecordMatchesTypedInstance(t *testing.T) {
	ctx := context.Background()
	a := &Synth{Blob: &countingStore{}, Domains: &Domains{}}
	done := recordOffline(t, a, "record-test", 6)
	for _, r := range done {
		in, refs, rec, i := r.in, r.refs, r.rec, r.in.Index
		got, err := a.Blob.Get(ctx, rec.Key)
		if err != nil {
			t.Fatal(err)
		}
		_, sc, bp, err := a.load(ctx, in, refs)
		if err != nil {
			t.Fatal(err)
		}
		var tr TranscriptDoc
		if err := a.getJSON(ctx, refs, refs.Transcript, &tr); err != nil {
			t.Fatal(err)
		}
		var typed Instance
		if err := decodeJSON(rec.Key, got, &typed); err != nil {
			t.Fatal(err)
		}
		src, _ := a.get(ctx, refs, refs.Checker)
		want, err := encodeJSON(rec.Key, Instance{ID: typed.ID, Index: i, Domain: in.Domain, PromptVersion: in.PromptVersion, Scenario: sc,
			Blueprint: bp, Task: typed.Task, Transcript: tr, Checker: string(src), CheckerKey: refs.Checker, Signature: rec.Signature, Refs: refs})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("candidate %d: instance.json differs from the typed encoding:\n%s\nwant\n%s", i, got, want)
		}
		if c, err := a.Blob.Get(ctx, CheckerKey(in.RunID, typed.ID)); err != nil || !bytes.Equal(c, src) {
			t.Errorf("candidate %d: dataset checker %q, %v; want the checker stage's", i, c, err)
		}
	}
	t.Logf("%d instances recorded", len(done))
}

// TestFinalizeCheckers checks that a run's checkers directory ends holding
// exactly the dataset's instances' checkers: one the record stage wrote
// for an instance the run did not keep (surplus, a duplicate) is removed,
// one missing (an instance recorded before the record stage wrote them)
// is written, and the rest are left as the record stage wrote them.
func TestFinalizeCheckers(t *testing.T) {
	ctx := context.Background()
	store := &countingStore{}
	a := &Synth{Blob: store, Domains: &Domains{}}
	const run = "finalize-test"
	done := recordOffline(t, a, run, 8)
	if len(done) < 3 {
		t.Fatalf("%d accepted, the test needs 3", len(done))
	}
	id := func(r recorded) string { return instanceID(r.in) }
	surplus, missing := done[len(done)-1], done[0]
	if err := store.Delete(ctx, CheckerKey(run, id(missing))); err != nil {
		t.Fatal(err)
	}
	in := workflows.FinalizeInput{RunID: run, Input: workflows.SynthInput{Domain: "gen-airline", Seed: 7}, Digests: map[string]string{}}
	for _, r := range done[:len(done)-1] {
		in.Accepted = append(in.Accepted, r.rec.Key)
		in.Digests[r.rec.Key] = r.rec.Digest
	}
	res, err := a.SynthFinalize(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	var m Manifest
	if err := a.getJSON(ctx, workflows.StageRefs{}, res.ManifestKey, &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, key := range m.Instances {
		var inst Instance
		if err := a.getJSON(ctx, workflows.StageRefs{}, key, &inst); err != nil {
			t.Fatal(err)
		}
		want[CheckerKey(run, inst.ID)] = true
		if c, err := store.Get(ctx, CheckerKey(run, inst.ID)); err != nil || string(c) != inst.Checker {
			t.Errorf("%s: checker %q, %v; want the instance's", inst.ID, c, err)
		}
	}
	if len(want) != len(done)-1 || len(want) != res.Instances {
		t.Errorf("%d instances in the manifest, %d in the result; want %d", len(want), res.Instances, len(done)-1)
	}
	got, err := store.List(ctx, "runs/"+run+"/checkers/")
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range got {
		if !want[key] {
			t.Errorf("%s left in the checkers directory (surplus instance %s)", key, id(surplus))
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d checkers, want %d", len(got), len(want))
	}
}
