package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/domains"
	"github.com/eigendata/eigendata/envs/episode"
	"github.com/eigendata/eigendata/envs/sandbox"
	"github.com/eigendata/eigendata/envs/synthesis"
	"github.com/eigendata/eigendata/envs/tau2data"
	"github.com/eigendata/eigendata/llm"
	"github.com/eigendata/eigendata/llm/offline"
	"github.com/eigendata/eigendata/llm/prompts"
	"github.com/eigendata/eigendata/llm/roles"
	"github.com/eigendata/eigendata/workflows"
)

// Store is an artifact store that can also list keys.
type Store interface {
	Artifacts
	List(ctx context.Context, prefix string) ([]string, error)
	// Delete removes key; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// Synth holds the synthesis stage activities. Each stage reads the
// artifacts of the previous ones by key, writes its own under
// runs/<run>/instances/<index>/ and returns the key (claim check), so a
// retried stage rewrites the same object.
type Synth struct {
	Blob     Store
	Domains  *Domains
	Models   *Models
	Tau2Data string
	Log      *slog.Logger

	// MemoBytes bounds the in-memory copies of recent artifacts that spare
	// later stages an S3 read (0: DefaultMemoBytes; negative: none).
	MemoBytes int

	// checkers keeps the checkers the checker stage compiled for the
	// verify stage that follows it.
	checkers sandbox.Cache

	mu      sync.Mutex
	bundles map[string]prompts.Bundle
	// planners are the domains' scenario planners (built once each).
	plannerMu sync.Mutex
	planners  map[*envs.Domain]*synthesis.Planner
	memoOnce  sync.Once
	memoP     *artifactMemo
}

// planner returns the domain's scenario planner, built once per loaded
// domain (it explores the database for the kinds it can ground).
func (a *Synth) planner(ld *LoadedDomain) (*synthesis.Planner, error) {
	a.plannerMu.Lock()
	defer a.plannerMu.Unlock()
	if p, ok := a.planners[ld.Domain]; ok {
		return p, nil
	}
	p, err := synthesis.NewPlanner(ld.Domain)
	if err != nil {
		return nil, workflows.InvalidInput("domain", "%v", err)
	}
	if a.planners == nil {
		a.planners = map[*envs.Domain]*synthesis.Planner{}
	}
	a.planners[ld.Domain] = p
	return p, nil
}

func (a *Synth) memo() *artifactMemo {
	a.memoOnce.Do(func() {
		switch {
		case a.MemoBytes == 0:
			a.memoP = &artifactMemo{max: DefaultMemoBytes}
		case a.MemoBytes > 0:
			a.memoP = &artifactMemo{max: a.MemoBytes}
		}
	})
	return a.memoP
}

// InstanceKey is where an instance's artifact lives.
func InstanceKey(runID string, index int, name string) string {
	return fmt.Sprintf("runs/%s/instances/%06d/%s", runID, index, name)
}

// CheckerKey is where the dataset keeps an instance's checker. The record
// stage writes it, so that the run's end does not write one per instance;
// SynthFinalize removes those of instances the dataset does not keep.
func CheckerKey(runID, instanceID string) string {
	return "runs/" + runID + "/checkers/" + instanceID + ".star"
}

func (a *Synth) registry() prompts.Registry { return prompts.Registry{Store: a.Blob} }

// bundle loads (and caches) a prompt version.
func (a *Synth) bundle(ctx context.Context, version string) (prompts.Bundle, error) {
	a.mu.Lock()
	b, ok := a.bundles[version]
	a.mu.Unlock()
	if ok {
		return b, nil
	}
	b, err := a.registry().Get(ctx, version)
	if err != nil {
		return b, workflows.InvalidInput("prompt_version", "%v", err)
	}
	a.mu.Lock()
	if a.bundles == nil {
		a.bundles = map[string]prompts.Bundle{}
	}
	a.bundles[version] = b
	a.mu.Unlock()
	return b, nil
}

func (a *Synth) domain(in workflows.InstanceInput) (*LoadedDomain, error) {
	return a.Domains.Get(DomainKey{Name: in.Domain, Tau2Data: in.Tau2Data, Seed: in.DomainSeed})
}

// SynthPrepare checks the data directory and resolves the prompt version
// (the active one, seeded with the built-in bundle on first use).
func (a *Synth) SynthPrepare(ctx context.Context, in workflows.SynthInput) (workflows.SynthPrepareOutput, error) {
	out := workflows.SynthPrepareOutput{}
	if !domains.IsGenerated(in.Domain) {
		dir := in.Tau2Data
		if dir == "" {
			dir = a.Tau2Data
		}
		root, err := tau2data.Resolve(dir)
		if err != nil {
			return out, workflows.InvalidInput("tau2_data", "%v", err)
		}
		out.Tau2Data = root
	}
	ld, err := a.Domains.Get(DomainKey{Name: in.Domain, Tau2Data: out.Tau2Data, Seed: in.Seed})
	if err != nil {
		return out, workflows.InvalidInput("tau2_data", "loading %s: %v", in.Domain, err)
	}
	p, err := a.planner(ld)
	if err != nil {
		return out, err
	}
	if _, err := p.Restrict(in.Intents, in.MaxIntents); err != nil {
		return out, workflows.InvalidInput("intents", "%v", err)
	}
	var b prompts.Bundle
	if in.PromptVersion == "" || in.PromptVersion == "active" {
		v, bb, err := a.registry().Active(ctx, prompts.Builtin())
		if err != nil {
			return out, err
		}
		out.PromptVersion, b = v, bb
	} else {
		bb, err := a.bundle(ctx, in.PromptVersion)
		if err != nil {
			return out, err
		}
		out.PromptVersion, b = bb.Version(), bb
	}
	out.MaxSteps, out.Concurrency = b.Settings.MaxSteps, b.Settings.Concurrency
	return out, nil
}

// roleModel is a model role's client with its prompt version's bundle:
// the version's temperature for the role (unless the input sets one) and
// its retries of malformed answers.
func (a *Synth) roleModel(ctx context.Context, in workflows.InstanceInput, role string, cfg workflows.ModelConfig) (roles.Model, prompts.Bundle, error) {
	b, err := a.bundle(ctx, in.PromptVersion)
	if err != nil {
		return roles.Model{}, b, err
	}
	c, err := a.Models.Chat(cfg)
	if err != nil {
		return roles.Model{}, b, workflows.InvalidInput("roles."+role, "%v", err)
	}
	return roles.Model{Chat: c, Sampling: roleSampling(b, role, cfg), Retries: b.Settings.Retries}, b, nil
}

// roleSampling is a role's sampling settings: the input's, with the prompt
// version's temperature for the role when the input's is 0 (unset).
func roleSampling(b prompts.Bundle, role string, cfg workflows.ModelConfig) llm.Sampling {
	s := sampling(cfg)
	if s.Temperature == 0 {
		s.Temperature = b.Settings.Temperatures[role]
	}
	return s
}

func reject(reason, detail string) workflows.StageResult {
	return workflows.StageResult{Reason: reason, Detail: detail}
}

// SynthPlan is the scenario planner: grounded entities and an intent.
func (a *Synth) SynthPlan(ctx context.Context, in workflows.InstanceInput, _ workflows.StageRefs) (workflows.StageResult, error) {
	stop := heartbeat(ctx) // model calls may take longer than the heartbeat timeout
	defer stop()
	ld, err := a.domain(in)
	if err != nil {
		return workflows.StageResult{}, err
	}
	p, err := a.planner(ld)
	if err != nil {
		return workflows.StageResult{}, err
	}
	if p, err = p.Restrict(in.Intents, in.MaxIntents); err != nil {
		return workflows.StageResult{}, workflows.InvalidInput("intents", "%v", err)
	}
	var sc synthesis.Scenario
	tokens := 0
	if in.Roles.Planner.Provider == "openai" {
		m, b, err := a.roleModel(ctx, in, "planner", in.Roles.Planner)
		if err != nil {
			return workflows.StageResult{}, err
		}
		sc, tokens, err = roles.Plan(ctx, m, b.Prompts["planner"], p, in.Seed, 8)
		switch {
		case errors.Is(err, roles.ErrMalformed):
			return workflows.StageResult{Reason: synthesis.ReasonPlanMalformed, Detail: err.Error(), Tokens: tokens}, nil
		case errors.Is(err, synthesis.ErrNoEntity):
			return workflows.StageResult{Reason: synthesis.ReasonPlanUngrounded, Detail: err.Error(), Tokens: tokens}, nil
		case err != nil:
			return workflows.StageResult{}, err
		}
	} else {
		sc, err = p.PlanAt(in.DomainSeed, in.Index, in.Seed)
		if errors.Is(err, synthesis.ErrNoEntity) {
			return reject(synthesis.ReasonPlanNoEntity, err.Error()), nil
		} else if err != nil {
			return workflows.StageResult{}, err
		}
	}
	key := InstanceKey(in.RunID, in.Index, "scenario.json")
	d, err := a.putJSON(ctx, key, sc)
	return workflows.StageResult{OK: true, Key: key, Digest: d, Tokens: tokens}, err
}

// BlueprintDoc is the stored blueprint with its gold execution.
type BlueprintDoc struct {
	Blueprint synthesis.Blueprint `json:"blueprint"`
	GoldHash  string              `json:"gold_state_hash"`
	// GoldView is the checker's view of the gold state.
	GoldView map[string]any     `json:"gold_view,omitempty"`
	Outputs  []string           `json:"outputs"`
	Diff     []synthesis.Change `json:"gold_diff"`
	Closing  string             `json:"closing"`
}

// SynthBlueprint derives the gold plan, checks it against the policy rules
// and executes it on a fresh environment.
func (a *Synth) SynthBlueprint(ctx context.Context, in workflows.InstanceInput, refs workflows.StageRefs) (workflows.StageResult, error) {
	ld, err := a.domain(in)
	if err != nil {
		return workflows.StageResult{}, err
	}
	var sc synthesis.Scenario
	if err := a.getJSON(ctx, refs, refs.Scenario, &sc); err != nil {
		return workflows.StageResult{}, err
	}
	bp := synthesis.BlueprintFor(sc)
	if v := synthesis.CheckPolicy(ld.Domain, sc, bp); len(v) > 0 {
		return reject(synthesis.ReasonBlueprintPolicy, fmt.Sprintf("%s: %s", v[0].Rule, v[0].Detail)), nil
	}
	ex := synthesis.Execute(ld.Domain, sc, bp.Actions)
	if len(ex.Errors) > 0 {
		return reject(synthesis.ReasonBlueprintToolError, ex.Errors[0]), nil
	}
	gold := synthesis.GoldFrom(ld.Domain, sc, ex)
	doc := BlueprintDoc{Blueprint: bp, GoldHash: gold.Hash, GoldView: gold.View, Outputs: ex.Outputs, Diff: gold.Diff, Closing: synthesis.Closing(sc, bp)}
	key := InstanceKey(in.RunID, in.Index, "blueprint.json")
	d, err := a.putJSON(ctx, key, doc)
	return workflows.StageResult{OK: true, Key: key, Digest: d}, err
}

// gold is the blueprint's gold outcome as its stage stored it (executed
// again for a blueprint stored without its gold view).
func (a *Synth) gold(ld *LoadedDomain, sc synthesis.Scenario, bp BlueprintDoc) synthesis.Gold {
	if bp.GoldView == nil {
		return synthesis.GoldOf(ld.Domain, sc, bp.Blueprint)
	}
	return synthesis.Gold{Hash: bp.GoldHash, View: bp.GoldView, Diff: bp.Diff}
}

// TranscriptDoc is the stored dialogue.
type TranscriptDoc struct {
	// FineTune is the dialogue as a fine-tuning record's messages (see
	// llm.FineTuneMessages), rendered here, where the messages are at hand,
	// so the run's end joins stored records instead of decoding and
	// encoding every dialogue. It comes first: the end reads no further.
	FineTune    json.RawMessage `json:"finetune_messages,omitempty"`
	Messages    []envs.Message  `json:"messages"`
	Termination string          `json:"termination_reason"`
	FinalHash   string          `json:"final_state_hash"`
	FinalView   map[string]any  `json:"final_view"`
	AgentTokens int             `json:"agent_tokens"`
	UserTokens  int             `json:"user_tokens"`
}

func (a *Synth) load(ctx context.Context, in workflows.InstanceInput, refs workflows.StageRefs) (*LoadedDomain, synthesis.Scenario, BlueprintDoc, error) {
	return loadAs[BlueprintDoc](ctx, a, in, refs)
}

// loadAs is load with the blueprint decoded into a B (a BlueprintDoc, or
// the part of one a stage needs).
func loadAs[B any](ctx context.Context, a *Synth, in workflows.InstanceInput, refs workflows.StageRefs) (*LoadedDomain, synthesis.Scenario, B, error) {
	var sc synthesis.Scenario
	var bp B
	ld, err := a.domain(in)
	if err == nil {
		err = a.getJSON(ctx, refs, refs.Scenario, &sc)
	}
	if err == nil {
		err = a.getJSON(ctx, refs, refs.Blueprint, &bp)
	}
	return ld, sc, bp, err
}

func instanceID(in workflows.InstanceInput) string {
	return fmt.Sprintf("%s-%06d", strings.ReplaceAll(in.RunID, "/", "_"), in.Index)
}

// SynthDialogue runs the user simulator and the assistant through the
// episode runner, executing the assistant's tool calls for real.
func (a *Synth) SynthDialogue(ctx context.Context, in workflows.InstanceInput, refs workflows.StageRefs) (workflows.StageResult, error) {
	ld, sc, bp, err := loadAs[blueprintPlan](ctx, a, in, refs)
	if err != nil {
		return workflows.StageResult{}, err
	}
	b, err := a.bundle(ctx, in.PromptVersion)
	if err != nil {
		return workflows.StageResult{}, err
	}
	// Earlier candidates' calls go first (see llm.WithPriority).
	prio := int64(in.Index)
	if in.CallPriority != nil {
		prio = *in.CallPriority
	}
	ctx = llm.WithPriority(ctx, prio)
	task := synthesis.Task(instanceID(in), sc, bp.Blueprint)
	env := ld.Domain.NewEnv()
	var agent, user episode.Participant
	if in.Roles.Agent.Provider == "openai" {
		c, err := a.Models.Chat(in.Roles.Agent)
		if err != nil {
			return workflows.StageResult{}, workflows.InvalidInput("roles.agent", "%v", err)
		}
		ag := llm.NewAgent(c, roleSampling(b, "agent", in.Roles.Agent), env)
		// The version's agent prompt steers the synthesis assistant; the
		// dataset's records keep tau2's system prompt, which the trained
		// agent will be evaluated with.
		ag.System = llm.AgentSystemPromptWith(b.Prompts["agent"], env.Policy())
		agent = ag
	} else {
		agent = offline.CarefulAgent{Task: &task, Identity: sc.Identity(), Mutates: env.Mutates, Closing: bp.Closing}
	}
	if in.Roles.User.Provider == "openai" {
		c, err := a.Models.Chat(in.Roles.User)
		if err != nil {
			return workflows.StageResult{}, workflows.InvalidInput("roles.user", "%v", err)
		}
		user = llm.NewUser(c, roleSampling(b, "user", in.Roles.User), env, &task, b.Prompts["user"])
	} else {
		user = offline.TemplateUser{Task: &task, Withhold: !strings.Contains(b.Prompts["user"], prompts.RevealDirective)}
	}
	stop := heartbeat(ctx)
	res, err := episode.Run(ctx, env, &task, agent, user, episode.Config{MaxSteps: in.MaxSteps})
	stop()
	if err != nil {
		return workflows.StageResult{}, fmt.Errorf("dialogue: %w", err)
	}
	ft, err := llm.FineTuneMessages(res.Messages)
	if err != nil {
		return workflows.StageResult{}, fmt.Errorf("dialogue: fine-tuning record: %w", err)
	}
	doc := TranscriptDoc{FineTune: ft, Messages: res.Messages, Termination: string(res.Termination), FinalHash: env.StateHash(),
		FinalView: synthesis.View(env, sc), AgentTokens: usageOf(agent), UserTokens: usageOf(user)}
	key := InstanceKey(in.RunID, in.Index, "transcript.json")
	d, err := a.putJSON(ctx, key, doc)
	if err != nil {
		return workflows.StageResult{}, err
	}
	out := workflows.StageResult{OK: true, Key: key, Digest: d, Tokens: doc.AgentTokens + doc.UserTokens}
	if reason, detail := synthesis.CheckDialogue(sc, res.Messages, doc.Termination, res.Err, env.HasTool); reason != "" {
		out.OK, out.Reason, out.Detail = false, reason, detail
	}
	return out, nil
}

// SynthChecker writes the per-instance checker program.
func (a *Synth) SynthChecker(ctx context.Context, in workflows.InstanceInput, refs workflows.StageRefs) (workflows.StageResult, error) {
	stop := heartbeat(ctx) // model calls may take longer than the heartbeat timeout
	defer stop()
	ld, sc, bp, err := a.load(ctx, in, refs)
	if err != nil {
		return workflows.StageResult{}, err
	}
	goldView := a.gold(ld, sc, bp).View
	src, tokens := "", 0
	if in.Roles.Checker.Provider == "openai" {
		m, b, err := a.roleModel(ctx, in, "checker", in.Roles.Checker)
		if err != nil {
			return workflows.StageResult{}, err
		}
		src, tokens, err = roles.WriteChecker(ctx, m, b.Prompts["checker"], roles.NewCheckerRequest(sc, bp.Blueprint, goldView, bp.Diff))
		if errors.Is(err, roles.ErrMalformed) {
			return workflows.StageResult{Reason: synthesis.ReasonCheckerMalformed, Detail: err.Error(), Tokens: tokens}, nil
		} else if err != nil {
			return workflows.StageResult{}, err
		}
	} else {
		src = synthesis.WriteCheckerBaseline(sc, bp.Blueprint, goldView, bp.Diff)
	}
	if _, err := a.checkers.Compile("checker", src); err != nil {
		return workflows.StageResult{Reason: synthesis.ReasonCheckerCompile, Detail: err.Error(), Tokens: tokens}, nil
	}
	key := InstanceKey(in.RunID, in.Index, "checker.star")
	d, err := a.put(ctx, key, []byte(src), "text/x-starlark")
	return workflows.StageResult{OK: true, Key: key, Digest: d, Tokens: tokens}, err
}

// SynthVerify runs the checker on the dialogue, the gold outcome and the
// mutated negatives.
func (a *Synth) SynthVerify(ctx context.Context, in workflows.InstanceInput, refs workflows.StageRefs) (workflows.StageResult, error) {
	ld, sc, bp, err := a.load(ctx, in, refs)
	if err != nil {
		return workflows.StageResult{}, err
	}
	var tr TranscriptDoc
	if err := a.getJSON(ctx, refs, refs.Transcript, &tr); err != nil {
		return workflows.StageResult{}, err
	}
	src, err := a.get(ctx, refs, refs.Checker)
	if err != nil {
		return workflows.StageResult{}, err
	}
	v := synthesis.VerifyGold(ctx, ld.Domain, sc, bp.Blueprint, a.gold(ld, sc, bp), string(src), tr.Messages, tr.FinalHash, tr.FinalView, sandbox.DefaultLimits(), &a.checkers)
	key := InstanceKey(in.RunID, in.Index, "verdict.json")
	d, err := a.putJSON(ctx, key, v)
	if err != nil {
		return workflows.StageResult{}, err
	}
	return workflows.StageResult{OK: v.OK, Reason: v.Reason, Detail: v.Detail, Key: key, Digest: d}, nil
}

// SynthJudge reviews the dialogue against the rubric.
func (a *Synth) SynthJudge(ctx context.Context, in workflows.InstanceInput, refs workflows.StageRefs) (workflows.StageResult, error) {
	stop := heartbeat(ctx) // model calls may take longer than the heartbeat timeout
	defer stop()
	ld, err := a.domain(in)
	if err != nil {
		return workflows.StageResult{}, err
	}
	var sc synthesis.Scenario
	if err := a.getJSON(ctx, refs, refs.Scenario, &sc); err != nil {
		return workflows.StageResult{}, err
	}
	b, err := a.bundle(ctx, in.PromptVersion)
	if err != nil {
		return workflows.StageResult{}, err
	}
	// The dialogue, without the final state's view.
	var tr struct {
		Messages    []envs.Message `json:"messages"`
		Termination string         `json:"termination_reason"`
	}
	if err := a.getJSON(ctx, refs, refs.Transcript, &tr); err != nil {
		return workflows.StageResult{}, err
	}
	env := ld.Domain.NewEnv()
	j := synthesis.JudgeVerdict{Pass: true, Reason: "judge disabled by settings"}
	tokens := 0
	if on, set := b.Settings.Stages["judge"]; !set || on {
		if in.Roles.Judge.Provider == "openai" {
			m, _, err := a.roleModel(ctx, in, "judge", in.Roles.Judge)
			if err != nil {
				return workflows.StageResult{}, err
			}
			j, tokens, err = roles.Judge(ctx, m, b.Prompts["judge"], sc, tr.Messages, b.Settings.JudgeStrictness)
			if errors.Is(err, roles.ErrMalformed) {
				return workflows.StageResult{Reason: synthesis.ReasonJudgeMalformed, Detail: err.Error(), Tokens: tokens}, nil
			} else if err != nil {
				return workflows.StageResult{}, err
			}
		} else {
			j = synthesis.JudgeBaseline(sc, tr.Messages, tr.Termination, env.Mutates, b.Settings.JudgeStrictness)
		}
	}
	key := InstanceKey(in.RunID, in.Index, "judge.json")
	d, err := a.putJSON(ctx, key, j)
	if err != nil {
		return workflows.StageResult{}, err
	}
	out := workflows.StageResult{OK: j.Pass, Key: key, Digest: d, Tokens: tokens}
	if !j.Pass {
		out.Reason, out.Detail = "judge."+j.Failed, j.Reason
	}
	return out, nil
}

// Instance is an accepted instance as stored (instance.json).
type Instance = instanceDoc[BlueprintDoc, TranscriptDoc]

// instanceDoc is an Instance with its blueprint and transcript of types B
// and T: SynthRecord writes them as the raw JSON the earlier stages stored.
type instanceDoc[B, T any] struct {
	// The dataset's fields come first, then the checker and the
	// blueprint: the run's end reads an instance up to its transcript's
	// fine-tuning messages.
	ID            string              `json:"id"`
	Index         int                 `json:"index"`
	Domain        string              `json:"domain"`
	PromptVersion string              `json:"prompt_version"`
	Signature     string              `json:"signature"`
	CheckerKey    string              `json:"checker_key"`
	Task          envs.Task           `json:"task"`
	Scenario      synthesis.Scenario  `json:"scenario"`
	Transcript    T                   `json:"transcript"`
	Checker       string              `json:"checker"`
	Blueprint     B                   `json:"blueprint"`
	Refs          workflows.StageRefs `json:"refs"`
}

// blueprintPlan is the part of a BlueprintDoc the dialogue and the record
// need: decoding only it skips the gold state's view and diff.
type blueprintPlan struct {
	Blueprint synthesis.Blueprint `json:"blueprint"`
	Closing   string              `json:"closing"`
}

// SynthRecord stores the accepted instance (idempotent per index). The
// blueprint and transcript are copied into it as stored, not decoded and
// encoded again: the record is the same, for less work.
func (a *Synth) SynthRecord(ctx context.Context, in workflows.InstanceInput, refs workflows.StageRefs) (workflows.StageResult, error) {
	var sc synthesis.Scenario
	if err := a.getJSON(ctx, refs, refs.Scenario, &sc); err != nil {
		return workflows.StageResult{}, err
	}
	bpRaw, err := a.get(ctx, refs, refs.Blueprint)
	if err != nil {
		return workflows.StageResult{}, err
	}
	var bp blueprintPlan
	if err := decodeJSON(refs.Blueprint, bpRaw, &bp); err != nil {
		return workflows.StageResult{}, err
	}
	trRaw, err := a.get(ctx, refs, refs.Transcript)
	if err != nil {
		return workflows.StageResult{}, err
	}
	src, err := a.get(ctx, refs, refs.Checker)
	if err != nil {
		return workflows.StageResult{}, err
	}
	inst := instanceDoc[json.RawMessage, json.RawMessage]{ID: instanceID(in), Index: in.Index, Domain: in.Domain, PromptVersion: in.PromptVersion,
		Scenario: sc, Blueprint: bpRaw, Task: synthesis.Task(instanceID(in), sc, bp.Blueprint), Transcript: trRaw, Checker: string(src),
		CheckerKey: refs.Checker, Signature: synthesis.Signature(sc), Refs: refs}
	if err := a.Blob.Put(ctx, CheckerKey(in.RunID, inst.ID), src, "text/x-starlark"); err != nil {
		return workflows.StageResult{}, err
	}
	key := InstanceKey(in.RunID, in.Index, "instance.json")
	d, err := a.putJSON(ctx, key, inst)
	return workflows.StageResult{OK: true, Key: key, Digest: d, Signature: inst.Signature}, err
}
