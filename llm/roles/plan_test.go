package roles

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/eigendata/eigendata/envs/airline"
	"github.com/eigendata/eigendata/envs/domains"
	"github.com/eigendata/eigendata/envs/synthesis"
	"github.com/eigendata/eigendata/llm"
)

// planChat answers the planner's request: it picks the first candidate
// shown and asks for the intents given; its first answers are the ones in
// before.
type planChat struct {
	before []string
	pick   func(Candidate) bool
	wishes func(user, entity string) string
	calls  int
	prompt string
}

func (c *planChat) Complete(_ context.Context, req llm.Request) (llm.Response, error) {
	c.calls++
	last := req.Messages[len(req.Messages)-1].Content
	if c.calls == 1 {
		c.prompt = last
	}
	if c.calls <= len(c.before) {
		return llm.Response{Message: goopenai.ChatCompletionMessage{Role: "assistant", Content: c.before[c.calls-1]}}, nil
	}
	i := strings.Index(c.prompt, "):\n")
	j := strings.Index(c.prompt, "\n\nAnswer with JSON")
	var cands []Candidate
	if i < 0 || j < i || json.Unmarshal([]byte(c.prompt[i+3:j]), &cands) != nil || len(cands) == 0 {
		return llm.Response{}, fmt.Errorf("no candidates in the prompt")
	}
	pick := cands[0]
	for _, cd := range cands {
		if c.pick != nil && c.pick(cd) {
			pick = cd
			break
		}
	}
	return llm.Response{Message: goopenai.ChatCompletionMessage{Role: "assistant", Content: c.wishes(pick.UserID, pick.EntityID)},
		Usage: goopenai.Usage{TotalTokens: 10}}, nil
}

// TestPlanGroundsTheModelsIntents: the planner prompt lists the domain's
// intent kinds (from its write tools) and real candidates; the model's
// choice of a user and several intents is grounded by the rule planner
// (the policy decides what is allowed), a malformed answer is asked for
// again, and a user the database does not hold is ungrounded.
func TestPlanGroundsTheModelsIntents(t *testing.T) {
	dom, err := domains.Load(domains.Spec{Name: "gen-airline", Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	p, err := synthesis.NewPlanner(dom)
	if err != nil {
		t.Fatal(err)
	}
	db := dom.Initial.(*airline.DB)
	// A user with a credit card (to book with) and a reservation not flown
	// yet (to cancel, or to be refused).
	bookable := func(c Candidate) bool {
		u, _ := db.Users.Get(c.UserID)
		res, _ := db.Reservations.Get(c.EntityID)
		card := false
		for _, id := range u.PaymentMethods.Keys() {
			pm, _ := u.PaymentMethods.Get(id)
			card = card || pm.Source == "credit_card"
		}
		return card && res != nil && res.Flights[0].Date > synthesis.AirlineNow[:10]
	}
	chat := &planChat{before: []string{"I would pick the first one."}, pick: bookable, wishes: func(user, entity string) string {
		return fmt.Sprintf(`{"user_id": %q, "entity_id": %q, "intent": "cancel_reservation", "intents": [{"intent": "book_reservation"}],
			"reason_for_call": "", "task_instructions": "Be brief."}`, user, entity)
	}}
	m := Model{Chat: chat, Retries: 1}
	sc, tokens, err := Plan(context.Background(), m, "You plan one scenario.", p, 7, 8)
	if err != nil {
		t.Fatal(err)
	}
	if chat.calls != 2 || tokens != 10 {
		t.Errorf("%d calls, %d tokens: the malformed answer was not asked for again", chat.calls, tokens)
	}
	if !strings.Contains(chat.prompt, "Intents: "+strings.Join(p.KindNames(), ", ")) || !strings.Contains(chat.prompt, `"user_id": "`) {
		t.Errorf("prompt lacks the kinds or candidates:\n%.600s", chat.prompt)
	}
	if got := sc.Kinds(); len(got) != 2 || !strings.HasPrefix(got[0], "cancel_reservation") || !strings.HasPrefix(got[1], "book_reservation") {
		t.Errorf("planned %v", got)
	}
	if sc.Instructions.TaskInstructions != "Be brief." || !strings.Contains(sc.Instructions.ReasonForCall, "You want to cancel") {
		t.Errorf("instructions %+v", sc.Instructions)
	}
	if err := p.Feasible(sc); err != nil {
		t.Errorf("the grounded scenario is not feasible: %v", err)
	}

	ghost := &planChat{wishes: func(_, entity string) string {
		return fmt.Sprintf(`{"user_id": "nobody_0000", "entity_id": %q, "intent": "cancel_reservation"}`, entity)
	}}
	if _, _, err := Plan(context.Background(), Model{Chat: ghost}, "You plan one scenario.", p, 7, 4); !errors.Is(err, synthesis.ErrNoEntity) {
		t.Errorf("an unknown user: %v, want ErrNoEntity", err)
	}
}

// TestNewCheckerRequest: the checker writer is told which refusals to
// look for and whether a transfer is due.
func TestNewCheckerRequest(t *testing.T) {
	sc := synthesis.Scenario{Allowed: false, Intents: []synthesis.Intent{
		{Kind: "a", Target: "R1", Allowed: false}, {Kind: "b", Target: "R2", Allowed: false}, {Kind: "c", Target: "R3", Allowed: true}}}
	req := NewCheckerRequest(sc, synthesis.BlueprintFor(sc), map[string]any{}, nil)
	if !req.Refusal || strings.Join(req.Refusals, ",") != "R1,R2" || req.Transfer {
		t.Errorf("%+v", req)
	}
	sc.Intents = []synthesis.Intent{{Kind: "t", Target: "L1", Transfer: true}}
	if req := NewCheckerRequest(sc, synthesis.BlueprintFor(sc), map[string]any{}, nil); !req.Transfer {
		t.Errorf("%+v", req)
	}
}
