package activities

import (
	"bytes"
	"context"
	"testing"

	"github.com/eigendata/eigendata/workflows"
)

// TestRecordMatchesTypedInstance runs the offline stages on the generated
// airline domain and checks that each recorded instance.json, which copies
// the stored blueprint and transcript in as they are, is byte for byte the
// Instance encoded from the decoded stage artifacts.
func TestRecordMatchesTypedInstance(t *testing.T) {
	ctx := context.Background()
	a := &Synth{Blob: &countingStore{}, Domains: &Domains{}}
	stages := []struct {
		name string
		run  func(context.Context, workflows.InstanceInput, workflows.StageRefs) (workflows.StageResult, error)
		ref  func(*workflows.StageRefs) *string
	}{
		{"plan", a.SynthPlan, func(r *workflows.StageRefs) *string { return &r.Scenario }},
		{"blueprint", a.SynthBlueprint, func(r *workflows.StageRefs) *string { return &r.Blueprint }},
		{"dialogue", a.SynthDialogue, func(r *workflows.StageRefs) *string { return &r.Transcript }},
		{"checker", a.SynthChecker, func(r *workflows.StageRefs) *string { return &r.Checker }},
		{"verify", a.SynthVerify, func(r *workflows.StageRefs) *string { return &r.Verdict }},
		{"judge", a.SynthJudge, func(r *workflows.StageRefs) *string { return &r.Judge }},
	}
	prep, err := a.SynthPrepare(ctx, workflows.SynthInput{Domain: "gen-airline", Count: 6, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	recorded := 0
	for i := 0; i < 6; i++ {
		in := workflows.InstanceInput{RunID: "record-test", Domain: "gen-airline", Index: i, Seed: workflows.CandidateSeed(7, i),
			DomainSeed: 7, PromptVersion: prep.PromptVersion, MaxSteps: workflows.DefaultSynthMaxSteps}
		var refs workflows.StageRefs
		accepted := true
		for _, s := range stages {
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
		recorded++
	}
	if recorded == 0 {
		t.Fatal("no candidate was accepted")
	}
	t.Logf("%d instances recorded", recorded)
}
