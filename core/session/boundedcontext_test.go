package session

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// waitDone waits for ctx's Done, failing the test if it never closes.
func waitDone(t *testing.T, ctx context.Context, why string) {
	t.Helper()
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatalf("Done not closed %s", why)
	}
}

// isClosed reports whether ch is closed now.
func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// timerIdle reports whether b's timer is armed for nothing and not
// pending, which Stop tells by returning false.
func timerIdle(b *boundTimer) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.cur == nil && (b.t == nil || !b.t.Stop())
}

// The deadline closes Done, and Err says DeadlineExceeded.
func TestBoundDeadline(t *testing.T) {
	var tm boundTimer
	var c boundedContext
	c.start(context.Background(), time.Now().Add(time.Millisecond), false, &tm)
	waitDone(t, &c, "at the deadline")
	if err := c.Err(); err != context.DeadlineExceeded {
		t.Errorf("Err %v, want DeadlineExceeded", err)
	}
	c.stop()
	if err := c.Err(); err != context.DeadlineExceeded {
		t.Errorf("after stop, Err %v, want it to stay DeadlineExceeded", err)
	}
	if !timerIdle(&tm) {
		t.Error("the timer is still armed")
	}
}

// The request's cancellation closes Done, with the request's error; and
// an earlier request deadline is the context's.
func TestBoundParentCancel(t *testing.T) {
	var tm boundTimer
	parent, cancel := context.WithCancel(context.Background())
	var c boundedContext
	c.start(parent, time.Now().Add(time.Hour), false, &tm)
	done := c.Done()
	if isClosed(done) || c.Err() != nil {
		t.Fatal("done before anything ended it")
	}
	cancel()
	waitDone(t, &c, "when the request is cancelled")
	if err := c.Err(); err != context.Canceled {
		t.Errorf("Err %v, want Canceled", err)
	}
	if !timerIdle(&tm) {
		t.Error("the timer is still armed after the request ended it")
	}

	soon := time.Now().Add(time.Millisecond)
	parent, cancel = context.WithDeadline(context.Background(), soon)
	defer cancel()
	var d boundedContext
	d.start(parent, time.Now().Add(time.Hour), false, &tm)
	if dl, _ := d.Deadline(); !dl.Equal(soon) {
		t.Errorf("Deadline %v, want the request's %v", dl, soon)
	}
	waitDone(t, &d, "at the request's deadline")
	if err := d.Err(); err != context.DeadlineExceeded {
		t.Errorf("Err %v, want the request's DeadlineExceeded", err)
	}
	d.stop()
}

// A request cancelled already ends a load's context at once, and a
// detached context not at all.
func TestBoundParentCancelledBefore(t *testing.T) {
	var tm boundTimer
	parent, cancel := context.WithCancel(context.Background())
	cancel()
	var c boundedContext
	c.start(parent, time.Now().Add(time.Hour), false, &tm)
	if !isClosed(c.Done()) || c.Err() != context.Canceled {
		t.Errorf("a cancelled request: Err %v, Done closed %v", c.Err(), isClosed(c.Done()))
	}
	var d boundedContext
	d.start(parent, time.Now().Add(time.Hour), true, &tm)
	done := d.Done()
	if isClosed(done) || d.Err() != nil || d.unhook != nil {
		t.Fatalf("detached: Err %v, Done closed %v, hooked %v", d.Err(), isClosed(done), d.unhook != nil)
	}
	if dl, _ := d.Deadline(); dl.Before(time.Now().Add(time.Minute)) {
		t.Errorf("detached Deadline %v, want its own", dl)
	}
	d.stop()
	if !isClosed(done) || d.Err() != context.Canceled {
		t.Errorf("stopped: Err %v, Done closed %v", d.Err(), isClosed(done))
	}
	if !timerIdle(&tm) {
		t.Error("the timer is still armed after stop")
	}
}

// A detached context outlives the request's cancellation, and ends at its
// own deadline.
func TestBoundDetached(t *testing.T) {
	var tm boundTimer
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), ctxKeyT{}, "v"))
	var c boundedContext
	c.start(parent, time.Now().Add(20*time.Millisecond), true, &tm)
	c.Done()
	cancel()
	if c.Err() != nil {
		t.Errorf("detached: Err %v after the request's cancellation", c.Err())
	}
	if c.Value(ctxKeyT{}) != "v" {
		t.Error("the request's values are lost")
	}
	waitDone(t, &c, "at the deadline") // nothing else ends it
	if err := c.Err(); err != context.DeadlineExceeded {
		t.Errorf("Err %v, want DeadlineExceeded", err)
	}
}

type ctxKeyT struct{}

