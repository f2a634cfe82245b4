package grpo

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestBatchRoundTrip(t *testing.T) {
	in := []Sample{
		{TaskID: "a", Group: 0, Reward: 1, Advantage: 1.5, TokenIDs: []int{11, 12, 13, 14}, LossMask: []int{0, 0, 1, 1}, OldLogProbs: []float64{0, 0, -0.25, -1.5}},
		{TaskID: "b", Group: 1, Reward: 0, Advantage: -0.5, Messages: json.RawMessage(`[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]`),
			Tools: json.RawMessage(`[{"type":"function","function":{"name":"f"}}]`)},
	}
	var buf bytes.Buffer
	if err := WriteBatch(&buf, in); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), "\n"); n != 2 {
		t.Fatalf("%d lines, want 2:\n%s", n, buf.String())
	}
	out, err := ReadBatch(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 {
		t.Fatalf("%d samples back", len(out))
	}
	a, b := out[0], out[1]
	if a.TaskID != "a" || a.Reward != 1 || a.Advantage != 1.5 || !slices.Equal(a.TokenIDs, in[0].TokenIDs) ||
		!slices.Equal(a.LossMask, in[0].LossMask) || !slices.Equal(a.OldLogProbs, in[0].OldLogProbs) || a.Mode() != ModeToken {
		t.Errorf("token sample came back as %+v", a)
	}
	if b.TaskID != "b" || b.Group != 1 || b.Advantage != -0.5 || b.Mode() != ModeMessage ||
		!bytes.Equal(b.Messages, in[1].Messages) || !bytes.Equal(b.Tools, in[1].Tools) {
		t.Errorf("message sample came back as %+v", b)
	}
	// The JSON field names are the documented ones.
	for _, key := range []string{`"task_id"`, `"group"`, `"reward"`, `"advantage"`, `"token_ids"`, `"loss_mask"`, `"old_logprobs"`, `"messages"`, `"tools"`} {
		if !strings.Contains(buf.String(), key) {
			t.Errorf("encoded batch lacks %s", key)
		}
	}
}

func TestTokenAdvantagesBroadcastOverTheMask(t *testing.T) {
	s := Sample{Advantage: -0.5, TokenIDs: []int{1, 2, 3, 4, 5}, LossMask: []int{0, 1, 1, 0, 1}}
	if got, want := s.TokenAdvantages(), []float64{0, -0.5, -0.5, 0, -0.5}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := (Sample{Advantage: 1, Messages: json.RawMessage(`[{"role":"user"}]`)}).TokenAdvantages(); got != nil {
		t.Errorf("message sample has token advantages %v", got)
	}
}

func TestSampleValidate(t *testing.T) {
	msgs := json.RawMessage(`[{"role":"user","content":"hi"}]`)
	cases := []struct {
		name string
		s    Sample
		want string // "" = valid
	}{
		{"token mode", Sample{TokenIDs: []int{1, 2}, LossMask: []int{0, 1}, OldLogProbs: []float64{0, -0.1}}, ""},
		{"token mode without old log-probs", Sample{TokenIDs: []int{1, 2}, LossMask: []int{0, 1}}, ""},
		{"message mode", Sample{Messages: msgs}, ""},
		{"message mode with null tools", Sample{Messages: msgs, Tools: json.RawMessage(`null`)}, ""},
		{"mask length", Sample{TokenIDs: []int{1, 2}, LossMask: []int{1}}, "loss_mask has 1 entries for 2 tokens"},
		{"log-prob length", Sample{TokenIDs: []int{1, 2}, LossMask: []int{0, 1}, OldLogProbs: []float64{0}}, "old_logprobs has 1 entries"},
		{"mask values", Sample{TokenIDs: []int{1}, LossMask: []int{2}}, "must be 0/1"},
		{"nothing trained on", Sample{TokenIDs: []int{1, 2}, LossMask: []int{0, 0}}, "nothing to train on"},
		{"negative token", Sample{TokenIDs: []int{-1, 2}, LossMask: []int{0, 1}}, "negative"},
		{"positive log-prob", Sample{TokenIDs: []int{1, 2}, LossMask: []int{0, 1}, OldLogProbs: []float64{0, 0.5}}, "above 0"},
		{"NaN log-prob", Sample{TokenIDs: []int{1, 2}, LossMask: []int{0, 1}, OldLogProbs: []float64{math.NaN(), -1}}, "not finite"},
		{"NaN advantage", Sample{Advantage: math.NaN(), Messages: msgs}, "finite"},
		{"messages not an array", Sample{Messages: json.RawMessage(`{"role":"user"}`)}, "JSON array"},
		{"message without role", Sample{Messages: json.RawMessage(`[{"content":"hi"}]`)}, "messages[0] has no role"},
		{"empty messages", Sample{Messages: json.RawMessage(`[]`)}, "empty"},
		{"tools not an array", Sample{Messages: msgs, Tools: json.RawMessage(`{"name":"f"}`)}, "tools"},
		{"empty", Sample{}, "neither"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.s.TaskID = "t1"
			err := tc.s.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("valid sample rejected: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			case err != nil && !strings.Contains(err.Error(), `"t1"`):
				t.Errorf("error %v does not name the sample", err)
			}
		})
	}
}

func TestWriteBatchRefusesInvalidSamples(t *testing.T) {
	var buf bytes.Buffer
	err := WriteBatch(&buf, []Sample{{TaskID: "ok", Messages: json.RawMessage(`[{"role":"user"}]`)}, {TaskID: "bad"}})
	if err == nil || !strings.Contains(err.Error(), "sample 1") {
		t.Errorf("got %v, want an error naming sample 1", err)
	}
}

func TestDecodeBatch(t *testing.T) {
	long := make([]int, 200000) // a ~400 KB line: longer than bufio.Scanner's default
	mask := make([]int, len(long))
	mask[len(mask)-1] = 1
	big, _ := json.Marshal(Sample{TaskID: "long", TokenIDs: long, LossMask: mask})
	cases := []struct {
		name  string
		input string
		n     int
		want  string
	}{
		{"blank lines and no final newline", "\n" + `{"task_id":"a","messages":[{"role":"user"}]}` + "\n\n" + `{"task_id":"b","messages":[{"role":"user"}]}`, 2, ""},
		{"a long line", string(big) + "\n", 1, ""},
		{"bad JSON names its line", `{"task_id":"a","messages":[{"role":"user"}]}` + "\n{oops\n", 1, "batch line 2"},
		{"invalid sample names its line", "\n\n" + `{"task_id":"x"}`, 0, "batch line 3"},
		{"empty", "", 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeBatch(strings.NewReader(tc.input))
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
			if len(got) != tc.n {
				t.Errorf("%d samples, want %d", len(got), tc.n)
			}
		})
	}
}
