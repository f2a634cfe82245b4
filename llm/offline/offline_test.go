package offline

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/domains"
	"github.com/eigendata/eigendata/envs/episode"
	"github.com/eigendata/eigendata/envs/evaluator"
	"github.com/eigendata/eigendata/envs/tau2data"
)

func telecomTasks(t *testing.T) (*envs.Domain, []envs.Task) {
	t.Helper()
	spec := domains.Spec{Name: "telecom", Tau2Data: tau2data.ForTest(t)}
	dom, err := domains.Load(spec)
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := domains.Tasks(spec, "")
	if err != nil {
		t.Fatal(err)
	}
	return dom, tasks
}

// TestOracleWithTemplateUserSolvesTelecom: the offline evaluation baseline
// (oracle agent, template user) solves tau2's telecom tasks: the user
// performs each device action the oracle asks for and nothing unasked.
func TestOracleWithTemplateUserSolvesTelecom(t *testing.T) {
	dom, tasks := telecomTasks(t)
	for i := range tasks[:30] {
		task := &tasks[i]
		res, err := episode.Run(context.Background(), dom.NewEnv(), task, Agent(task), TemplateUser{Task: task}, episode.Config{})
		if err != nil {
			t.Fatal(err)
		}
		info, err := evaluator.Evaluate(context.Background(), dom, task, res.Messages, res.Termination, evaluator.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if info.Reward != 1 {
			t.Errorf("%s: reward %v (%s)", task.ID, info.Reward, res.Termination)
		}
	}
}

// TestCarefulAgentDrivesDeviceActions: with the careful agent, the user
// acts on their phone only when asked, reports what it shows, and the
// agent waits for each device action before going on; the episode ends in
// the gold state with reward 1.
func TestCarefulAgentDrivesDeviceActions(t *testing.T) {
	dom, tasks := telecomTasks(t)
	checked := 0
	for i := range tasks {
		task := &tasks[i]
		acts := task.EvaluationCriteria.Actions
		if len(acts) < 2 || acts[0].Name == "transfer_to_human_agents" {
			continue
		}
		known := *task.UserScenario.Instructions.KnownInfo
		phone := known[strings.Index(known, "555-"):][:12]
		env := dom.NewEnv()
		agent := CarefulAgent{Task: task, Identity: []string{phone}, Mutates: env.Mutates, Closing: "Your request has been completed."}
		res, err := episode.Run(context.Background(), env, task, agent, TemplateUser{Task: task}, episode.Config{MaxSteps: 100})
		if err != nil {
			t.Fatal(err)
		}
		info, err := evaluator.Evaluate(context.Background(), dom, task, res.Messages, res.Termination, evaluator.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if info.Reward != 1 {
			t.Errorf("%s: reward %v (%s)", task.ID, info.Reward, res.Termination)
		}
		// Every user device call follows the agent's request naming it,
		// and is reported back.
		for j, m := range res.Messages {
			if m.Role != envs.RoleUser || !m.IsToolCall() {
				continue
			}
			name := m.ToolCalls[0].Name
			prev := res.Messages[j-1]
			if prev.Role != envs.RoleAssistant || !strings.Contains(prev.Content, name) {
				t.Errorf("%s: the user called %s unasked (after %q)", task.ID, name, prev.Content)
			}
			if j+2 >= len(res.Messages) || res.Messages[j+2].Role != envs.RoleUser || !strings.HasPrefix(res.Messages[j+2].Content, "I did that") {
				t.Errorf("%s: %s was not reported back", task.ID, name)
			}
		}
		if checked++; checked == 10 {
			break
		}
	}
	if checked == 0 {
		t.Fatal("no telecom task with device actions")
	}
}

// TestTemplateUserActsOnlyWhenAsked: the next gold action is the user's,
// but the agent's last message does not ask for it: the user talks.
func TestTemplateUserActsOnlyWhenAsked(t *testing.T) {
	task := &envs.Task{UserScenario: envs.UserScenario{Instructions: envs.Instructions{ReasonForCall: "No service."}},
		EvaluationCriteria: &envs.EvaluationCriteria{Actions: []envs.Action{
			{Name: "toggle_airplane_mode", Requestor: envs.User, Arguments: json.RawMessage(`{}`)}}}}
	u := TemplateUser{Task: task}
	traj := []envs.Message{{Role: envs.RoleAssistant, Content: episode.FirstAgentMessage}}
	m, _ := u.Next(context.Background(), traj)
	if m.IsToolCall() || m.Content != "No service." {
		t.Fatalf("first message %+v", m)
	}
	traj = append(traj, m, envs.Message{Role: envs.RoleAssistant, Content: DeviceRequest(task.EvaluationCriteria.Actions[0])})
	m, _ = u.Next(context.Background(), traj)
	if !m.IsToolCall() || m.ToolCalls[0].Name != "toggle_airplane_mode" || m.ToolCalls[0].Requestor != envs.User {
		t.Fatalf("asked for the device action, the user sent %+v", m)
	}
	traj = append(traj, m, envs.Message{Role: envs.RoleTool, Requestor: envs.User, Content: "Airplane Mode is now OFF."})
	m, _ = u.Next(context.Background(), traj)
	if m.IsToolCall() || !strings.Contains(m.Content, "Airplane Mode is now OFF.") {
		t.Fatalf("report %+v", m)
	}
	if got := Progress(task.EvaluationCriteria.Actions, traj); got != 1 {
		t.Errorf("progress %d, want 1", got)
	}
}
