package sessiontest

import (
	"sync"
	"time"
)

// Clock is a manual clock for [session.WithClock] and for stores that take
// a clock: it stands still until the test moves it. It is safe for
// concurrent use.
//
//	clock := sessiontest.NewClock(time.Now())
//	m := sessiontest.NewManager[session.Map](t, session.WithClock(clock.Now))
//	...
//	clock.Advance(31 * time.Minute) // past the idle timeout
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock showing t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d (back, for a negative d).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Set shows t from now on.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}
