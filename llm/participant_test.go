package llm_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/episode"
	"github.com/eigendata/eigendata/llm"
	"github.com/eigendata/eigendata/llm/fakeoai"
	"github.com/eigendata/eigendata/llm/openai"
)

// counter is a one-table domain: get_count reads, increment writes.
type counter struct{ N int }

func (c *counter) Clone() envs.State      { cp := *c; return &cp }
func (c *counter) Hash() (string, string) { return envs.HashJSON(c), "" }
func noArgs() string                      { return `{"properties":{},"title":"parameters","type":"object"}` }
func byArg() string {
	return `{"properties":{"by":{"title":"By","type":"integer"}},"required":["by"],"title":"parameters","type":"object"}`
}

func counterDomain() *envs.Domain {
	get := envs.NewTool("get_count", envs.Read, "Read the counter.", noArgs(), envs.Bind(func(s *counter, _ struct{}) (any, error) { return s.N, nil }))
	inc := envs.NewTool("increment", envs.Write, "Increment the counter.", byArg(), envs.Bind(func(s *counter, a struct {
		By int `json:"by"`
	}) (any, error) {
		if a.By <= 0 {
			return nil, errors.New("by must be positive")
		}
		s.N += a.By
		return s.N, nil
	}))
	return &envs.Domain{Name: "counter", Policy: "Increment when asked.", Agent: &envs.Toolkit{Class: "CounterTools", Tools: []*envs.Tool{get, inc}}, Initial: &counter{}}
}

// roleScript routes requests to an agent or a user queue by system prompt.
type roleScript struct {
	mu          sync.Mutex
	agent, user []fakeoai.Reply
	defAgent    fakeoai.Reply
	defUser     fakeoai.Reply
}

func (r *roleScript) next(_ int, req goopenai.ChatCompletionRequest) fakeoai.Reply {
	r.mu.Lock()
	defer r.mu.Unlock()
	isAgent := strings.HasPrefix(req.Messages[0].Content, "<instructions>")
	q, def := &r.user, r.defUser
	if isAgent {
		q, def = &r.agent, r.defAgent
	}
	if len(*q) == 0 {
		return def
	}
	rep := (*q)[0]
	*q = (*q)[1:]
	return rep
}

func task() *envs.Task {
	return &envs.Task{ID: "t1", UserScenario: envs.UserScenario{Instructions: envs.Instructions{Text: "Ask for an increment of 2."}},
		EvaluationCriteria: &envs.EvaluationCriteria{Actions: []envs.Action{{Name: "increment", Arguments: json.RawMessage(`{"by":2}`)}}, RewardBasis: []envs.RewardType{envs.RewardDB}}}
}

