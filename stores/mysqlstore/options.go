package mysqlstore

import (
	"log/slog"
	"time"

	"github.com/session2/session2/stores/sqlstore"
)

// Option configures a store; it is [sqlstore.Option], so every option of
// package sqlstore works here too.
type Option = sqlstore.Option

// WithTable sets the table's name (default "sessions"); see
// [sqlstore.WithTable] for what is accepted.
func WithTable(name string) Option { return sqlstore.WithTable(name) }

// WithSweepInterval sets how often expired rows are deleted (default five
// minutes, 0 disables); see [sqlstore.WithSweepInterval].
func WithSweepInterval(d time.Duration) Option { return sqlstore.WithSweepInterval(d) }

// WithSweepBatch sets how many rows one DELETE of the sweeper or of Prune
// removes at most; see [sqlstore.WithSweepBatch].
func WithSweepBatch(n int) Option { return sqlstore.WithSweepBatch(n) }

// WithClock sets the clock that decides expiry; see [sqlstore.WithClock].
func WithClock(now func() time.Time) Option { return sqlstore.WithClock(now) }

// WithLogger sets where the sweeper reports errors; see
// [sqlstore.WithLogger].
func WithLogger(l *slog.Logger) Option { return sqlstore.WithLogger(l) }

// WithSetup makes New run Setup before returning, creating the table and
// its indexes when missing (see [sqlstore.WithSetup]). Without it, call
// Setup once, or run `sessionctl setup`; until then every operation fails
// with an error wrapping [sqlstore.ErrNoTable].
func WithSetup() Option { return sqlstore.WithSetup() }

// WithSetupTimeout sets how long Setup waits for the database when its
// context has no deadline (default one minute); see
// [sqlstore.WithSetupTimeout].
func WithSetupTimeout(d time.Duration) Option { return sqlstore.WithSetupTimeout(d) }
