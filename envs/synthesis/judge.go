package synthesis

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/eigendata/eigendata/envs"
)

// Rubric items of the judge.
var Rubric = []string{"states_request", "authenticated_first", "confirmed_writes", "no_unexplained_errors", "ended_properly"}

// JudgeVerdict is the judge's review.
type JudgeVerdict struct {
	Pass   bool               `json:"pass"`
	Scores map[string]float64 `json:"scores"`
	// Failed is the first rubric item below the bar ("" when passing).
	Failed string `json:"failed,omitempty"`
	Reason string `json:"reason"`
}

var affirm = []string{"yes", "go ahead", "please do", "confirm", "proceed"}

// JudgeBaseline is the rule-based judge: each rubric item scores 0 or 1
// from the transcript; the instance passes when every score reaches
// strictness (1 = all items must hold).
func JudgeBaseline(sc Scenario, msgs []envs.Message, termination string, mutates func(string) bool, strictness float64) JudgeVerdict {
	scores := map[string]float64{}
	score := func(item string, ok bool) {
		if ok {
			scores[item] = 1
		} else {
			scores[item] = 0
		}
	}
	firstUser := ""
	for _, m := range msgs {
		if m.Role == envs.RoleUser && !m.IsToolCall() {
			firstUser = m.Content
			break
		}
	}
	score("states_request", strings.TrimSpace(firstUser) != "" && !strings.Contains(firstUser, "###"))

	identified, authOK, confirmOK := false, true, true
	lastAssistant, lastUser := "", ""
	errorsUnexplained := 0
	for i, m := range msgs {
		switch {
		case m.Role == envs.RoleUser && !m.IsToolCall():
			lastUser = strings.ToLower(m.Content)
			for _, id := range sc.Identity() {
				if id != "" && strings.Contains(m.Content, id) {
					identified = true
				}
			}
		case m.Role == envs.RoleAssistant && !m.IsToolCall():
			lastAssistant = strings.ToLower(m.Content)
		case m.Role == envs.RoleAssistant:
			for _, tc := range m.ToolCalls {
				if !mutates(tc.Name) {
					continue
				}
				if !identified {
					authOK = false
				}
				asked := strings.Contains(lastAssistant, "proceed") || strings.Contains(lastAssistant, "confirm")
				if !asked || !containsAny(lastUser, affirm) {
					confirmOK = false
				}
				lastAssistant, lastUser = "", ""
			}
		case m.Role == envs.RoleTool && m.Error:
			explained := false
			for _, n := range msgs[i+1:] {
				if n.Role == envs.RoleAssistant && !n.IsToolCall() {
					explained = true
					break
				}
			}
			if !explained {
				errorsUnexplained++
			}
		}
	}
	score("authenticated_first", authOK)
	score("confirmed_writes", confirmOK)
	score("no_unexplained_errors", errorsUnexplained == 0)
	score("ended_properly", termination == "user_stop" || termination == "agent_stop")
	v := JudgeVerdict{Pass: true, Scores: scores, Reason: "every rubric item holds"}
	for _, item := range Rubric {
		if scores[item] < strictness {
			v.Pass, v.Failed, v.Reason = false, item, "rubric item failed: "+item
			break
		}
	}
	return v
}

func containsAny(s string, subs []string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// CheckDialogue rejects a dialogue that did not end properly or in which
// the user never identified themselves (the assistant must not act for an
// unidentified user), returning the reason code and a detail.
//
// A dialogue in which the assistant called a tool that does not exist, sent
// arguments that are not a JSON object, or wrote a tool call as text that
// did not parse is rejected too: it would teach a fine-tuned model to make
// such calls. errText is the episode's error (a participant's failure):
// an empty answer and a prompt over the model's context get codes of their
// own.
func CheckDialogue(sc Scenario, msgs []envs.Message, termination, errText string, hasTool func(string) bool) (string, string) {
	for _, m := range msgs {
		if m.Role != envs.RoleAssistant {
			continue
		}
		if len(m.ToolCalls) == 0 && strings.Contains(m.Content, "<tool_call>") {
			return ReasonDialogueUnparsedCall, fmt.Sprintf("a tool call written as text: %.120q", m.Content)
		}
		for _, tc := range m.ToolCalls {
			if !hasTool(tc.Name) {
				return ReasonDialogueUnknownTool, "call to unknown tool " + tc.Name
			}
			var obj map[string]any
			if json.Unmarshal(tc.Arguments, &obj) != nil || obj == nil {
				return ReasonDialogueInvalidCall, "malformed arguments to " + tc.Name
			}
		}
	}
	switch termination {
	case "user_stop", "agent_stop":
	case "max_steps":
		return ReasonDialogueMaxSteps, "the dialogue reached the step limit"
	case "too_many_errors":
		return ReasonDialogueTooManyErrors, "too many tool errors"
	case "agent_error", "user_error":
		who := strings.TrimSuffix(termination, "_error")
		switch {
		case strings.Contains(errText, "empty message"):
			return ReasonDialogueEmptyAnswer, "the " + who + " gave an empty answer"
		case strings.Contains(errText, "context_length_exceeded") || strings.Contains(errText, "model's context") ||
			strings.Contains(errText, "maximum context length"):
			return ReasonDialogueContext, "the " + who + "'s prompt exceeds the model's context: " + errText
		case errText != "":
			return ReasonDialogueModelError, "the " + who + " failed: " + errText
		}
		return ReasonDialogueModelError, "a participant sent an invalid message"
	default:
		return ReasonDialogueNoStop, "ended with " + termination
	}
	for _, m := range msgs {
		if m.Role != envs.RoleUser || m.IsToolCall() {
			continue
		}
		for _, id := range sc.Identity() {
			if id != "" && strings.Contains(m.Content, id) {
				return "", ""
			}
		}
	}
	return ReasonDialogueNotAuth, "the user never gave their user id, email or phone number"
}
