package roles

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/synthesis"
	"github.com/eigendata/eigendata/llm/fakeoai"
	"github.com/eigendata/eigendata/llm/openai"
)

func verdictJSON(score float64) string {
	scores := map[string]float64{}
	for _, item := range synthesis.Rubric {
		scores[item] = score
	}
	b, _ := json.Marshal(map[string]any{"scores": scores, "pass": score == 1, "reason": "scripted"})
	return string(b)
}

// TestJudgeRetriesMalformedAnswers: a malformed answer is shown back with
// its error and asked for again, up to Retries times; the judge asks for
// its schema as structured output on every attempt.
func TestJudgeRetriesMalformedAnswers(t *testing.T) {
	tests := []struct {
		name      string
		answers   []string
		retries   int
		wantCalls int
		wantErr   bool
		wantPass  bool
	}{
		{"valid at once", []string{verdictJSON(1)}, 2, 1, false, true},
		{"valid after one malformed", []string{"I think it is fine.", verdictJSON(1)}, 2, 2, false, true},
		{"score out of range, then valid", []string{verdictJSON(7), verdictJSON(0)}, 1, 2, false, false},
		{"malformed, no retries", []string{"{}", verdictJSON(1)}, 0, 1, true, false},
		{"malformed every time", []string{"", "", "", ""}, 2, 3, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fakeoai.New(func(n int, _ goopenai.ChatCompletionRequest) fakeoai.Reply {
				return fakeoai.Reply{Content: tt.answers[min(n, len(tt.answers)-1)]}
			})
			defer srv.Close()
			m := Model{Chat: openai.New(openai.Config{BaseURL: srv.URL(), MaxRetries: -1}), Retries: tt.retries}
			m.Sampling.Model = "judge"
			v, _, err := Judge(context.Background(), m, "judge prompt", synthesis.Scenario{},
				[]envs.Message{{Role: envs.RoleUser, Content: "hi"}}, 1)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrMalformed) {
				t.Errorf("err = %v, want ErrMalformed", err)
			}
			reqs := srv.Requests()
			if len(reqs) != tt.wantCalls {
				t.Fatalf("%d calls, want %d", len(reqs), tt.wantCalls)
			}
			for i, r := range reqs {
				if r.ResponseFormat == nil || r.ResponseFormat.Type != goopenai.ChatCompletionResponseFormatTypeJSONSchema ||
					r.ResponseFormat.JSONSchema == nil || r.ResponseFormat.JSONSchema.Name != "judge_verdict" {
					t.Errorf("call %d asked for no judge schema: %+v", i, r.ResponseFormat)
				}
				// Attempt i sees the i earlier answers and the errors they got.
				if got, want := len(r.Messages), 2+2*i; got != want {
					t.Errorf("call %d has %d messages, want %d", i, got, want)
				}
				if i > 0 && !strings.Contains(r.Messages[len(r.Messages)-1].Content, "could not be used") {
					t.Errorf("call %d: last message %q does not give the parse error", i, r.Messages[len(r.Messages)-1].Content)
				}
			}
			if err == nil && v.Pass != tt.wantPass {
				t.Errorf("pass = %v, want %v", v.Pass, tt.wantPass)
			}
		})
	}
}

// TestWriteCheckerMalformed: answers without a check function are
// rejected as malformed (after the retries), never returned as a checker.
func TestWriteCheckerMalformed(t *testing.T) {
	tests := []struct {
		answer string
		ok     bool
	}{
		{"```python\ndef check(state, transcript):\n    return (True, \"ok\")\n```", true},
		{"def check(state, transcript):\n    return (True, \"ok\")", true},
		{"```python\nprint(1)\n```", false},
		{"I cannot write that.", false},
		{"", false},
	}
	for _, tt := range tests {
		srv := fakeoai.New(func(int, goopenai.ChatCompletionRequest) fakeoai.Reply { return fakeoai.Reply{Content: tt.answer} })
		m := Model{Chat: openai.New(openai.Config{BaseURL: srv.URL(), MaxRetries: -1}), Retries: 1}
		src, _, err := WriteChecker(context.Background(), m, "checker prompt", CheckerRequest{})
		srv.Close()
		if tt.ok != (err == nil) || tt.ok && !strings.Contains(src, "def check(") {
			t.Errorf("answer %q: src %q, err %v", tt.answer, src, err)
		}
		if !tt.ok && !errors.Is(err, ErrMalformed) {
			t.Errorf("answer %q: err %v, want ErrMalformed", tt.answer, err)
		}
		if n := len(srv.Requests()); !tt.ok && n != 2 || tt.ok && n != 1 {
			t.Errorf("answer %q: %d calls", tt.answer, n)
		}
	}
}
