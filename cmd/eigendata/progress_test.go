package main

import (
	"bytes"
	"testing"
)

func TestProgressWriterOffTerminal(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  string
	}{
		{"repeats collapse", []string{"\r[--] 0/2 ", "\r[--] 0/2   ", "\r[#-] 1/2"}, "[--] 0/2\n[#-] 1/2\n"},
		{"every change kept", []string{"\ra", "\rb", "\ra"}, "a\nb\na\n"},
		{"nothing drawn", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			pw := newProgressWriter(&buf)
			for _, l := range tt.lines {
				if _, err := pw.Write([]byte(l)); err != nil {
					t.Fatal(err)
				}
			}
			pw.end()
			if got := buf.String(); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}
