package sqlstore

import (
	"context"
	"testing"
	"time"
)

// A call that hangs holds its goroutine, never the pool: the next call runs
// at once on another.
func TestCallerPoolNeverQueues(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	hung := make(chan struct{})
	callers.run(funcJob(func() { close(hung); <-release }))
	<-hung
	done := make(chan struct{})
	callers.run(funcJob(func() { close(done) }))
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a call waited for a hung one")
	}
}

// await returns when its context ends even though the call goes on, and
// the pool's goroutines serve the calls after it.
func TestAwaitAbandonsHungCall(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := await(ctx, func() (int, error) { <-release; return 1, nil }); err != context.Canceled {
		t.Fatalf("await of a hung call with a cancelled context: %v", err)
	}
	for i := range 100 {
		v, err := await(context.Background(), func() (int, error) { return i, nil })
		if err != nil || v != i {
			t.Fatalf("call %d: %d, %v", i, v, err)
		}
	}
	ctx, stop := context.WithTimeout(context.Background(), time.Minute)
	defer stop()
	for i := range 100 {
		v, err := await(ctx, func() (int, error) { return i, nil })
		if err != nil || v != i {
			t.Fatalf("call %d with a deadline: %d, %v", i, v, err)
		}
	}
}
