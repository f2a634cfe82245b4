// Package workflows holds eigendata's Temporal workflows — deterministic
// orchestration only (no I/O, clocks or randomness outside the SDK) — and
// the contracts they share with activities: activity names, task queues,
// inputs and outputs. Activities live in package activities and are
// addressed here by name, so workflows import no S3, Redis or model client.
package workflows

import "time"

// Task queues, one per resource pool.
const (
	QueueCPU = "eigendata-cpu"
	QueueLLM = "eigendata-llm"
	QueueGPU = "eigendata-gpu"
)

// Search attributes eigendata sets on its workflows so runs filter in the Web UI.
const (
	SADomain     = "EigenDomain"
	SAAgentModel = "EigenAgentModel"
	SAKind       = "EigenKind"
)

// Activity names.
const (
	ActEvalPrepare = "EvalPrepare"
	ActProbeModel  = "ProbeModel"
	ActEpisode     = "RunEpisode"
	ActEvalReport  = "WriteEvalReport"
)

// ModelConfig selects a role's model: the offline baseline or any
// OpenAI-compatible endpoint.
type ModelConfig struct {
	// Provider is "offline" (no endpoint; baseline) or "openai".
	Provider string `json:"provider"`
	// Model is the model name sent to the endpoint.
	Model string `json:"model,omitempty"`
	// BaseURL is the endpoint; empty uses OPENAI_BASE_URL on the worker.
	BaseURL string `json:"base_url,omitempty"`
	// Temperature and Seed are the sampling settings (a response is cached
	// only when temperature is 0 or a seed is set).
	Temperature float32 `json:"temperature,omitempty"`
	Seed        *int    `json:"seed,omitempty"`
	// MaxTokens bounds each answer (0: the server's default); small local
	// models otherwise ramble to the server's limit.
	MaxTokens int `json:"max_tokens,omitempty"`
}

// Label names the model for reports and search attributes.
func (m ModelConfig) Label() string {
	if m.Provider == "" || m.Provider == "offline" {
		return "offline-baseline"
	}
	return m.Model
}

// EvalInput starts an EvalWorkflow.
type EvalInput struct {
	Domain      string      `json:"domain"`
	Tau2Data    string      `json:"tau2_data,omitempty"`
	Split       string      `json:"split,omitempty"`
	TaskIDs     []string    `json:"task_ids,omitempty"`
	Trials      int         `json:"trials"`
	Concurrency int         `json:"concurrency,omitempty"`
	MaxSteps    int         `json:"max_steps,omitempty"`
	Agent       ModelConfig `json:"agent"`
	User        ModelConfig `json:"user"`
	// Seed parameterises generated domains.
	Seed int64 `json:"seed,omitempty"`
	// TasksKey, when set, is a tau2-format tasks.json in the blob store (a
	// synthesis run's runs/<id>/tasks.json) evaluated instead of the
	// domain's own tasks.
	TasksKey string `json:"tasks_key,omitempty"`
}

// EvalPrepareOutput is what EvalPrepare found: the tasks to run.
type EvalPrepareOutput struct {
	TaskIDs  []string `json:"task_ids"`
	Tau2Data string   `json:"tau2_data,omitempty"`
}

// EpisodeInput runs one (task, trial) episode.
type EpisodeInput struct {
	RunID    string      `json:"run_id"`
	Domain   string      `json:"domain"`
	Tau2Data string      `json:"tau2_data,omitempty"`
	Seed     int64       `json:"seed,omitempty"`
	TaskID   string      `json:"task_id"`
	TasksKey string      `json:"tasks_key,omitempty"`
	Trial    int         `json:"trial"`
	MaxSteps int         `json:"max_steps,omitempty"`
	Agent    ModelConfig `json:"agent"`
	User     ModelConfig `json:"user"`
}

// EpisodeOutput references a finished episode's trajectory in the blob
// store and carries its reward (scoring runs in the same activity: it is
// milliseconds of CPU next to seconds of model calls, and a second activity
// per episode would double the scheduling overhead).
type EpisodeOutput struct {
	TaskID      string      `json:"task_id"`
	Trial       int         `json:"trial"`
	Key         string      `json:"key"`
	Termination string      `json:"termination_reason"`
	Steps       int         `json:"steps"`
	AgentTokens int         `json:"agent_tokens"`
	UserTokens  int         `json:"user_tokens"`
	DurationMS  int64       `json:"duration_ms"`
	Score       ScoreOutput `json:"score"`
}

// ScoreOutput is an episode's reward.
type ScoreOutput struct {
	TaskID  string  `json:"task_id"`
	Trial   int     `json:"trial"`
	Reward  float64 `json:"reward"`
	Key     string  `json:"key"`
	LLMOnly bool    `json:"llm_only"`
}

// EvalReportInput asks for the run's results and report.
type EvalReportInput struct {
	RunID  string          `json:"run_id"`
	Input  EvalInput       `json:"input"`
	Scores []ScoreOutput   `json:"scores"`
	Runs   []EpisodeOutput `json:"episodes"`
}

// EvalResult is EvalWorkflow's result.
type EvalResult struct {
	RunID      string    `json:"run_id"`
	Tasks      int       `json:"tasks"`
	Episodes   int       `json:"episodes"`
	PassK      []float64 `json:"pass_k"` // index k (0 unused)
	AvgReward  float64   `json:"avg_reward"`
	ResultsKey string    `json:"results_key"`
	ReportKey  string    `json:"report_key"`
	PlotKey    string    `json:"plot_key"`
}

// EvalProgress answers the "progress" query.
type EvalProgress struct {
	Stage    string    `json:"stage"`
	Total    int       `json:"total"`
	Done     int       `json:"done"`
	Running  int       `json:"running"`
	Passed   int       `json:"passed"`
	Started  time.Time `json:"started"`
	LastTask string    `json:"last_task,omitempty"`
}
