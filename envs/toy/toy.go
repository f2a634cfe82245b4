// Package toy holds short, checker-rewarded tasks for checking that the RL
// loop learns at all: a task is one system prompt and one user question,
// the agent answers in one turn, and a Starlark checker (envs/sandbox, the
// same sandbox and transcript shape as synthesized instances) rewards the
// answer. They are small enough for a CPU run of a few dozen GRPO steps of
// a 135M-parameter model, and their initial success rate is low but not
// zero, so GRPO groups carry signal from the first iteration.
//
// Sets:
//
//   - "count": eight questions whose answer is a small whole number ("How
//     many legs does a spider have?") under the system prompt "Answer with
//     a number only." The checker passes when the reply names the right
//     number and no other (digits), so "A spider has 8 legs." passes and
//     "8 or 10" does not. SmolLM2-135M-Instruct at temperature 1 passes
//     about 11% of the time (it rambles, or names several numbers);
//     GRPO teaches it short, single-number answers (trainer/torch/README.md,
//     "Toy RL runs").
//
// Task keys for RLWorkflow are "toy:<set>/<task id>"; a data run named
// "toy:<set>" stands for every task of the set.
package toy

import (
	"fmt"
	"sort"
	"strings"
)

// KeyPrefix marks toy task keys and data runs ("toy:<set>").
const KeyPrefix = "toy:"

// Task is one toy task.
type Task struct {
	// ID is unique within its set.
	ID string `json:"id"`
	// System is the agent's system prompt; User the question.
	System string `json:"system"`
	User   string `json:"user"`
	// State is what the checker sees as its first argument.
	State map[string]any `json:"state"`
	// Checker is Starlark source defining check(state, transcript).
	Checker string `json:"checker"`
}

// countChecker passes when the assistant's reply names the expected number
// and no other. transcript is envs/synthesis.Transcript's shape: a list of
// {"role", "content", "tool_calls"}.
const countChecker = `
def numbers(text):
    out = []
    cur = ""
    for ch in text.elems():
        if ch.isdigit():
            cur += ch
        elif cur != "":
            out.append(int(cur))
            cur = ""
    if cur != "":
        out.append(int(cur))
    return out

def check(state, transcript):
    replies = [m["content"] for m in transcript if m["role"] == "assistant" and m["content"]]
    if not replies:
        return (False, "no reply")
    nums = numbers(replies[-1])
    if not nums:
        return (False, "the reply names no number")
    for n in nums:
        if n != state["answer"]:
            return (False, "the reply names %d, want %d" % (n, state["answer"]))
    return (True, "the reply names %d" % state["answer"])
`

var countQuestions = []struct {
	q string
	a int
}{
	{"How many legs does a spider have?", 8},
	{"How many days are in a week?", 7},
	{"How many sides does a triangle have?", 3},
	{"What is 2 + 2?", 4},
	{"How many wheels does a bicycle have?", 2},
	{"How many months are in a year?", 12},
	{"How many hours are in a day?", 24},
	{"How many legs does a dog have?", 4},
}

func countSet() []Task {
	var out []Task
	for i, q := range countQuestions {
		out = append(out, Task{ID: fmt.Sprintf("count-%d", i), System: "Answer with a number only.", User: q.q,
			State: map[string]any{"answer": q.a}, Checker: countChecker})
	}
	return out
}

var sets = map[string]func() []Task{"count": countSet}

// Sets lists the set names.
func Sets() []string {
	var out []string
	for n := range sets {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Tasks returns a set's tasks.
func Tasks(set string) ([]Task, error) {
	f, ok := sets[set]
	if !ok {
		return nil, fmt.Errorf("toy: no task set %q (have %s)", set, strings.Join(Sets(), ", "))
	}
	return f(), nil
}

// Keys returns the task keys of a data run "toy:<set>".
func Keys(run string) ([]string, error) {
	set, ok := strings.CutPrefix(run, KeyPrefix)
	if !ok {
		return nil, fmt.Errorf("toy: %q is not a toy run (want %s<set>)", run, KeyPrefix)
	}
	tasks, err := Tasks(set)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(tasks))
	for i, t := range tasks {
		out[i] = KeyPrefix + set + "/" + t.ID
	}
	return out, nil
}

// IsKey reports whether a task key or data run names toy tasks.
func IsKey(key string) bool { return strings.HasPrefix(key, KeyPrefix) }

// Lookup returns the task of a key "toy:<set>/<id>".
func Lookup(key string) (Task, error) {
	rest, ok := strings.CutPrefix(key, KeyPrefix)
	set, id, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 {
		return Task{}, fmt.Errorf("toy: bad task key %q (want %s<set>/<id>)", key, KeyPrefix)
	}
	tasks, err := Tasks(set)
	if err != nil {
		return Task{}, err
	}
	for _, t := range tasks {
		if t.ID == id {
			return t, nil
		}
	}
	return Task{}, fmt.Errorf("toy: set %q has no task %q", set, id)
}
