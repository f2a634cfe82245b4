package activities

import (
	"context"
	"fmt"
	"golang.org/x/sync/errgroup"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/evaluator"
	"github.com/eigendata/eigendata/envs/synthesis"
	"github.com/eigendata/eigendata/workflows"
)

// Results is the run's results file in tau2-bench's Results shape.
type Results struct {
	Timestamp   string          `json:"timestamp"`
	Info        ResultsInfo     `json:"info"`
	Tasks       []envs.Task     `json:"tasks"`
	Simulations []SimulationRun `json:"simulations"`
}

// ResultsInfo is tau2's run info block.
type ResultsInfo struct {
	NumTrials int                `json:"num_trials"`
	MaxSteps  int                `json:"max_steps"`
	MaxErrors int                `json:"max_errors"`
	Domain    string             `json:"domain"`
	Split     string             `json:"split,omitempty"`
	AgentInfo map[string]any     `json:"agent_info"`
	UserInfo  map[string]any     `json:"user_info"`
	PassHatK  map[string]float64 `json:"pass_hat_ks"`
	AvgReward float64            `json:"avg_reward"`
	Baseline  bool               `json:"baseline"`
}

// SimulationRun is one episode in tau2's SimulationRun shape.
type SimulationRun struct {
	ID                string                `json:"id"`
	TaskID            string                `json:"task_id"`
	Trial             int                   `json:"trial"`
	StartTime         time.Time             `json:"start_time"`
	EndTime           time.Time             `json:"end_time"`
	Duration          float64               `json:"duration"`
	TerminationReason string                `json:"termination_reason"`
	RewardInfo        *evaluator.RewardInfo `json:"reward_info"`
	Messages          []envs.Message        `json:"messages"`
}