func run(t *testing.T, rs *roleScript, cfg episode.Config) (*episode.Result, *envs.Env, *fakeoai.Server) {
	t.Helper()
	srv := fakeoai.New(rs.next)
	t.Cleanup(srv.Close)
	client := openai.New(openai.Config{BaseURL: srv.URL(), APIKey: "test", InitialBackoff: time.Millisecond})
	env := counterDomain().NewEnv()
	tk := task()
	agent := llm.NewAgent(client, llm.Sampling{Model: "agent-model"}, env)
	user := llm.NewUser(client, llm.Sampling{Model: "user-model"}, env, tk, "Be a customer.")
	res, err := episode.Run(context.Background(), env, tk, agent, user, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return res, env, srv
}

func TestEpisodeOverFakeServer(t *testing.T) {
	cases := []struct {
		name      string
		script    *roleScript
		cfg       episode.Config
		wantTerm  episode.Termination
		wantCount int
		check     func(t *testing.T, res *episode.Result, srv *fakeoai.Server)
	}{
		{
			name: "tool call round trip then user stop",
			script: &roleScript{
				user:  []fakeoai.Reply{{Content: "Please add 2."}, {Content: "Thanks ###STOP###"}},
				agent: []fakeoai.Reply{{Calls: []fakeoai.Call{{Name: "increment", Args: `{"by": 2}`}}}, {Content: "Done, the counter is 2."}},
			},
			wantTerm: episode.UserStop, wantCount: 2,
			check: func(t *testing.T, res *episode.Result, srv *fakeoai.Server) {
				tool := res.Messages[3]
				if tool.Role != envs.RoleTool || tool.Content != `"2"` || tool.Error {
					t.Errorf("tool message = %+v", tool)
				}
				// The agent's second request must carry the tool result under its call id.
				reqs := srv.Requests()
				var sawToolResult bool
				for _, r := range reqs {
					for _, m := range r.Messages {
						if m.Role == goopenai.ChatMessageRoleTool && m.ToolCallID == res.Messages[2].ToolCalls[0].ID && m.Content == `"2"` {
							sawToolResult = true
						}
					}
				}
				if !sawToolResult {
					t.Error("tool result never sent back to the model")
				}
				// The user simulator sees the agent's text as "user" and its own as "assistant".
				last := reqs[len(reqs)-1]
				if last.Messages[1].Role != goopenai.ChatMessageRoleUser || last.Messages[1].Content != episode.FirstAgentMessage {
					t.Errorf("user view not flipped: %+v", last.Messages[1])
				}
			},
		},
		{
			name: "malformed tool-call JSON is a tool error the agent recovers from",
			script: &roleScript{
				user: []fakeoai.Reply{{Content: "Please add 2."}, {Content: "###STOP###"}},
				agent: []fakeoai.Reply{{Calls: []fakeoai.Call{{Name: "increment", Args: `{"by": 2`}}},
					{Calls: []fakeoai.Call{{Name: "increment", Args: `{"by": 2}`}}}, {Content: "Done."}},
			},
			wantTerm: episode.UserStop, wantCount: 2,
			check: func(t *testing.T, res *episode.Result, _ *fakeoai.Server) {
				if res.ToolErrors != 1 || !res.Messages[3].Error || !strings.HasPrefix(res.Messages[3].Content, "Error: arguments must be a JSON object") {
					t.Errorf("errors=%d msg=%+v", res.ToolErrors, res.Messages[3])
				}
				if _, err := json.Marshal(res.Messages); err != nil {
					t.Errorf("trajectory not serialisable: %v", err)
				}
			},
		},
		{
			name: "unknown tool",
			script: &roleScript{
				user:  []fakeoai.Reply{{Content: "Please add 2."}, {Content: "###STOP###"}},
				agent: []fakeoai.Reply{{Calls: []fakeoai.Call{{Name: "decrement", Args: `{}`}}}, {Content: "I cannot."}},
			},
			wantTerm: episode.UserStop, wantCount: 0,
			check: func(t *testing.T, res *episode.Result, _ *fakeoai.Server) {
				if res.Messages[3].Content != "Error: Tool 'decrement' not found." {
					t.Errorf("got %q", res.Messages[3].Content)
				}
			},
		},
		{
			name: "max steps",
			script: &roleScript{
				defUser:  fakeoai.Reply{Content: "Keep going."},
				defAgent: fakeoai.Reply{Calls: []fakeoai.Call{{Name: "get_count", Args: `{}`}}},
			},
			cfg:      episode.Config{MaxSteps: 7},
			wantTerm: episode.MaxSteps,
			check: func(t *testing.T, res *episode.Result, _ *fakeoai.Server) {
				if res.Steps < 7 {
					t.Errorf("steps = %d", res.Steps)
				}
			},
		},
		{
			name: "too many errors",
			script: &roleScript{
				defUser:  fakeoai.Reply{Content: "Keep going."},
				defAgent: fakeoai.Reply{Calls: []fakeoai.Call{{Name: "increment", Args: `{"by": -1}`}}},
			},
			cfg:      episode.Config{MaxErrors: 3},
			wantTerm: episode.TooManyErrors,
		},
		{
			name: "429 and 500 are retried",
			script: &roleScript{
				user:  []fakeoai.Reply{{Status: http.StatusTooManyRequests}, {Status: http.StatusBadGateway}, {Content: "Please add 2."}, {Content: "###TRANSFER###"}},
				agent: []fakeoai.Reply{{Status: http.StatusInternalServerError}, {Calls: []fakeoai.Call{{Name: "increment", Args: `{"by":2}`}}}, {Content: "Done."}},
			},
			wantTerm: episode.UserStop, wantCount: 2,
		},
		{
			name: "400 is not retried and ends the episode as a user error",
			script: &roleScript{
				user: []fakeoai.Reply{{Status: http.StatusBadRequest}},
			},
			wantTerm: episode.UserError,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, env, srv := run(t, c.script, c.cfg)
			if res.Termination != c.wantTerm {
				t.Fatalf("termination = %s (%s), want %s; messages %+v", res.Termination, res.Err, c.wantTerm, res.Messages)
			}
			if c.wantCount != 0 || c.wantTerm == episode.UserStop {
				if got := env.State.(*counter).N; got != c.wantCount {
					t.Errorf("counter = %d, want %d", got, c.wantCount)
				}
			}
			if c.check != nil {
				c.check(t, res, srv)
			}
		})
	}
}
