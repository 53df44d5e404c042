package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrNoTable reports that the session table does not exist: the store's
// Setup was never run against this database (or ran against another
// schema). Errors wrapping it also wrap the driver's error.
var ErrNoTable = errors.New("sqlstore: the session table does not exist: run the store's Setup once " +
	"(or pass WithSetup() to New), or `sessionctl -store URL setup`")

// MissingTableDetector is an optional interface of a [Dialect]: a dialect
// that recognises its database's "no such table" error lets the store
// report it as [ErrNoTable], with the hint to run Setup.
type MissingTableDetector interface {
	// IsMissingTable reports whether err says that a table does not exist.
	IsMissingTable(err error) bool
}

// DefaultSetupTimeout bounds [Store.Setup] when its context has no
// deadline, the Setup that [WithSetup] runs in New included, unless
// [WithSetupTimeout] sets another bound. It is longer than a request's
// bound because a migration step may build an index on a large table.
const DefaultSetupTimeout = time.Minute

// WithSetupTimeout sets how long [Store.Setup] waits for the database when
// its context has no deadline (default [DefaultSetupTimeout]), so that an
// application starting against a database that accepts connections but
// never answers fails instead of hanging. A context with a deadline is
// used as it is. The duration must be positive.
func WithSetupTimeout(d time.Duration) Option { return func(c *config) { c.setupTimeout = d } }

// WithSetup makes New run [Store.Setup] before returning, bounded by
// [DefaultSetupTimeout] or [WithSetupTimeout], as the file and bolt stores prepare themselves:
// the table, its indexes and the schema version are created when missing,
// and nothing is dropped. New returns Setup's error, if any. Setup takes a
// lock in the database, so many processes starting at once are safe.
// Deployments that keep schema changes apart from application starts run
// Setup, or `sessionctl setup`, instead.
func WithSetup() Option { return func(c *config) { c.setupOnNew = true } }

// missingTable wraps err with ErrNoTable when the dialect recognises it as
// a missing table, else returns nil.
func (s *Store) missingTable(op string, err error) error {
	md, ok := s.d.(MissingTableDetector)
	if !ok || !md.IsMissingTable(err) {
		return nil
	}
	return fmt.Errorf("%s: %s: table %s: %w (%w)", s.name, op, s.names.Raw, ErrNoTable, err)
}

// setupOnNew runs Setup for WithSetup, closing the store when it fails.
func (s *Store) setupOnNew() error {
	if err := s.Setup(context.Background()); err != nil {
		s.Close()
		return err
	}
	return nil
}
