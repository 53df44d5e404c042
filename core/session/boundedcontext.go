package session

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// boundedContext is the context of a request's store calls: the request's
// context bounded by a deadline (the load timeout, or for the commit's
// writes the commit timeout, then without the request's cancellation). Its
// timer starts only when a store asks for Done, so that a store answering
// without waiting (in memory) pays nothing for the bound; Deadline and Err
// hold it all the same.
type boundedContext struct {
	parent   context.Context // the request's
	detached bool            // the request's cancellation does not reach it
	deadline time.Time
	once     sync.Once
	done     <-chan struct{}
	cancel   context.CancelFunc
	stopped  atomic.Bool
}

func (c *boundedContext) start(parent context.Context, deadline time.Time, detached bool) {
	c.parent, c.deadline, c.detached = parent, deadline, detached
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
	c.once.Do(func() {
		p := c.parent
		if c.detached {
			p = context.WithoutCancel(p)
		}
		var ctx context.Context
		ctx, c.cancel = context.WithDeadline(p, c.deadline)
		c.done = ctx.Done()
	})
	return c.done
}

// Err reports why the context is done, nil while it is not.
func (c *boundedContext) Err() error {
	if !c.detached {
		if err := c.parent.Err(); err != nil {
			return err
		}
	}
	if !time.Now().Before(c.deadline) {
		return context.DeadlineExceeded
	}
	if c.stopped.Load() {
		return context.Canceled
	}
	return nil
}

// Value returns the request context's value for key.
func (c *boundedContext) Value(key any) any { return c.parent.Value(key) }

// stop ends the context once the calls returned.
func (c *boundedContext) stop() {
	c.stopped.Store(true)
	c.once.Do(func() { c.done = closedChan })
	if c.cancel != nil {
		c.cancel()
	}
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()
