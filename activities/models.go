package activities

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/episode"
	"github.com/eigendata/eigendata/llm"
	"github.com/eigendata/eigendata/llm/offline"
	"github.com/eigendata/eigendata/llm/openai"
	"github.com/eigendata/eigendata/workflows"
)

// Models builds the chat clients and episode participants of each role from
// a ModelConfig: one rate-limited (and optionally cached) client per endpoint.
type Models struct {
	// BaseURL and APIKey are the default endpoint (OPENAI_BASE_URL, OPENAI_API_KEY).
	BaseURL string
	APIKey  string
	// Concurrency and RPS bound calls per endpoint (defaults 32, unlimited).
	Concurrency int
	RPS         float64
	// Timeout bounds each HTTP attempt and Backoff is the first retry delay
	// (the openai client's defaults when 0).
	Timeout time.Duration
	Backoff time.Duration
	// Wrap, when set, wraps each endpoint's client (the Redis cache).
	Wrap func(endpoint string, c llm.Chat) llm.Chat
	// Tau2Guidelines, when set, is a tau2 data root whose user_simulator
	// guidelines are used instead of eigendata's own.
	Tau2Guidelines string

	mu      sync.Mutex
	clients map[string]llm.Chat
}

// ModelsFromEnv reads OPENAI_BASE_URL and OPENAI_API_KEY.
func ModelsFromEnv() *Models {
	return &Models{BaseURL: os.Getenv("OPENAI_BASE_URL"), APIKey: os.Getenv("OPENAI_API_KEY")}
}

func (m *Models) endpoint(cfg workflows.ModelConfig) string {
	if cfg.BaseURL != "" {
		return cfg.BaseURL
	}
	return m.BaseURL
}

// Chat returns the client for cfg's endpoint.
func (m *Models) Chat(cfg workflows.ModelConfig) (llm.Chat, error) {
	ep := m.endpoint(cfg)
	if ep == "" {
		return nil, fmt.Errorf("no endpoint: set base_url or OPENAI_BASE_URL")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if c, ok := m.clients[ep]; ok {
		return c, nil
	}
	conc := m.Concurrency
	if conc == 0 {
		conc = 32
	}
	// The limit bounds requests to the endpoint: each HTTP attempt holds a
	// slot (not the backoff between attempts), and an answer from the cache
	// above the client needs none.
	var c llm.Chat = openai.New(openai.Config{BaseURL: ep, APIKey: m.APIKey, Timeout: m.Timeout, InitialBackoff: m.Backoff,
		Slots: llm.NewLimiter(conc, m.RPS)})
	if m.Wrap != nil {
		c = m.Wrap(ep, c)
	}
	if m.clients == nil {
		m.clients = map[string]llm.Chat{}
	}
	m.clients[ep] = c
	return c, nil
}

func sampling(cfg workflows.ModelConfig) llm.Sampling {
	return llm.Sampling{Model: cfg.Model, Temperature: cfg.Temperature, Seed: cfg.Seed, MaxTokens: cfg.MaxTokens}
}

// usageOf reports a participant's token usage, if it tracks any.
func usageOf(p episode.Participant) int {
	switch x := p.(type) {
	case *llm.Agent:
		return x.Usage.PromptTokens + x.Usage.CompletionTokens
	case *llm.User:
		return x.Usage.PromptTokens + x.Usage.CompletionTokens
	}
	return 0
}

// Agent builds the agent participant of an episode.
func (m *Models) Agent(cfg workflows.ModelConfig, env *envs.Env, task *envs.Task) (episode.Participant, error) {
	if cfg.Provider == "" || cfg.Provider == "offline" {
		return offline.Agent(task), nil
	}
	c, err := m.Chat(cfg)
	if err != nil {
		return nil, err
	}
	return llm.NewAgent(c, sampling(cfg), env), nil
}

// User builds the user-simulator participant of an episode.
func (m *Models) User(cfg workflows.ModelConfig, env *envs.Env, task *envs.Task) (episode.Participant, error) {
	if cfg.Provider == "" || cfg.Provider == "offline" {
		return offline.TemplateUser{Task: task}, nil
	}
	c, err := m.Chat(cfg)
	if err != nil {
		return nil, err
	}
	return llm.NewUser(c, sampling(cfg), env, task, m.guidelines(len(env.UserToolList()) > 0)), nil
}

func (m *Models) guidelines(tools bool) string {
	if m.Tau2Guidelines != "" {
		name := "simulation_guidelines.md"
		if tools {
			name = "simulation_guidelines_tools.md"
		}
		if b, err := os.ReadFile(filepath.Join(m.Tau2Guidelines, "user_simulator", name)); err == nil {
			return string(b)
		}
	}
	g := defaultGuidelines
	if tools {
		g += defaultToolGuidelines
	}
	return g
}

const defaultGuidelines = `# Customer simulation
You play a customer talking to a customer-service agent. Write one short,
natural message per turn, following the scenario below exactly. Share what
the scenario gives you only when the agent asks for it; never invent facts
it does not give you.

When your goal is met, reply with ###STOP###. If the agent transfers you to
another agent, reply with ###TRANSFER###. If the scenario does not cover what
you are asked, reply with ###OUT-OF-SCOPE###.
`

const defaultToolGuidelines = `
You can act on your own device with the tools you are given. When the agent
asks you to do something on your device, call the matching tool and report
what it shows; never make up tool results.
`

// ProbeModel checks, before any episode runs, that a role's endpoint
// answers; an unreachable endpoint fails fast with a non-retryable error
// naming the field.
func (m *Models) ProbeModel(ctx context.Context, role string, cfg workflows.ModelConfig) error {
	ep := m.endpoint(cfg)
	if ep == "" {
		return workflows.InvalidInput(role+".base_url", "required for provider openai (or set OPENAI_BASE_URL on the llm worker)")
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(ep, "/")+"/models", nil)
	if err != nil {
		return workflows.InvalidInput(role+".base_url", "%v", err)
	}
	if m.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+m.APIKey)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		var nerr net.Error
		var opErr *net.OpError
		if errors.As(err, &opErr) || errors.As(err, &nerr) || errors.Is(err, context.DeadlineExceeded) {
			return workflows.InvalidInput(role+".base_url", "endpoint %s unreachable: %v", ep, err)
		}
		return temporal.NewApplicationError(fmt.Sprintf("probing %s: %v", ep, err), "ProbeFailed")
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		return workflows.InvalidInput(role+".base_url", "endpoint %s rejected the API key (HTTP %d)", ep, resp.StatusCode)
	}
	return nil // any other answer means a server is there (some lack /models)
}
