package redistest

import (
	"context"
	"testing"
	"time"
)

func TestURLAnswersPing(t *testing.T) {
	u := URL(t)
	if err := ping(context.Background(), u, 2*time.Second); err != nil {
		t.Fatalf("PING %s: %v", u, err)
	}
}
