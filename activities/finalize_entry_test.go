package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/eigendata/eigendata/llm"
)

// TestReadDatasetEntry checks the finalize's partial read of recorded
// instances against a full decode: the same id, index, task, instructions
// and fine-tuning messages (the dialogue's messages rendered
// by llm.FineTuneMessages); that it stops at the fine-tuning messages (a
// document cut right after them still reads); that an instance in the
// older layout (fields in another order, no fine-tuning messages) reads the
// same; and that a document that is not an instance is an error naming it.
func TestReadDatasetEntry(t *testing.T) {
	ctx := context.Background()
	a := &Synth{Blob: &countingStore{}, Domains: &Domains{}}
	done := recordOffline(t, a, "entry-test", 4)
	for _, r := range done {
		b, err := a.Blob.Get(ctx, r.rec.Key)
		if err != nil {
			t.Fatal(err)
		}
		var full Instance
		if err := decodeJSON(r.rec.Key, b, &full); err != nil {
			t.Fatal(err)
		}
		ft, err := llm.FineTuneMessages(full.Transcript.Messages)
		if err != nil {
			t.Fatal(err)
		}
		// The checker comes after the fine-tuning messages: not read.
		want := datasetEntry{ID: full.ID, Index: full.Index, Instructions: full.Scenario.Instructions, Task: full.Task, FineTune: ft}
		if !bytes.Equal(full.Transcript.FineTune, ft) {
			t.Fatalf("%s: stored fine-tuning messages differ from the rendered messages", r.rec.Key)
		}

		var got datasetEntry
		if err := readDatasetEntry(r.rec.Key, b, &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: read %+v\nwant %+v", r.rec.Key, got, want)
		}

		// Cut right after the fine-tuning messages: what follows (the
		// rest of the transcript, the blueprint) is never read.
		at := bytes.Index(b, []byte(`"finetune_messages":`))
		if at < 0 {
			t.Fatalf("%s: no finetune_messages", r.rec.Key)
		}
		cut := b[:at+len(`"finetune_messages":`)+len(ft)]
		var short datasetEntry
		if err := readDatasetEntry(r.rec.Key, cut, &short); err != nil {
			t.Errorf("%s cut after the fine-tuning messages: %v", r.rec.Key, err)
		} else if !reflect.DeepEqual(short, want) {
			t.Errorf("%s cut: read %+v\nwant %+v", r.rec.Key, short, want)
		}

		// The older layout: scenario and blueprint first, checker after
		// the transcript, and a transcript without fine-tuning messages.
		old := full
		old.Transcript.FineTune = nil
		oldDoc, err := json.Marshal(struct {
			ID         string        `json:"id"`
			Index      int           `json:"index"`
			Scenario   any           `json:"scenario"`
			Blueprint  any           `json:"blueprint"`
			Task       any           `json:"task"`
			Transcript TranscriptDoc `json:"transcript"`
			Checker    string        `json:"checker"`
			Signature  string        `json:"signature"`
		}{old.ID, old.Index, old.Scenario, old.Blueprint, old.Task, old.Transcript, old.Checker, old.Signature})
		if err != nil {
			t.Fatal(err)
		}
		var fromOld datasetEntry
		if err := readDatasetEntry(r.rec.Key, oldDoc, &fromOld); err != nil {
			t.Fatal(err)
		}
		fromOld.Messages = nil // decoded to render the fine-tuning messages
		want.Checker = full.Checker
		if !reflect.DeepEqual(fromOld, want) {
			t.Errorf("%s older layout: read %+v\nwant %+v", r.rec.Key, fromOld, want)
		}
	}
	for _, bad := range []string{`[]`, `{"id":"x"}`, `{"id":"x","index":1,"task":{},"scenario":{},"transcript":[]}`, `{"id":`} {
		var e datasetEntry
		err := readDatasetEntry("runs/r/instances/000001/instance.json", []byte(bad), &e)
		if err == nil || !strings.Contains(err.Error(), "instance.json") {
			t.Errorf("readDatasetEntry(%s) = %v, want an error naming the key", bad, err)
		}
	}
}
