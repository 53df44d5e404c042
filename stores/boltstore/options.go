package boltstore

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/session2/session2/core/session"
	"go.etcd.io/bbolt"
)

// Defaults of the options.
const (
	// DefaultOpenTimeout is how long [Open] waits for the file lock.
	DefaultOpenTimeout = time.Second
	// DefaultSweepInterval is how often the sweeper removes expired records.
	DefaultSweepInterval = time.Minute
	// DefaultSweepBatch is how many index entries one sweeper or Prune
	// transaction visits at most.
	DefaultSweepBatch = 500
	// DefaultBucket is the name of the top-level bucket holding the store.
	DefaultBucket = "session2"
)

// Option configures a [Store] built by [New] or [Open].
type Option func(*config)

type config struct {
	openTimeout   time.Duration
	sweepInterval time.Duration
	sweepBatch    int
	bucket        string
	now           func() time.Time
	logger        *slog.Logger

	// afterSweep, when set (by tests), is called after each sweep.
	afterSweep func(n int, err error)
}

func defaultConfig() config {
	return config{
		openTimeout:   DefaultOpenTimeout,
		sweepInterval: DefaultSweepInterval,
		sweepBatch:    DefaultSweepBatch,
		bucket:        DefaultBucket,
		now:           time.Now,
	}
}

// WithOpenTimeout sets how long [Open] waits for the exclusive lock on the
// database file before failing with an error wrapping [ErrLocked] (default
// [DefaultOpenTimeout]). It must be positive: bbolt without a timeout would
// wait forever for a lock held by another process. [New] ignores it.
func WithOpenTimeout(d time.Duration) Option { return func(c *config) { c.openTimeout = d } }

// WithSweepInterval sets how often a background goroutine deletes expired
// records (default [DefaultSweepInterval]); 0 disables the sweeper, and
// expired records then stay until a Prune removes them. Load and Touch
// never return an expired record either way.
func WithSweepInterval(d time.Duration) Option { return func(c *config) { c.sweepInterval = d } }

// WithSweepBatch sets how many index entries one write transaction of the
// sweeper or of Prune visits at most (default [DefaultSweepBatch]), so that
// pruning a large store never holds bbolt's single writer lock for long.
func WithSweepBatch(n int) Option { return func(c *config) { c.sweepBatch = n } }

// WithBucket sets the name of the top-level bucket that holds the store's
// buckets (default [DefaultBucket]), so that an application can keep its own
// data, or two independent session stores, in one database file.
func WithBucket(name string) Option { return func(c *config) { c.bucket = name } }

// WithClock sets the function giving the current time, used to decide
// expiry in Load and Touch and by the sweeper (default time.Now).
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithLogger sets where the sweeper reports its errors (default
// slog.Default()). Keys are never logged.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

func (c *config) apply(opts []Option) error {
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	switch {
	case c.openTimeout <= 0:
		return fmt.Errorf("boltstore: %w: open timeout %s must be positive", session.ErrInvalidConfig, c.openTimeout)
	case c.sweepInterval < 0:
		return fmt.Errorf("boltstore: %w: sweep interval %s is negative", session.ErrInvalidConfig, c.sweepInterval)
	case c.sweepBatch <= 0:
		return fmt.Errorf("boltstore: %w: sweep batch %d must be positive", session.ErrInvalidConfig, c.sweepBatch)
	case c.bucket == "":
		return fmt.Errorf("boltstore: %w: empty bucket name", session.ErrInvalidConfig)
	case len(c.bucket) > bbolt.MaxKeySize:
		return fmt.Errorf("boltstore: %w: bucket name of %d bytes is too long", session.ErrInvalidConfig, len(c.bucket))
	case c.now == nil:
		return fmt.Errorf("boltstore: %w: nil clock", session.ErrInvalidConfig)
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	return nil
}
