package sqlstore

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/session2/session2/core/session"
)

// Defaults of the options.
const (
	// DefaultTable is the name of the session table.
	DefaultTable = "sessions"
	// DefaultSweepInterval is how often the sweeper deletes expired rows.
	// Every process sharing the table sweeps, each with one indexed DELETE
	// per batch, so the interval is longer than an embedded store's.
	DefaultSweepInterval = 5 * time.Minute
	// DefaultSweepBatch is how many rows one DELETE of the sweeper or of
	// Prune removes at most.
	DefaultSweepBatch = 1000
	// DefaultPageSize is how many rows one SELECT of List reads.
	DefaultPageSize = 100
	// DefaultCloseTimeout is how long Close waits for the database.
	DefaultCloseTimeout = 5 * time.Second
)

// Limits.
const (
	// MaxUserLen is the longest user, in bytes, that a store keeps. Save
	// rejects a longer one with an error; List and Prune find no record of
	// such a user.
	MaxUserLen = 1024
	// MaxNameLen is the longest table name, and the longest schema name of
	// a "schema.table" name, that [WithTable] accepts, leaving room for the
	// suffixes of the derived names within the databases' 63 or 64
	// character limit.
	MaxNameLen = 48
)

// Option configures a [Store] built by [New].
type Option func(*config)

type config struct {
	table         string
	sweepInterval time.Duration
	sweepBatch    int
	pageSize      int
	now           func() time.Time
	logger        *slog.Logger
	sweepHook     func(deleted int, err error)
	ownDB         bool
	closeTimeout  time.Duration
	setupOnNew    bool // WithSetup
	setupTimeout  time.Duration
}

func defaultConfig() config {
	return config{
		table:         DefaultTable,
		sweepInterval: DefaultSweepInterval,
		sweepBatch:    DefaultSweepBatch,
		pageSize:      DefaultPageSize,
		now:           time.Now,
		closeTimeout:  DefaultCloseTimeout,
		setupTimeout:  DefaultSetupTimeout,
	}
}

// WithTable sets the session table's name (default [DefaultTable]), either
// a plain name or "schema.table" (a MySQL database or a PostgreSQL schema).
// Each part must be lowercase ASCII letters, digits and underscores, not
// starting with a digit, and at most [MaxNameLen] characters: [New] rejects
// anything else, so no option can inject SQL. The schema-version table and
// the indexes take the table's name followed by "_schema", "_user_idx" and
// "_expires_idx".
func WithTable(name string) Option { return func(c *config) { c.table = name } }

// WithSweepInterval sets how often a background goroutine deletes expired
// rows (default [DefaultSweepInterval]); 0 disables the sweeper, and expired
// rows then stay until a Prune removes them. Load and Touch never return an
// expired record either way.
func WithSweepInterval(d time.Duration) Option { return func(c *config) { c.sweepInterval = d } }

// WithSweepBatch sets how many rows one DELETE of the sweeper or of Prune
// removes at most (default [DefaultSweepBatch]), so that pruning a huge
// table never holds locks on millions of rows in one statement.
func WithSweepBatch(n int) Option { return func(c *config) { c.sweepBatch = n } }

// WithPageSize sets how many rows one SELECT of List reads (default
// [DefaultPageSize]). List holds one page in memory at a time.
func WithPageSize(n int) Option { return func(c *config) { c.pageSize = n } }

// WithClock sets the function giving the current time (default time.Now).
// The store decides expiry with it in Load, Touch and the sweeper, and
// passes the times as parameters: the database's own clock is never used,
// so one clock owns expiry.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithLogger sets where the sweeper reports its errors when no sweep hook
// is set (default slog.Default()). Keys are never logged.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithSweepHook sets a function called after every sweep with the number of
// rows deleted and the error, if any, instead of logging errors. It runs on
// the sweeper's goroutine.
func WithSweepHook(f func(deleted int, err error)) Option {
	return func(c *config) { c.sweepHook = f }
}

// WithOwnDB makes Close close the database handle too. Stores opened by
// URL use it; an application passing its own handle should not.
func WithOwnDB() Option { return func(c *config) { c.ownDB = true } }

// WithCloseTimeout sets how long [Store.Close] waits for the database to
// let go of the statements and, with [WithOwnDB], the connections (default
// [DefaultCloseTimeout]), so that a graceful shutdown ends even while the
// database hangs.
func WithCloseTimeout(d time.Duration) Option { return func(c *config) { c.closeTimeout = d } }

func (c *config) validate() error {
	switch {
	case c.sweepInterval < 0:
		return fmt.Errorf("%w: sweep interval %v is negative", session.ErrInvalidConfig, c.sweepInterval)
	case c.sweepBatch < 1:
		return fmt.Errorf("%w: sweep batch %d, want at least 1", session.ErrInvalidConfig, c.sweepBatch)
	case c.pageSize < 1:
		return fmt.Errorf("%w: page size %d, want at least 1", session.ErrInvalidConfig, c.pageSize)
	case c.closeTimeout <= 0:
		return fmt.Errorf("%w: close timeout %v, want a positive duration", session.ErrInvalidConfig, c.closeTimeout)
	case c.setupTimeout <= 0:
		return fmt.Errorf("%w: setup timeout %v, want a positive duration", session.ErrInvalidConfig, c.setupTimeout)
	case c.now == nil:
		return fmt.Errorf("%w: nil clock", session.ErrInvalidConfig)
	}
	return nil
}
