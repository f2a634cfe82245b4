package grpo

import (
	"math"
	"strings"
	"testing"
)

func TestDefaultsFollowTheTau2Recipe(t *testing.T) {
	// AReaL examples/tau2/config_1.7b_airline.yaml: gconfig.n_samples 8,
	// gconfig.temperature 1.0, econfig.user_llm_args.temperature 0.0,
	// econfig.max_steps 50, actor.eps_clip 0.4, actor.kl_ctl 0.0,
	// actor.optimizer.lr 1.7e-5, train_dataset.batch_size 16.
	want := Recipe{GroupSize: 8, PolicyTemperature: 1, UserTemperature: 0, MaxSteps: 50, Clip: 0.4, KLCoef: 0,
		LearningRate: 1.7e-5, BatchGroups: 16, OversampleFactor: 3}
	if got := Defaults(); got != want {
		t.Errorf("Defaults() = %+v, want %+v", got, want)
	}
	if err := Defaults().Validate(); err != nil {
		t.Errorf("the defaults do not validate: %v", err)
	}
}

func TestRecipeValidate(t *testing.T) {
	cases := []struct {
		name   string
		modify func(*Recipe)
		want   string
	}{
		{"group of one", func(r *Recipe) { r.GroupSize = 1 }, "group_size"},
		{"negative temperature", func(r *Recipe) { r.PolicyTemperature = -1 }, "policy_temperature"},
		{"NaN user temperature", func(r *Recipe) { r.UserTemperature = float32(math.NaN()) }, "user_temperature"},
		{"no steps", func(r *Recipe) { r.MaxSteps = 0 }, "max_steps"},
		{"clip 0", func(r *Recipe) { r.Clip = 0 }, "clip"},
		{"clip 1", func(r *Recipe) { r.Clip = 1 }, "clip"},
		{"negative KL", func(r *Recipe) { r.KLCoef = -0.1 }, "kl_coef"},
		{"no lr", func(r *Recipe) { r.LearningRate = 0 }, "lr"},
		{"no batch", func(r *Recipe) { r.BatchGroups = 0 }, "batch_groups"},
		{"no oversampling factor", func(r *Recipe) { r.OversampleFactor = 0 }, "oversample_factor"},
		{"negative reply bound", func(r *Recipe) { r.MaxNewTokens = -1 }, "max_new_tokens"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := Defaults()
			tc.modify(&r)
			if err := r.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error naming %s", err, tc.want)
			}
		})
	}
}
