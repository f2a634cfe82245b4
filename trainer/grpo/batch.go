package grpo

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// Sample is one trajectory of a training batch (one JSON line of
// batch.jsonl). Token mode — when the inference endpoint returned token ids
// and log-probs — fills TokenIDs, LossMask (1 on assistant tokens only) and
// OldLogProbs; message mode fills Messages and Tools (OpenAI chat format)
// and the backend tokenizes. Advantage is the trajectory's (broadcast over
// its assistant tokens by the backend).
type Sample struct {
	TaskID      string          `json:"task_id"`
	Group       int             `json:"group"`
	Reward      float64         `json:"reward"`
	Advantage   float64         `json:"advantage"`
	TokenIDs    []int           `json:"token_ids,omitempty"`
	LossMask    []int           `json:"loss_mask,omitempty"`
	OldLogProbs []float64       `json:"old_logprobs,omitempty"`
	Messages    json.RawMessage `json:"messages,omitempty"`
	Tools       json.RawMessage `json:"tools,omitempty"`
}

// Validate checks a sample's shape.
func (s Sample) Validate() error {
	switch {
	case len(s.TokenIDs) > 0:
		if len(s.LossMask) != len(s.TokenIDs) {
			return fmt.Errorf("sample %s: loss_mask has %d entries for %d tokens", s.TaskID, len(s.LossMask), len(s.TokenIDs))
		}
		if len(s.OldLogProbs) != 0 && len(s.OldLogProbs) != len(s.TokenIDs) {
			return fmt.Errorf("sample %s: old_logprobs has %d entries for %d tokens", s.TaskID, len(s.OldLogProbs), len(s.TokenIDs))
		}
		for _, m := range s.LossMask {
			if m != 0 && m != 1 {
				return fmt.Errorf("sample %s: loss_mask must be 0/1", s.TaskID)
			}
		}
	case len(s.Messages) > 0:
	default:
		return fmt.Errorf("sample %s: neither token_ids nor messages", s.TaskID)
	}
	return nil
}

// WriteBatch encodes samples as JSON lines.
func WriteBatch(w io.Writer, samples []Sample) error {
	enc := json.NewEncoder(w)
	for _, s := range samples {
		if err := s.Validate(); err != nil {
			return err
		}
		if err := enc.Encode(s); err != nil {
			return err
		}
	}
	return nil
}

// ReadBatch decodes JSON lines.
func ReadBatch(data []byte) ([]Sample, error) {
	var out []Sample
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<28)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var s Sample
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			return nil, fmt.Errorf("batch line %d: %w", n, err)
		}
		if err := s.Validate(); err != nil {
			return nil, fmt.Errorf("batch line %d: %w", n, err)
		}
		out = append(out, s)
	}
	return out, sc.Err()
}
