package session

import (
	"context"
	"sync"
	"time"
)

// boundedContext is the context of a request's store calls: the request's
// context bounded by a deadline (the load timeout, or for the commit's
// writes the commit timeout, then without the request's cancellation).
// Nothing is armed until a store asks for Done, so that a store answering
// without waiting (in memory) pays nothing for the bound; Deadline and Err
// hold it all the same. When Done is asked for, the context makes its
// channel, arms the exchange's timer for its deadline and, unless
// detached, hooks the request's cancellation with context.AfterFunc;
// whichever ends it first closes the channel, and stop unhooks both.
type boundedContext struct {
	parent   context.Context // the request's
	detached bool            // the request's cancellation does not reach it
	deadline time.Time
	timer    *boundTimer // the exchange's, shared with its other bound

	mu     sync.Mutex
	done   chan struct{} // made by the first Done, closed when err is set
	err    error         // why the context is done; nil while it is not
	unhook func() bool   // stops the AfterFunc on the request's context
}

// start readies c for the calls of one bound, with t to time it.
func (c *boundedContext) start(parent context.Context, deadline time.Time, detached bool, t *boundTimer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.parent, c.deadline, c.detached, c.timer = parent, deadline, detached, t
	c.done, c.err, c.unhook = nil, nil, nil
}

// Deadline returns the earlier of the bound and the request's deadline.
func (c *boundedContext) Deadline() (time.Time, bool) {
	if d, ok := c.parent.Deadline(); ok && !c.detached && d.Before(c.deadline) {
		return d, true
	}
	return c.deadline, true
}

// Done returns a channel closed at the deadline, when the request's context
// is done (unless detached), or when the calls are over.
func (c *boundedContext) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done != nil {
		return c.done
	}
	if c.err == nil {
		c.err = c.reason()
	}
	if c.err != nil {
		c.done = closedChan
		return c.done
	}
	c.done = make(chan struct{})
	c.timer.arm(c, time.Until(c.deadline))
	if !c.detached && c.parent.Done() != nil {
		c.unhook = context.AfterFunc(c.parent, c.parentDone)
	}
	return c.done
}

// Err reports why the context is done, nil while it is not. A reason it
// finds before the timer or the hook did ends the context there, so that
// Done is closed whenever Err is not nil.
func (c *boundedContext) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		if err := c.reason(); err != nil {
			c.endLocked(err)
		}
	}
	return c.err
}

// reason returns the request's error (unless detached), else
// DeadlineExceeded once the deadline is reached, else nil.
func (c *boundedContext) reason() error {
	if !c.detached {
		if err := c.parent.Err(); err != nil {
			return err
		}
	}
	if !time.Now().Before(c.deadline) {
		return context.DeadlineExceeded
	}
	return nil
}

// Value returns the request context's value for key.
func (c *boundedContext) Value(key any) any { return c.parent.Value(key) }

// stop ends the context once the calls returned.
func (c *boundedContext) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.endLocked(context.Canceled)
}

// endLocked ends the context for err, unless it ended already, and
// releases the timer and the hook.
func (c *boundedContext) endLocked(err error) {
	if c.err == nil {
		c.err = err
		if c.done != nil {
			close(c.done)
		}
	}
	if c.timer != nil {
		c.timer.disarm(c)
	}
	if c.unhook != nil {
		c.unhook()
		c.unhook = nil
	}
}

// parentDone ends the context for the request's error.
func (c *boundedContext) parentDone() {
	c.mu.Lock()
	defer c.mu.Unlock()
	err := c.parent.Err()
	if err == nil {
		err = context.Canceled
	}
	c.endLocked(err)
}

// expire ends the context at its deadline. A call from the timer armed for
// an earlier bound finds the deadline not reached, and does nothing.
func (c *boundedContext) expire() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil && !time.Now().Before(c.deadline) {
		c.endLocked(context.DeadlineExceeded)
	}
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// boundTimer is the one timer of an exchange's bounds: made by the first
// Done that needs it, then rearmed for each bounded context in turn (the
// load's, then the commit's).
type boundTimer struct {
	mu  sync.Mutex
	t   *time.Timer
	cur *boundedContext // the context it is armed for; nil when stopped
}

// arm sets the timer to end c after d.
func (b *boundTimer) arm(c *boundedContext, d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cur = c
	if b.t == nil {
		b.t = time.AfterFunc(d, b.fire)
		return
	}
	b.t.Reset(d)
}

// disarm stops the timer if it is armed for c.
func (b *boundTimer) disarm(c *boundedContext) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cur == c {
		b.t.Stop()
		b.cur = nil
	}
}

// fire ends the context the timer is armed for, if its deadline has come.
func (b *boundTimer) fire() {
	b.mu.Lock()
	c := b.cur
	b.mu.Unlock()
	if c != nil {
		c.expire()
	}
}
