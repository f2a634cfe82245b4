package workflows

import "testing"

func TestCallPriority(t *testing.T) {
	tests := []struct {
		name                      string
		index, count, concurrency int
		want                      int64
	}{
		{"first candidate", 0, 200, 128, 0},
		{"before the last cohort", 183, 200, 128, 183},
		{"first of the last cohort", 184, 200, 128, 184},
		{"in the last cohort", 190, 200, 128, 184},
		{"last candidate", 199, 200, 128, 184},
		{"replacing a reject", 260, 200, 128, 184},
		{"run no larger than the cohort", 7, 12, 128, 0},
		{"one in flight", 7, 20, 1, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CallPriority(tt.index, tt.count, tt.concurrency); got != tt.want {
				t.Errorf("CallPriority(%d, %d, %d) = %d, want %d", tt.index, tt.count, tt.concurrency, got, tt.want)
			}
		})
	}
}
