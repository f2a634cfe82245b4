package activities

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/domains"
	"github.com/eigendata/eigendata/envs/episode"
	"github.com/eigendata/eigendata/envs/evaluator"
	"github.com/eigendata/eigendata/envs/tau2data"
	"github.com/eigendata/eigendata/workflows"
)

// Eval holds the evaluation activities.
type Eval struct {
	Blob    Artifacts
	Domains *Domains
	Models  *Models
	// Tau2Data is this worker's tau2 data directory, used when the input
	// names none (then $TAU2_DATA).
	Tau2Data string
	Log      *slog.Logger

	mu        sync.Mutex
	taskFiles map[string]taskFile
}

type taskFile struct {
	byID  map[string]*envs.Task
	order []string
}

// tasks returns the tasks an evaluation runs on: the domain's own, or
// those of a tasks.json in the blob store (synthetic tasks).
func (a *Eval) tasks(ctx context.Context, ld *LoadedDomain, key string) (map[string]*envs.Task, []string, error) {
	if key == "" {
		return ld.Tasks, ld.Order, nil
	}
	a.mu.Lock()
	tf, ok := a.taskFiles[key]
	a.mu.Unlock()
	if ok {
		return tf.byID, tf.order, nil
	}
	var list []envs.Task
	if err := getJSON(ctx, a.Blob, key, &list); err != nil {
		return nil, nil, workflows.InvalidInput("tasks_key", "%v", err)
	}
	tf = taskFile{byID: map[string]*envs.Task{}}
	for i := range list {
		tf.byID[list[i].ID] = &list[i]
		tf.order = append(tf.order, list[i].ID)
	}
	a.mu.Lock()
	if a.taskFiles == nil {
		a.taskFiles = map[string]taskFile{}
	}
	a.taskFiles[key] = tf
	a.mu.Unlock()
	return tf.byID, tf.order, nil
}

// EvalPrepare checks the data directory and split and returns the task ids.
// Bad input fails non-retryably, naming the field.
func (a *Eval) EvalPrepare(ctx context.Context, in workflows.EvalInput) (workflows.EvalPrepareOutput, error) {
	out := workflows.EvalPrepareOutput{}
	if !domains.IsGenerated(in.Domain) {
		dir := in.Tau2Data
		if dir == "" {
			dir = a.Tau2Data
		}
		root, err := tau2data.Resolve(dir)
		if err != nil {
			return out, workflows.InvalidInput("tau2_data", "%v", err)
		}
		if _, err := os.Stat(tau2data.DomainDir(root, in.Domain)); err != nil {
			return out, workflows.InvalidInput("tau2_data", "no %s directory in %s", in.Domain, root)
		}
		out.Tau2Data = root
		if _, err := domains.Tasks(domains.Spec{Name: in.Domain, Tau2Data: root}, in.Split); err != nil {
			return out, workflows.InvalidInput("split", "%v", err)
		}
	}
	ld, err := a.Domains.Get(DomainKey{Name: in.Domain, Tau2Data: out.Tau2Data, Seed: in.Seed})
	if err != nil {
		return out, fmt.Errorf("loading %s: %w", in.Domain, err)
	}
	var ids []string
	switch {
	case in.TasksKey != "":
		if _, ids, err = a.tasks(ctx, ld, in.TasksKey); err != nil {
			return out, err
		}
	case domains.IsGenerated(in.Domain):
		ids = ld.Order
	default:
		tasks, _ := domains.Tasks(domains.Spec{Name: in.Domain, Tau2Data: out.Tau2Data}, in.Split)
		for _, t := range tasks {
			ids = append(ids, t.ID)
		}
	}
	if len(in.TaskIDs) > 0 {
		have := map[string]bool{}
		for _, id := range ids {
			have[id] = true
		}
		for _, id := range in.TaskIDs {
			if !have[id] {
				return out, workflows.InvalidInput("task_ids", "task %q is not in %s split %q", id, in.Domain, in.Split)
			}
		}
		ids = in.TaskIDs
	}
	if len(ids) == 0 {
		return out, workflows.InvalidInput("split", "no tasks in %s split %q", in.Domain, in.Split)
	}
	out.TaskIDs = ids
	return out, nil
}

// ProbeModel checks a role's endpoint (see Models.ProbeModel).
func (a *Eval) ProbeModel(ctx context.Context, role string, cfg workflows.ModelConfig) error {
	return a.Models.ProbeModel(ctx, role, cfg)
}

// EpisodeKey is where an episode's record lives.
func EpisodeKey(runID, taskID string, trial int) string {
	return fmt.Sprintf("runs/%s/episodes/%s/trial-%d.json", runID, SafeName(taskID), trial)
}

// SafeName turns a task id into a key segment: unsafe characters become _,
// and a short hash keeps distinct ids distinct.
func SafeName(id string) string {
	var b strings.Builder
	safe := true
	for _, r := range id {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
			safe = false
		}
	}
	if safe && b.Len() > 0 && b.Len() <= 80 {
		return b.String()
	}
	s := b.String()
	if len(s) > 60 {
		s = s[:60]
	}
	h := sha256.Sum256([]byte(id))
	return s + "-" + hex.EncodeToString(h[:4])
}

