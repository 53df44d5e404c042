package session_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
)

func TestRunBounded(t *testing.T) {
	boom := errors.New("boom")
	if err := session.RunBounded(context.Background(), time.Hour, func(context.Context) error { return boom }); err != boom {
		t.Errorf("f's error: got %v", err)
	}
	release := make(chan struct{})
	defer close(release)
	hang := func(context.Context) error { <-release; return nil }
	// No deadline: the default bound applies.
	if err := session.RunBounded(context.Background(), time.Millisecond, hang); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a hung f without a deadline: got %v, want DeadlineExceeded", err)
	}
	// The context's deadline wins over the default.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := session.RunBounded(ctx, time.Hour, hang); !errors.Is(err, context.Canceled) {
		t.Errorf("a hung f with a cancelled context: got %v, want Canceled", err)
	}
	// f sees the bounded context.
	err := session.RunBounded(context.Background(), time.Millisecond, func(ctx context.Context) error {
		if _, ok := ctx.Deadline(); !ok {
			return errors.New("no deadline")
		}
		<-ctx.Done()
		return ctx.Err()
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("f waiting on its context: got %v", err)
	}
}
