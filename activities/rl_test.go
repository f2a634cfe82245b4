package activities

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/eigendata/eigendata/trainer/grpo"
	"github.com/eigendata/eigendata/workflows"
)

// memStore is an in-memory Store.
type memStore struct {
	mu   sync.Mutex
	objs map[string][]byte
}

func newMemStore() *memStore { return &memStore{objs: map[string][]byte{}} }

func (m *memStore) Put(_ context.Context, key string, data []byte, _ string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.objs[key] = append([]byte(nil), data...)
	return nil
}

func (m *memStore) Get(_ context.Context, key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.objs[key]
	if !ok {
		return nil, errors.New("no such key " + key)
	}
	return b, nil
}

func (m *memStore) List(_ context.Context, prefix string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for k := range m.objs {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out, nil
}

func (m *memStore) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.objs, key)
	return nil
}

// fakePolicyServer answers chat completions like eigendata's policy
// server: the n-th call replies "8" or "12 legs" alternately; with
// traces, token ids (the prompt is [1, 2, 3]), log-probs and the weight
// version.
func fakePolicyServer(t *testing.T, traces bool) *httptest.Server {
	var mu sync.Mutex
	n := 0
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req map[string]any
		_ = json.NewDecoder(r.Body).Decode(&req)
		mu.Lock()
		n++
		k := n
		mu.Unlock()
		text := "8"
		if k%2 == 0 {
			text = "12 legs"
		}
		resp := map[string]any{"id": "x", "object": "chat.completion", "model": req["model"],
			"choices": []map[string]any{{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": text}}}}
		if traces && req["return_token_ids"] == true {
			resp["prompt_token_ids"] = []int{1, 2, 3}
			resp["weight_version"] = "3"
			c := resp["choices"].([]map[string]any)[0]
			c["token_ids"] = []int{10 + k%2, 2}
			c["logprobs"] = map[string]any{"content": []map[string]any{{"token": "a", "logprob": -0.5}, {"token": "b", "logprob": -0.25}}}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(resp)
	}))
}

func TestToyRolloutsAndBatchModes(t *testing.T) {
	tests := []struct {
		name       string
		traces     bool
		wantMode   string
		wantTokens int
	}{
		{"server with token ids: token-mode samples", true, grpo.ModeToken, 4},
		{"server without: message-mode samples", false, grpo.ModeMessage, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fakePolicyServer(t, tt.traces)
			defer srv.Close()
			store := newMemStore()
			a := &RL{Blob: store, Models: &Models{BaseURL: srv.URL + "/v1"}}
			ctx := context.Background()
			keys, err := a.RLPrepare(ctx, []string{"toy:count"})
			if err != nil || len(keys) != 8 {
				t.Fatalf("RLPrepare: %v %v", keys, err)
			}
			seed := 5
			in := workflows.RolloutInput{RunID: "rl", Iteration: 2, Task: keys[0], Slot: 1, G: 4, Traces: true, MaxTokens: 16,
				Policy: workflows.ModelConfig{Provider: "openai", Model: "p", Temperature: 1, Seed: &seed}}
			g, err := a.RLRollouts(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			// The spider task: "8" passes, "12 legs" fails, two of each.
			sum := 0.0
			for _, r := range g.Group.Rewards {
				sum += r
			}
			if len(g.Group.Rewards) != 4 || sum != 2 || len(g.Group.Refs) != 4 {
				t.Fatalf("group %+v", g.Group)
			}
			wantVersion := ""
			if tt.traces {
				wantVersion = "3"
			}
			for _, v := range g.WeightVersions {
				if v != wantVersion {
					t.Errorf("weight versions %v, want %q", g.WeightVersions, wantVersion)
				}
			}
			if g.TokenRollouts != tt.wantTokens {
				t.Errorf("token rollouts %d, want %d", g.TokenRollouts, tt.wantTokens)
			}
			out, err := a.RLBatch(ctx, workflows.BatchInput{RunID: "rl", Iteration: 2, Groups: []grpo.Group{g.Group}, Options: grpo.DefaultOptions()})
			if err != nil {
				t.Fatal(err)
			}
			if out.Mode() != tt.wantMode || out.Samples != 4 {
				t.Fatalf("batch %+v, want %s", out, tt.wantMode)
			}
			batch, err := grpo.ReadBatch(store.objs[out.Key])
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range batch {
				if s.Mode() != tt.wantMode || s.TaskID != keys[0] {
					t.Errorf("sample %+v", s)
				}
				if tt.traces {
					// prompt [1 2 3] then the completion with its log-probs
					if len(s.TokenIDs) != 5 || s.TokenIDs[0] != 1 || s.LossMask[3] != 1 || s.OldLogProbs[3] != -0.5 || s.OldLogProbs[4] != -0.25 {
						t.Errorf("token sample %+v", s)
					}
					if (s.Reward == 1) != (s.TokenIDs[3] == 11) {
						t.Errorf("reward %v for completion %v", s.Reward, s.TokenIDs[3:])
					}
				}
				if (s.Reward == 1) != (s.Advantage > 0) {
					t.Errorf("reward %v with advantage %v", s.Reward, s.Advantage)
				}
			}
		})
	}
}

func TestWeightSyncSendsTheCheckpointToThePolicyServer(t *testing.T) {
	var got struct {
		files      map[string]string
		uri, ctype string
		hook       map[string]string
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/weights":
			got.uri, got.ctype = r.Header.Get("X-Checkpoint-Uri"), r.Header.Get("Content-Type")
			got.files = map[string]string{}
			tr := tar.NewReader(r.Body)
			for {
				h, err := tr.Next()
				if err != nil {
					break
				}
				b, _ := io.ReadAll(tr)
				got.files[h.Name] = string(b)
			}
			_, _ = w.Write([]byte(`{"weight_version": "7", "checkpoint": "` + got.uri + `"}`))
		case "/hook":
			_ = json.NewDecoder(r.Body).Decode(&got.hook)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	store := newMemStore()
	ctx := context.Background()
	for k, v := range map[string]string{"adapter_model.safetensors": "weights", "adapter_config.json": "{}", "optimizer.pt": "adam", "done.json": "{}"} {
		_ = store.Put(ctx, "checkpoints/rl/003/"+k, []byte(v), "")
	}
	_ = store.Put(ctx, "checkpoints/rl/0030/adapter_model.safetensors", []byte("another run's"), "")
	a := &RL{Blob: store}
	res, err := a.WeightSync(ctx, workflows.WeightSyncInput{Sync: workflows.WeightSync{PolicyURL: srv.URL + "/v1/", URL: srv.URL + "/hook"},
		Checkpoint: "checkpoints/rl/003/", Model: "p@checkpoints/rl/003/"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if res.WeightVersion != "7" || res.Checkpoint != "checkpoints/rl/003/" {
		t.Errorf("result %+v", res)
	}
	want := map[string]string{"adapter_model.safetensors": "weights", "adapter_config.json": "{}"}
	if len(got.files) != len(want) || got.files["adapter_model.safetensors"] != "weights" || got.files["adapter_config.json"] != "{}" {
		t.Errorf("the server received %v, want %v (no optimizer state, no marker)", got.files, want)
	}
	if got.uri != "checkpoints/rl/003/" || got.ctype != "application/x-tar" {
		t.Errorf("headers: uri %q, content type %q", got.uri, got.ctype)
	}
	if got.hook["checkpoint_uri"] != "checkpoints/rl/003/" || got.hook["model"] != "p@checkpoints/rl/003/" {
		t.Errorf("URL hook got %v", got.hook)
	}

	// A legacy call (WeightSync and checkpoint as two arguments) still syncs.
	var legacy workflows.WeightSyncInput
	if err := json.Unmarshal([]byte(`{"url": "`+srv.URL+`/hook"}`), &legacy); err != nil {
		t.Fatal(err)
	}
	got.hook = nil
	if _, err := a.WeightSync(ctx, legacy, "checkpoints/rl/003/"); err != nil || got.hook["checkpoint_uri"] != "checkpoints/rl/003/" {
		t.Errorf("legacy sync: %v, hook got %v", err, got.hook)
	}

	// A server that fails is an error carrying its answer.
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error": {"message": "checkpoint holds neither a LoRA adapter nor a model"}}`, http.StatusBadRequest)
	}))
	defer bad.Close()
	_, err = a.WeightSync(ctx, workflows.WeightSyncInput{Sync: workflows.WeightSync{PolicyURL: bad.URL + "/v1"}, Checkpoint: "checkpoints/rl/003/"}, "")
	if err == nil || !strings.Contains(err.Error(), "neither a LoRA adapter") {
		t.Errorf("error %v", err)
	}
	if _, err := a.WeightSync(ctx, workflows.WeightSyncInput{Sync: workflows.WeightSync{PolicyURL: srv.URL + "/v1"}, Checkpoint: "checkpoints/none/"}, ""); err == nil {
		t.Error("a checkpoint without files synced")
	}
}