// EpisodeRecord is the stored form of one episode (tau2's SimulationRun).
type EpisodeRecord struct {
	ID          string         `json:"id"`
	TaskID      string         `json:"task_id"`
	Trial       int            `json:"trial"`
	StartTime   time.Time      `json:"start_time"`
	EndTime     time.Time      `json:"end_time"`
	Duration    float64        `json:"duration"`
	Termination string         `json:"termination_reason"`
	Error       string         `json:"error,omitempty"`
	Steps       int            `json:"steps"`
	AgentTokens int            `json:"agent_tokens"`
	UserTokens  int            `json:"user_tokens"`
	Messages    []envs.Message `json:"messages"`
	Agent       string         `json:"agent"`
	User        string         `json:"user"`
}

// RunEpisode plays one (task, trial) episode and stores its trajectory.
// It heartbeats while running so a lost worker is noticed quickly; a retry
// replays the episode and overwrites the same key.
func (a *Eval) RunEpisode(ctx context.Context, in workflows.EpisodeInput) (workflows.EpisodeOutput, error) {
	ld, err := a.Domains.Get(DomainKey{Name: in.Domain, Tau2Data: in.Tau2Data, Seed: in.Seed})
	if err != nil {
		return workflows.EpisodeOutput{}, fmt.Errorf("loading %s: %w", in.Domain, err)
	}
	byID, _, err := a.tasks(ctx, ld, in.TasksKey)
	if err != nil {
		return workflows.EpisodeOutput{}, err
	}
	task, ok := byID[in.TaskID]
	if !ok {
		return workflows.EpisodeOutput{}, workflows.InvalidInput("task_id", "unknown task %q", in.TaskID)
	}
	env := ld.Domain.NewEnv()
	agent, err := a.Models.Agent(in.Agent, env, task)
	if err != nil {
		return workflows.EpisodeOutput{}, workflows.InvalidInput("agent", "%v", err)
	}
	user, err := a.Models.User(in.User, env, task)
	if err != nil {
		return workflows.EpisodeOutput{}, workflows.InvalidInput("user", "%v", err)
	}
	stop := heartbeat(ctx)
	start := time.Now()
	res, err := episode.Run(ctx, env, task, agent, user, episode.Config{MaxSteps: in.MaxSteps})
	stop()
	if err != nil {
		return workflows.EpisodeOutput{}, fmt.Errorf("episode %s#%d: %w", in.TaskID, in.Trial, err)
	}
	rec := EpisodeRecord{
		ID: fmt.Sprintf("%s/%s/%d", in.RunID, in.TaskID, in.Trial), TaskID: in.TaskID, Trial: in.Trial,
		StartTime: start.UTC(), EndTime: time.Now().UTC(), Duration: time.Since(start).Seconds(),
		Termination: string(res.Termination), Error: res.Err, Steps: res.Steps, Messages: res.Messages,
		AgentTokens: usageOf(agent), UserTokens: usageOf(user), Agent: in.Agent.Label(), User: in.User.Label(),
	}
	key := EpisodeKey(in.RunID, in.TaskID, in.Trial)
	if err := putJSON(ctx, a.Blob, key, rec); err != nil {
		return workflows.EpisodeOutput{}, fmt.Errorf("storing episode: %w", err)
	}
	out := workflows.EpisodeOutput{TaskID: in.TaskID, Trial: in.Trial, Key: key, Termination: rec.Termination, Steps: rec.Steps,
		AgentTokens: rec.AgentTokens, UserTokens: rec.UserTokens, DurationMS: time.Since(start).Milliseconds()}
	if out.Score, err = a.score(ctx, ld, task, &rec, key); err != nil {
		return workflows.EpisodeOutput{}, err
	}
	return out, nil
}

// heartbeat records the activity's heartbeats until stopped, every third
// of its heartbeat timeout, so that two may be lost before it expires. Each
// heartbeat is a write to the workflow's state on the server, so it beats
// no faster than that, and not at all without a heartbeat timeout (local
// activities, unit tests).
func heartbeat(ctx context.Context) func() {
	if !activity.IsActivity(ctx) {
		return func() {}
	}
	every := activity.GetInfo(ctx).HeartbeatTimeout / 3
	if every <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				activity.RecordHeartbeat(ctx)
			case <-done:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() { close(done) }
}

// score evaluates an episode with tau2's reward and stores the reward
// beside it. Tasks whose basis includes NL_ASSERTION are scored on their
// other components and flagged LLMOnly (no LLM judge is configured).
func (a *Eval) score(ctx context.Context, ld *LoadedDomain, task *envs.Task, rec *EpisodeRecord, key string) (workflows.ScoreOutput, error) {
	llmOnly := evaluator.NeedsLLM(task)
	info, err := evaluator.Evaluate(ctx, ld.Domain, task, rec.Messages, episode.Termination(rec.Termination), evaluator.Options{SkipNL: llmOnly})
	if err != nil && !errors.Is(err, evaluator.ErrNeedsJudge) {
		return workflows.ScoreOutput{}, fmt.Errorf("scoring %s: %w", task.ID, err)
	}
	scoreKey := strings.TrimSuffix(key, ".json") + ".reward.json"
	if err := putJSON(ctx, a.Blob, scoreKey, info); err != nil {
		return workflows.ScoreOutput{}, err
	}
	return workflows.ScoreOutput{TaskID: rec.TaskID, Trial: rec.Trial, Reward: info.Reward, Key: scoreKey, LLMOnly: llmOnly}, nil
}
