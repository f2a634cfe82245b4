package workers

import (
	"fmt"
	"strings"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/eigendata/eigendata/activities"
	"github.com/eigendata/eigendata/workflows"
)

// Pool names a worker pool.
type Pool string

// The pools.
const (
	CPU Pool = "cpu"
	LLM Pool = "llm"
	GPU Pool = "gpu"
)

// ParsePools parses a comma-separated pool list such as "cpu,llm".
func ParsePools(s string) ([]Pool, error) {
	var out []Pool
	for _, p := range strings.Split(s, ",") {
		switch Pool(strings.TrimSpace(p)) {
		case CPU, LLM, GPU:
			out = append(out, Pool(strings.TrimSpace(p)))
		case "":
		default:
			return nil, fmt.Errorf("unknown pool %q (cpu, llm, gpu)", p)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no pools given")
	}
	return out, nil
}

// Deps are the activity implementations the pools register.
type Deps struct {
	Eval   *activities.Eval
	Synth  *activities.Synth
	Evolve *activities.Evolve
	RL     *activities.RL
	// Train runs training steps; nil (or a pool without slots) means this
	// process offers no gpu pool.
	Train *activities.Train
	// LLMConcurrency bounds concurrent llm-pool activities on this worker
	// (default 32); pair it with the per-endpoint limit in activities.Models.
	LLMConcurrency int
	// CPUConcurrency bounds concurrent cpu-pool activities (default 16).
	CPUConcurrency int
}

// New builds the worker of one pool.
func New(c client.Client, pool Pool, d Deps) (worker.Worker, error) {
	switch pool {
	case CPU:
		conc := d.CPUConcurrency
		if conc == 0 {
			conc = 16
		}
		// Workflow-task pollers: each poller takes one task per round trip,
		// and a synthesis run's last cohort of instances ends together,
		// each needing a workflow task at once (with 4, their tasks waited
		// up to 126 ms to be polled).
		w := worker.New(c, workflows.QueueCPU, worker.Options{MaxConcurrentActivityExecutionSize: conc,
			MaxConcurrentWorkflowTaskPollers: 16, MaxConcurrentActivityTaskPollers: 4})
		w.RegisterWorkflowWithOptions(workflows.EvalWorkflow, workflow.RegisterOptions{Name: "EvalWorkflow"})
		w.RegisterActivityWithOptions(d.Eval.EvalPrepare, activity.RegisterOptions{Name: workflows.ActEvalPrepare})
		w.RegisterActivityWithOptions(d.Eval.WriteEvalReport, activity.RegisterOptions{Name: workflows.ActEvalReport})
		w.RegisterWorkflowWithOptions(workflows.SynthesisWorkflow, workflow.RegisterOptions{Name: "SynthesisWorkflow"})
		w.RegisterWorkflowWithOptions(workflows.InstanceWorkflow, workflow.RegisterOptions{Name: "InstanceWorkflow"})
		w.RegisterWorkflowWithOptions(workflows.EvolveWorkflow, workflow.RegisterOptions{Name: "EvolveWorkflow"})
		w.RegisterWorkflowWithOptions(workflows.RLWorkflow, workflow.RegisterOptions{Name: "RLWorkflow"})
		w.RegisterWorkflowWithOptions(workflows.UserSFTWorkflow, workflow.RegisterOptions{Name: "UserSFTWorkflow"})
		for name, fn := range map[string]any{
			workflows.ActRLPrepare: d.RL.RLPrepare, workflows.ActRLBatch: d.RL.RLBatch, workflows.ActRLReport: d.RL.RLReport,
			workflows.ActWeightSync: d.RL.WeightSync, workflows.ActUserSFTBuild: d.RL.UserSFTBuild,
		} {
			w.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
		}
		w.RegisterActivityWithOptions(d.Evolve.EvolveGather, activity.RegisterOptions{Name: workflows.ActEvolveGather})
		w.RegisterActivityWithOptions(d.Evolve.EvolveDecide, activity.RegisterOptions{Name: workflows.ActEvolveDecide})
		for name, fn := range map[string]any{
			workflows.ActSynthPrepare: d.Synth.SynthPrepare, workflows.ActSynthBlueprint: d.Synth.SynthBlueprint,
			workflows.ActSynthVerify: d.Synth.SynthVerify, workflows.ActSynthRecord: d.Synth.SynthRecord,
			workflows.ActSynthFinalize: d.Synth.SynthFinalize,
			// Stages that call no model run here as local activities of
			// InstanceWorkflow (see workflows.InstanceWorkflow).
			workflows.ActSynthPlan: d.Synth.SynthPlan, workflows.ActSynthDialogue: d.Synth.SynthDialogue,
			workflows.ActSynthChecker: d.Synth.SynthChecker, workflows.ActSynthJudge: d.Synth.SynthJudge,
		} {
			w.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
		}
		return w, nil
	case LLM:
		conc := d.LLMConcurrency
		if conc == 0 {
			conc = 32
		}
		w := worker.New(c, workflows.QueueLLM, worker.Options{MaxConcurrentActivityExecutionSize: conc,
			MaxConcurrentActivityTaskPollers: 8})
		w.RegisterActivityWithOptions(d.Eval.RunEpisode, activity.RegisterOptions{Name: workflows.ActEpisode})
		w.RegisterActivityWithOptions(d.Eval.ProbeModel, activity.RegisterOptions{Name: workflows.ActProbeModel})
		w.RegisterActivityWithOptions(d.Evolve.EvolvePropose, activity.RegisterOptions{Name: workflows.ActEvolvePropose})
		w.RegisterActivityWithOptions(d.RL.RLRollouts, activity.RegisterOptions{Name: workflows.ActRLRollouts})
		for name, fn := range map[string]any{
			workflows.ActSynthPlan: d.Synth.SynthPlan, workflows.ActSynthDialogue: d.Synth.SynthDialogue,
			workflows.ActSynthChecker: d.Synth.SynthChecker, workflows.ActSynthJudge: d.Synth.SynthJudge,
		} {
			w.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
		}
		return w, nil
	case GPU:
		if d.Train == nil || d.Train.Pool == nil || d.Train.Pool.Slots() == 0 {
			return nil, fmt.Errorf("pool gpu: no usable GPU on this machine (NVML found none), so it offers no gpu slots")
		}
		if len(d.Train.Command) == 0 {
			return nil, fmt.Errorf("pool gpu: no trainer command (--trainer-cmd)")
		}
		// One activity per slot: a step leases its GPUs from d.Train.Pool.
		w := worker.New(c, workflows.QueueGPU, worker.Options{MaxConcurrentActivityExecutionSize: d.Train.Pool.Slots()})
		w.RegisterActivityWithOptions(d.Train.TrainStep, activity.RegisterOptions{Name: workflows.ActTrainStep})
		return w, nil
	}
	return nil, fmt.Errorf("pool %q has no worker", pool)
}