// stop closes Done, makes Err Canceled, stops the timer and unhooks the
// request's context; Done asked for after stop is closed.
func TestBoundStop(t *testing.T) {
	var tm boundTimer
	parent, cancel := context.WithCancel(context.Background())
	defer cancel()
	var c boundedContext
	c.start(parent, time.Now().Add(time.Hour), false, &tm)
	done := c.Done()
	if c.unhook == nil || timerIdle(&tm) {
		t.Fatal("Done armed neither the timer nor the hook")
	}
	c.stop()
	if !isClosed(done) || c.Err() != context.Canceled {
		t.Errorf("stopped: Err %v, Done closed %v", c.Err(), isClosed(done))
	}
	if c.unhook != nil {
		t.Error("the request's context is still hooked")
	}
	if !timerIdle(&tm) {
		t.Error("the timer still runs after stop")
	}
	var d boundedContext
	d.start(parent, time.Now().Add(time.Hour), false, &tm)
	d.stop()
	if !isClosed(d.Done()) || d.Err() != context.Canceled {
		t.Error("Done after stop is not closed")
	}
	if tm.t != nil && !timerIdle(&tm) {
		t.Error("Done after stop armed the timer")
	}
}

// Err finding the deadline passed before the timer fired closes Done, so
// that the two agree.
func TestBoundErrClosesDone(t *testing.T) {
	var tm boundTimer
	var c boundedContext
	c.start(context.Background(), time.Now().Add(time.Hour), false, &tm)
	done := c.Done()
	c.mu.Lock()
	c.deadline = time.Now().Add(-time.Second) // as if the timer were late
	c.mu.Unlock()
	if err := c.Err(); err != context.DeadlineExceeded {
		t.Fatalf("Err %v, want DeadlineExceeded", err)
	}
	if !isClosed(done) {
		t.Error("Err is not nil while Done is open")
	}
	if !timerIdle(&tm) {
		t.Error("the timer is still armed")
	}
	var d boundedContext // past its deadline before anyone asks
	d.start(context.Background(), time.Now().Add(-time.Second), false, &tm)
	if !isClosed(d.Done()) || d.Err() != context.DeadlineExceeded {
		t.Errorf("past deadline: Err %v", d.Err())
	}
}

// The load's and the commit's contexts share one timer, and a firing meant
// for the load does not end the commit's.
func TestBoundTimerShared(t *testing.T) {
	var tm boundTimer
	parent, cancel := context.WithCancel(context.Background())
	var l, w boundedContext
	l.start(parent, time.Now().Add(time.Hour), false, &tm)
	l.Done()
	first := tm.t
	l.stop()
	cancel() // the request is gone; the commit's writes go on
	w.start(parent, time.Now().Add(time.Hour), true, &tm)
	w.Done()
	if tm.t != first {
		t.Error("the commit made a timer of its own")
	}
	tm.fire() // late, for the load's deadline
	l.expire()
	if w.Err() != nil || l.Err() != context.Canceled {
		t.Errorf("a stale firing: commit's Err %v, load's %v", w.Err(), l.Err())
	}
	w.stop()
	var x boundedContext
	x.start(parent, time.Now().Add(time.Millisecond), true, &tm)
	waitDone(t, &x, "by the shared timer, rearmed")
	if !errors.Is(x.Err(), context.DeadlineExceeded) {
		t.Errorf("Err %v, want DeadlineExceeded", x.Err())
	}
}

// Done, Err and stop may race (run with -race).
func TestBoundConcurrent(t *testing.T) {
	var tm boundTimer
	parent, cancel := context.WithCancel(context.Background())
	var c boundedContext
	c.start(parent, time.Now().Add(time.Millisecond), false, &tm)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-c.Done()
			if c.Err() == nil {
				t.Error("Err nil once Done is closed")
			}
		}()
	}
	go cancel()
	go c.stop()
	wg.Wait()
}

// boundPair runs a load's bound and a commit's, both asked for Done, as an
// exchange whose store waits on its context does.
func boundPair(parent context.Context) {
	x := new(struct {
		l, w boundedContext
		tm   boundTimer
	})
	x.l.start(parent, time.Now().Add(time.Hour), false, &x.tm)
	x.l.Done()
	x.l.stop()
	x.w.start(parent, time.Now().Add(time.Hour), true, &x.tm)
	x.w.Done()
	x.w.stop()
}

// A load's and a commit's bound cost at most 8 allocations together: the
// struct holding them, the two channels, one timer (and its function) and
// the hook on the request's context (three: context.AfterFunc's context,
// its stop function and the function it calls). Before issue 22 each Done
// made a context.WithDeadline of its own, 12 in all.
func TestBoundAllocs(t *testing.T) {
	parent, cancel := context.WithCancel(context.Background())
	defer cancel()
	if got := testing.AllocsPerRun(100, func() { boundPair(parent) }); got > 8 {
		t.Errorf("%v allocations, want at most 8", got)
	}
}

func BenchmarkBound(b *testing.B) {
	parent, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		boundPair(parent)
	}
}
