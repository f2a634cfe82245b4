package workers

import (
	"fmt"
	"log/slog"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/eigendata/eigendata/activities"
	"github.com/eigendata/eigendata/infra/blob"
	"github.com/eigendata/eigendata/infra/cache"
	"github.com/eigendata/eigendata/llm"
)

// Services are the connections a worker's activities use.
type Services struct {
	// Blob is the artifact store (S3).
	Blob blob.Store
	// Cache, when set, caches deterministic LLM responses (Redis).
	Cache *cache.Cache
	// Models configures the model endpoints (OPENAI_BASE_URL, limits).
	Models *activities.Models
	// Tau2Data is the default tau2 data directory of this worker.
	Tau2Data string
	// Train configures the gpu pool (nil: none).
	Train *activities.Train
	Log   *slog.Logger
}

// Deps builds the activity implementations over s.
func (s Services) Deps() Deps {
	models := s.Models
	if models == nil {
		models = activities.ModelsFromEnv()
	}
	if s.Cache != nil && models.Wrap == nil {
		models.Wrap = func(endpoint string, c llm.Chat) llm.Chat { return s.Cache.Wrap(endpoint, c) }
	}
	doms := &activities.Domains{}
	return Deps{
		Eval:   &activities.Eval{Blob: s.Blob, Domains: doms, Models: models, Tau2Data: s.Tau2Data, Log: s.Log},
		Synth:  &activities.Synth{Blob: s.Blob, Domains: doms, Models: models, Tau2Data: s.Tau2Data, Log: s.Log},
		Evolve: &activities.Evolve{Blob: s.Blob, Models: models},
		RL:     &activities.RL{Blob: s.Blob, Domains: doms, Models: models},
		Train:  s.Train,
	}
}

// Start starts one worker per pool and returns a function that stops them.
func Start(c client.Client, pools []Pool, d Deps) (stop func(), err error) {
	var started []worker.Worker
	stop = func() {
		for _, w := range started {
			w.Stop()
		}
	}
	for _, p := range pools {
		w, err := New(c, p, d)
		if err != nil {
			stop()
			return nil, err
		}
		if err := w.Start(); err != nil {
			stop()
			return nil, fmt.Errorf("starting %s worker: %w", p, err)
		}
		started = append(started, w)
	}
	return stop, nil
}
