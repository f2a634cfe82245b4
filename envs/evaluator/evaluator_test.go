package evaluator

import (
	"context"
	"math"
	"testing"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/episode"
)

func TestPassHatK(t *testing.T) {
	cases := []struct {
		n, s, k int
		want    float64
	}{{4, 4, 4, 1}, {4, 2, 1, 0.5}, {4, 2, 2, 1.0 / 6}, {4, 3, 2, 0.5}, {4, 0, 1, 0}, {5, 4, 3, 0.4}}
	for _, c := range cases {
		got, err := PassHatK(c.n, c.s, c.k)
		if err != nil || math.Abs(got-c.want) > 1e-12 {
			t.Errorf("PassHatK(%d,%d,%d) = %v, %v; want %v", c.n, c.s, c.k, got, err, c.want)
		}
	}
	if _, err := PassHatK(2, 1, 3); err == nil {
		t.Error("k > trials accepted")
	}
	// Two tasks: one always passes, one passes 1 of 2 -> pass^1 = 0.75, pass^2 = 0.5;
	// a third task with one trial caps k at 1.
	pk := PassK(map[string][]float64{"a": {1, 1}, "b": {1, 0}})
	if len(pk) != 3 || pk[1] != 0.75 || pk[2] != 0.5 {
		t.Errorf("PassK = %v", pk)
	}
	if pk := PassK(map[string][]float64{"a": {1, 1}, "b": {0.9999999}}); len(pk) != 2 || pk[1] != 1 {
		t.Errorf("PassK with success tolerance = %v", pk)
	}
}

func TestCommunicateAndTermination(t *testing.T) {
	d := &envs.Domain{Name: "empty", Agent: &envs.Toolkit{}, Initial: emptyState{}}
	task := &envs.Task{ID: "t", EvaluationCriteria: &envs.EvaluationCriteria{CommunicateInfo: []string{"1628"}, RewardBasis: []envs.RewardType{envs.RewardCommunicate}}}
	cases := []struct {
		name string
		msg  string
		term episode.Termination
		want float64
	}{
		{"commas and case ignored", "The total is $1,628.", episode.UserStop, 1},
		{"missing info", "The total is $1,629.", episode.UserStop, 0},
		{"premature end scores 0", "The total is 1628.", episode.MaxSteps, 0},
		{"agent stop counts", "The total is 1628.", episode.AgentStop, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			traj := []envs.Message{{Role: envs.RoleAssistant, Content: c.msg}}
			info, err := Evaluate(context.Background(), d, task, traj, c.term, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if info.Reward != c.want {
				t.Errorf("reward %v, want %v", info.Reward, c.want)
			}
		})
	}
	nl := &envs.Task{ID: "n", EvaluationCriteria: &envs.EvaluationCriteria{NLAssertions: []string{"agent was polite"}, RewardBasis: []envs.RewardType{envs.RewardNLAssertion}}}
	if _, err := Evaluate(context.Background(), d, nl, nil, episode.UserStop, Options{}); err != ErrNeedsJudge {
		t.Errorf("NL task without judge: %v", err)
	}
	nl.EvaluationCriteria.NLAssertions = nil
	if info, err := Evaluate(context.Background(), d, nl, nil, episode.UserStop, Options{}); err != nil || info.Reward != 1 {
		t.Errorf("NL basis with no assertions: %v %v (tau2 scores 1 without a model)", info, err)
	}
}

type emptyState struct{}

func (emptyState) Clone() envs.State      { return emptyState{} }
func (emptyState) Hash() (string, string) { return "e", "" }
