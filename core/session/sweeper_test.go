package session_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
)

// TestStartSweeper: the sweep runs again and again on its own goroutine;
// stop ends the context of the sweep in progress and returns only once
// that sweep has returned; a second stop returns at once.
func TestStartSweeper(t *testing.T) {
	var n atomic.Int32
	started := make(chan struct{})
	var returned atomic.Bool
	stop := session.StartSweeper(time.Millisecond, func(ctx context.Context) {
		if n.Add(1) < 3 {
			return // the loop goes on after a sweep
		}
		if n.Load() > 3 {
			t.Error("a sweep ran after stop")
			return
		}
		close(started)
		<-ctx.Done()
		time.Sleep(10 * time.Millisecond) // still running when stop waits
		returned.Store(true)
	})
	<-started
	stop()
	if !returned.Load() {
		t.Fatal("stop returned before the sweep in progress returned")
	}
	stop()
}

// TestStartSweeperDisabled: an interval of zero starts nothing.
func TestStartSweeperDisabled(t *testing.T) {
	stop := session.StartSweeper(0, func(context.Context) { t.Error("a sweep ran with interval 0") })
	stop()
	stop()
}
