package protocol

import (
	"strings"
	"testing"
)

func TestParseLine(t *testing.T) {
	cases := []struct {
		name string
		line string
		ok   bool
		want Event
	}{
		{"progress", `{"event":"progress","step":3,"loss":0.41}`, true, Event{Event: EventProgress, Step: 3, Loss: 0.41}},
		{"done with metrics", `{"event":"done","checkpoint":"/o","metrics":{"final_loss":0.2}}`, true, Event{Event: EventDone, Checkpoint: "/o"}},
		{"error", `{"event":"error","message":"CUDA error: out of memory"}`, true, Event{Event: EventError, Message: "CUDA error: out of memory"}},
		{"surrounding space and CRLF", "  {\"event\":\"checkpoint\",\"path\":\"/c\"}\r\n", true, Event{Event: EventCheckpoint, Path: "/c"}},
		{"unknown kind passes", `{"event":"eval","metrics":{"pass":1}}`, true, Event{Event: "eval"}},
		{"plain text", `Loading checkpoint shards: 100%`, false, Event{}},
		{"JSON without event", `{"step":1,"loss":0.5}`, false, Event{}},
		{"event not a string", `{"event":1}`, false, Event{}},
		{"JSON array", `[{"event":"done"}]`, false, Event{}},
		{"truncated JSON", `{"event":"progress","step":`, false, Event{}},
		{"blank", ``, false, Event{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := ParseLine([]byte(tc.line))
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v (%+v)", ok, tc.ok, got)
			}
			if got.Event != tc.want.Event || got.Step != tc.want.Step || got.Loss != tc.want.Loss ||
				got.Path != tc.want.Path || got.Checkpoint != tc.want.Checkpoint || got.Message != tc.want.Message {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestScanToleratesGarbageAndLongLines(t *testing.T) {
	huge := strings.Repeat("x", MaxLineBytes+10)
	input := strings.Join([]string{
		"banner: not json",
		`{"event":"progress","step":1,"loss":0.5}`,
		"",
		huge,
		`{"no":"event"}`,
		`{"event":"progress","step":2,"loss":0.25}` + "\r",
		`{"event":"done","checkpoint":"/out"}`, // no final newline
	}, "\n")
	var events []Event
	var others []string
	if err := Scan(strings.NewReader(input), func(e Event) { events = append(events, e) }, func(l string) { others = append(others, l) }); err != nil {
		t.Fatal(err)
	}
	if len(events) != 3 || events[0].Step != 1 || events[1].Step != 2 || events[1].Loss != 0.25 || events[2].Checkpoint != "/out" {
		t.Errorf("events %+v", events)
	}
	if len(others) != 3 || others[0] != "banner: not json" || !strings.Contains(others[1], "skipped") || len(others[1]) > 1000 || others[2] != `{"no":"event"}` {
		t.Errorf("%d other lines: %.120q", len(others), others)
	}
}
