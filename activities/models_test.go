package activities

import (
	"context"
	"testing"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/eigendata/eigendata/llm"
	"github.com/eigendata/eigendata/llm/fakeoai"
	"github.com/eigendata/eigendata/workflows"
)

// answering is a cache stand-in: it answers requests for model "cached"
// itself and passes the others on.
type answering struct{ next llm.Chat }

func (a answering) Complete(ctx context.Context, req llm.Request) (llm.Response, error) {
	if req.Model == "cached" {
		return llm.Response{Message: goopenai.ChatCompletionMessage{Role: "assistant", Content: "from cache"}}, nil
	}
	return a.next.Complete(ctx, req)
}

// TestCacheHitTakesNoCallSlot: with the endpoint's only call slot held, a
// request the cache answers still returns.
func TestCacheHitTakesNoCallSlot(t *testing.T) {
	arrived, release := make(chan struct{}), make(chan struct{})
	fake := fakeoai.New(func(int, goopenai.ChatCompletionRequest) fakeoai.Reply {
		close(arrived)
		<-release
		return fakeoai.Reply{Content: "from endpoint"}
	})
	defer fake.Close()
	defer close(release)
	m := &Models{BaseURL: fake.URL(), Concurrency: 1, Wrap: func(_ string, next llm.Chat) llm.Chat { return answering{next} }}
	chat, err := m.Chat(workflows.ModelConfig{Provider: "openai", Model: "slow"})
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = chat.Complete(context.Background(), llm.Request{Model: "slow"}) }()
	<-arrived // the slot is held until release
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := chat.Complete(ctx, llm.Request{Model: "cached"})
	if err != nil {
		t.Fatalf("cached request: %v (waited for the held call slot)", err)
	}
	if resp.Message.Content != "from cache" {
		t.Errorf("answer %q", resp.Message.Content)
	}
}
