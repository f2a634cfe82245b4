package main

import (
	"bytes"
	"io"
	"os"
)

// progressWriter draws a progress line in place on a terminal; anywhere else
// (a log file, CI, a pipe) it writes a line only when the text changes, so a
// long run leaves a readable record instead of thousands of redraws.
type progressWriter struct {
	w    io.Writer
	tty  bool
	last []byte
	open bool
}

func newProgressWriter(w io.Writer) *progressWriter {
	tty := false
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progressWriter{w: w, tty: tty}
}

// Write takes one progress line, with or without a leading carriage return.
func (p *progressWriter) Write(b []byte) (int, error) {
	if p.tty {
		p.open = true
		return p.w.Write(b)
	}
	line := bytes.TrimRight(bytes.TrimLeft(b, "\r"), " ")
	if bytes.Equal(line, p.last) {
		return len(b), nil
	}
	p.last = append(p.last[:0], line...)
	if _, err := p.w.Write(append(append([]byte{}, line...), '\n')); err != nil {
		return 0, err
	}
	return len(b), nil
}

// end closes the in-place line on a terminal.
func (p *progressWriter) end() {
	if p.tty && p.open {
		io.WriteString(p.w, "\n")
	}
}
