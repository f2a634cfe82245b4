package grpo

import (
	"bytes"
	"strings"
	"testing"
)

func TestBatchRoundTripAndValidation(t *testing.T) {
	good := []Sample{
		{TaskID: "a", Advantage: 1.5, TokenIDs: []int{1, 2, 3}, LossMask: []int{0, 1, 1}, OldLogProbs: []float64{-1, -2, -3}},
		{TaskID: "b", Advantage: -0.5, Messages: []byte(`[{"role":"user","content":"hi"}]`)},
	}
	var buf bytes.Buffer
	if err := WriteBatch(&buf, good); err != nil {
		t.Fatal(err)
	}
	back, err := ReadBatch(buf.Bytes())
	if err != nil || len(back) != 2 || back[0].LossMask[2] != 1 || back[1].Advantage != -0.5 {
		t.Fatalf("%+v %v", back, err)
	}
	bad := []struct {
		name string
		s    Sample
		want string
	}{
		{"mask length", Sample{TaskID: "x", TokenIDs: []int{1, 2}, LossMask: []int{1}}, "loss_mask"},
		{"logprob length", Sample{TaskID: "x", TokenIDs: []int{1, 2}, LossMask: []int{0, 1}, OldLogProbs: []float64{0}}, "old_logprobs"},
		{"mask values", Sample{TaskID: "x", TokenIDs: []int{1}, LossMask: []int{2}}, "0/1"},
		{"empty", Sample{TaskID: "x"}, "neither"},
	}
	for _, tc := range bad {
		if err := tc.s.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}