// WriteEvalReport writes results.json (tau2's shape), report.md (pass^k
// table) and passk.png under runs/<run>/ and returns the run's summary.
func (a *Eval) WriteEvalReport(ctx context.Context, in workflows.EvalReportInput) (workflows.EvalResult, error) {
	rewards := map[string][]float64{}
	sum := 0.0
	for _, s := range in.Scores {
		rewards[s.TaskID] = append(rewards[s.TaskID], s.Reward)
		sum += s.Reward
	}
	passK := evaluator.PassK(rewards)
	out := workflows.EvalResult{RunID: in.RunID, Tasks: len(rewards), Episodes: len(in.Scores), PassK: passK}
	if len(in.Scores) > 0 {
		out.AvgReward = sum / float64(len(in.Scores))
	}
	baseline := in.Input.Agent.Label() == "offline-baseline" || in.Input.User.Label() == "offline-baseline"

	ld, err := a.Domains.Get(DomainKey{Name: in.Input.Domain, Tau2Data: in.Input.Tau2Data, Seed: in.Input.Seed})
	if err != nil {
		return out, err
	}
	res := Results{Timestamp: time.Now().UTC().Format(time.RFC3339), Info: ResultsInfo{
		NumTrials: in.Input.Trials, MaxSteps: maxSteps(in.Input.MaxSteps), MaxErrors: 10, Domain: in.Input.Domain, Split: in.Input.Split,
		AgentInfo: map[string]any{"implementation": in.Input.Agent.Label(), "llm_args": in.Input.Agent},
		UserInfo:  map[string]any{"implementation": in.Input.User.Label(), "llm_args": in.Input.User},
		PassHatK:  map[string]float64{}, AvgReward: out.AvgReward, Baseline: baseline,
	}}
	for k := 1; k < len(passK); k++ {
		res.Info.PassHatK[fmt.Sprint(k)] = passK[k]
	}
	byID, _, err := a.tasks(ctx, ld, in.Input.TasksKey)
	if err != nil {
		return out, err
	}
	seen := map[string]bool{}
	for _, s := range in.Scores {
		if !seen[s.TaskID] {
			seen[s.TaskID] = true
			if t, ok := byID[s.TaskID]; ok {
				res.Tasks = append(res.Tasks, *t)
			}
		}
	}
	scoreOf := map[string]workflows.ScoreOutput{}
	for _, s := range in.Scores {
		scoreOf[fmt.Sprintf("%s#%d", s.TaskID, s.Trial)] = s
	}
	// Read the episode records concurrently: a large run has thousands.
	res.Simulations = make([]SimulationRun, len(in.Runs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for i, ep := range in.Runs {
		g.Go(func() error {
			var rec EpisodeRecord
			if err := getJSON(gctx, a.Blob, ep.Key, &rec); err != nil {
				return err
			}
			sc := scoreOf[fmt.Sprintf("%s#%d", ep.TaskID, ep.Trial)]
			var info evaluator.RewardInfo
			if err := getJSON(gctx, a.Blob, sc.Key, &info); err != nil {
				return err
			}
			res.Simulations[i] = SimulationRun{ID: rec.ID, TaskID: rec.TaskID, Trial: rec.Trial, StartTime: rec.StartTime,
				EndTime: rec.EndTime, Duration: rec.Duration, TerminationReason: rec.Termination, RewardInfo: &info, Messages: rec.Messages}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return out, err
	}
	prefix := "runs/" + in.RunID + "/"
	out.ResultsKey, out.ReportKey, out.PlotKey = prefix+"results.json", prefix+"report.md", prefix+"passk.png"
	if err := putJSON(ctx, a.Blob, out.ResultsKey, res); err != nil {
		return out, err
	}
	title := fmt.Sprintf("%s  agent=%s  user=%s  trials=%d", in.Input.Domain, in.Input.Agent.Label(), in.Input.User.Label(), in.Input.Trials)
	plot, err := PlotPassK(title, passK)
	if err != nil {
		return out, err
	}
	if err := a.Blob.Put(ctx, out.PlotKey, plot, "image/png"); err != nil {
		return out, err
	}
	md := markdownReport(in, out, rewards, baseline)
	if err := a.Blob.Put(ctx, out.ReportKey, []byte(md), "text/markdown"); err != nil {
		return out, err
	}
	return out, nil
}

func maxSteps(n int) int {
	if n <= 0 {
		return 100
	}
	return n
}

func markdownReport(in workflows.EvalReportInput, out workflows.EvalResult, rewards map[string][]float64, baseline bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Evaluation %s\n\n", in.RunID)
	if baseline {
		b.WriteString("> **Baseline**: the offline provider (oracle agent and/or template user simulator) produced these episodes; no model was evaluated.\n\n")
	}
	fmt.Fprintf(&b, "- domain: `%s`, split: `%s`\n- agent: `%s`, user: `%s`\n- tasks: %d, trials: %d, episodes: %d\n- average reward: %.4f\n\n",
		in.Input.Domain, in.Input.Split, in.Input.Agent.Label(), in.Input.User.Label(), out.Tasks, in.Input.Trials, out.Episodes, out.AvgReward)
	b.WriteString("| k | value |\n|---|---|\n")
	for k := 1; k < len(out.PassK); k++ {
		fmt.Fprintf(&b, "| pass^%d | %.4f |\n", k, out.PassK[k])
	}
	b.WriteString("\n![pass^k vs k](passk.png)\n\n## Per task\n\n| task | rewards |\n|---|---|\n")
	ids := make([]string, 0, len(rewards))
	for id := range rewards {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		rs := make([]string, len(rewards[id]))
		for i, r := range rewards[id] {
			rs[i] = strconv.FormatFloat(r, 'g', 4, 64)
		}
		fmt.Fprintf(&b, "| `%s` | %s |\n", id, strings.Join(rs, ", "))
	}
	return b.String()
}

// synthReport renders a synthesis run's report.md: the run, the stage
// acceptance, the reject reasons, tokens per role, and the coverage of the
// kept instances (write tools, intent combinations, refusals).
func synthReport(m Manifest) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Synthesis %s\n\n", m.RunID)
	if m.Baseline {
		b.WriteString("> **Baseline**: the offline provider (rule-based roles) produced these instances; no model was used.\n\n")
	}
	fmt.Fprintf(&b, "- domain: `%s`, prompt version: `%s`\n- accepted: %d of %d candidates (%d near-duplicates dropped)\n\n",
		m.Input.Domain, m.PromptVersion, len(m.Instances), m.Stats.Candidates, len(m.Dropped))
	b.WriteString("| stage | passed | entered |\n|---|---|---|\n")
	for _, s := range workflows.SynthStages {
		v := m.StageAcceptance[s]
		fmt.Fprintf(&b, "| %s | %d | %d |\n", s, v[0], v[1])
	}
	if len(m.Stats.Reasons) > 0 {
		b.WriteString("\n| reject reason | candidates |\n|---|---|\n")
		for _, s := range synthesis.Counted(m.Stats.Reasons) {
			i := strings.LastIndex(s, "=")
			fmt.Fprintf(&b, "| `%s` | %s |\n", s[:i], s[i+1:])
		}
	}
	if len(m.Stats.Tokens) > 0 {
		fmt.Fprintf(&b, "\nTokens per role: %s\n", strings.Join(synthesis.Counted(m.Stats.Tokens), ", "))
	}
	if m.Coverage != nil {
		b.WriteString("\n" + m.Coverage.Markdown())
	}
	return b.String()
}
