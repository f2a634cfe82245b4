package protocol

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// The event kinds.
const (
	// EventProgress reports a finished training step: Step, Loss, Metrics.
	EventProgress = "progress"
	// EventCheckpoint reports a checkpoint written: Path.
	EventCheckpoint = "checkpoint"
	// EventDone reports success: Checkpoint (the final one) and Metrics.
	EventDone = "done"
	// EventError reports a failure: Message.
	EventError = "error"
)

// MaxLineBytes bounds one line of backend output; longer lines are
// skipped (reported as ignored output, truncated).
const MaxLineBytes = 1 << 20

// Event is one JSON line of backend output.
type Event struct {
	// Event is the kind: EventProgress, EventCheckpoint, EventDone, EventError.
	Event string `json:"event"`
	// Step is the finished step (progress), counted from 1.
	Step int `json:"step,omitempty"`
	// Loss is the step's training loss (progress).
	Loss float64 `json:"loss,omitempty"`
	// Path is the checkpoint written (checkpoint).
	Path string `json:"path,omitempty"`
	// Checkpoint is the final checkpoint (done).
	Checkpoint string `json:"checkpoint,omitempty"`
	// Message says what failed (error).
	Message string `json:"message,omitempty"`
	// Metrics are free-form numbers (progress, done).
	Metrics map[string]float64 `json:"metrics,omitempty"`
}

// ParseLine decodes one line of backend output. ok is false for a line
// that is not a protocol event: not a JSON object, or one without an
// "event" string. Events of unknown kinds are returned (ok) for forward
// compatibility.
func ParseLine(line []byte) (ev Event, ok bool) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] != '{' {
		return Event{}, false
	}
	if err := json.Unmarshal(line, &ev); err != nil || ev.Event == "" {
		return Event{}, false
	}
	return ev, true
}

// Scan reads backend output until EOF, calling onEvent for every event and
// onOther (if not nil) for every other non-blank line. Lines longer than
// MaxLineBytes are passed to onOther truncated. It returns the read error,
// if any, other than EOF.
func Scan(r io.Reader, onEvent func(Event), onOther func(line string)) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var long []byte // a line being assembled past the reader's buffer
	overflow := false
	for {
		chunk, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			if len(long)+len(chunk) <= MaxLineBytes {
				long = append(long, chunk...)
			} else {
				overflow = true
			}
			continue
		}
		line := chunk
		if long != nil || overflow {
			long = append(long, chunk...)
			line = long
		}
		switch {
		case overflow || len(line) > MaxLineBytes:
			if onOther != nil {
				onOther(fmt.Sprintf("%s… (line over %d bytes skipped)", truncate(line, 200), MaxLineBytes))
			}
		case len(bytes.TrimSpace(line)) == 0:
		default:
			if ev, ok := ParseLine(line); ok {
				onEvent(ev)
			} else if onOther != nil {
				onOther(string(bytes.TrimRight(line, "\r\n")))
			}
		}
		long, overflow = nil, false
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
