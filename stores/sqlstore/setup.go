package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/session2/session2/core/session"
)

// Setup brings the schema to the version this code knows, and never drops
// or rewrites anything it did not create.
//
// It first reads the schema version. When that is current, Setup is two
// SELECTs (the version, the table's columns) and issues no DDL, so an
// application whose database user may not create tables can call it at
// every start. Otherwise it takes the dialect's lock (so that processes
// starting together do not race), checks the session table, creates the
// schema-version table if absent, and applies the dialect's pending
// migration steps in order, recording each with its version, description
// and time. On a database with transactional DDL (PostgreSQL) all of that
// commits together or not at all; on one without (MySQL, MariaDB), a
// failing step drops again the tables this Setup created.
//
// A table of the store's name that exists without the columns the store
// uses (another library's session table, such as scs's "sessions") is
// refused before anything is created, with an error wrapping
// [session.ErrInvalidConfig] that names the table and its columns and
// points to WithTable; the table is left as it is.
//
// A schema newer than this code knows is an error: roll the code forward.
//
// Setup is also the start-up check that the database answers: it makes a
// round trip whatever the schema's state. When ctx has no deadline, Setup
// gives up after [DefaultSetupTimeout] (or [WithSetupTimeout]), so that a
// database that accepts connections and never answers fails the start
// instead of hanging it; pass a context with a deadline to choose another
// bound for one call.
func (s *Store) Setup(ctx context.Context) error {
	const op = "setup"
	if err := s.begin(ctx, op); err != nil {
		return err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.cfg.setupTimeout)
		defer cancel()
	}
	// setup wraps its own errors; await's own is ctx's, unwrapped.
	var finished atomic.Bool
	_, err := await(ctx, func() (struct{}, error) {
		err := s.setup(ctx)
		finished.Store(true)
		return struct{}{}, err
	})
	if err != nil && !finished.Load() {
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("the database did not answer in time (is it up and reachable?): %w", err)
		}
		return s.fail(op, err)
	}
	return err
}

// setup is Setup's work, which Setup bounds by its context.
func (s *Store) setup(ctx context.Context) error {
	const op = "setup"
	steps := s.d.Migrations(s.names)
	for i, m := range steps {
		if m.Version != i+1 {
			return s.fail(op, fmt.Errorf("%w: dialect migration %d has version %d, want %d", session.ErrInvalidConfig, i, m.Version, i+1))
		}
	}
	want := len(steps)
	if v, err := s.schemaVersion(ctx, s.db.DB); err == nil && v == want {
		state, err := s.checkTable(ctx, s.db.DB)
		if err != nil {
			return s.fail(op, err)
		}
		if state == tableOurs {
			return nil
		}
		// The versions say the schema is current, but the table is not
		// there: dropped by hand to clear every session. The steps'
		// statements are idempotent (IF NOT EXISTS): run them again, then
		// check once more.
		if err := s.recreate(ctx, steps); err != nil {
			return s.fail(op, err)
		}
	} else if err := s.migrate(ctx, steps); err != nil {
		return s.fail(op, err)
	}
	if _, err := s.checkTable(ctx, s.db.DB); err != nil {
		return s.fail(op, err)
	}
	return nil
}

// recreate runs every migration step's statements again, recording
// nothing.
func (s *Store) recreate(ctx context.Context, steps []Migration) error {
	for _, m := range steps {
		for _, stmt := range m.Statements {
			if _, err := s.db.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("recreate schema step %d: %w", m.Version, err)
			}
		}
	}
	return nil
}

// SchemaVersion returns the version of the schema recorded in the
// database, 0 when none is, and the version this code's dialect brings it
// to with Setup.
func (s *Store) SchemaVersion(ctx context.Context) (have, want int, err error) {
	const op = "schema version"
	if err := s.begin(ctx, op); err != nil {
		return 0, 0, err
	}
	want = len(s.d.Migrations(s.names))
	have, err = await(ctx, func() (int, error) { return s.schemaVersion(ctx, s.db.DB) })
	if err != nil {
		return 0, want, s.fail(op, err)
	}
	return have, want, nil
}

// querier is a *sql.DB, a *sql.Conn or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// schemaVersion reads the highest version recorded, 0 for none.
func (s *Store) schemaVersion(ctx context.Context, q querier) (int, error) {
	var v sql.NullInt64
	if err := q.QueryRowContext(ctx, "SELECT MAX(version) FROM "+s.names.Versions).Scan(&v); err != nil {
		return 0, err
	}
	return int(v.Int64), nil
}

// migrate applies the pending steps under the dialect's lock, after
// checking that the session table is absent or session2's. With
// transactional DDL, the schema-version table and every step commit
// together or not at all. Without, a failure drops again the tables this
// call created, which hold nothing yet but what the failed steps put in.
func (s *Store) migrate(ctx context.Context, steps []Migration) (err error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	unlock, err := s.d.Lock(ctx, conn, s.names)
	if err != nil {
		conn.Close()
		return fmt.Errorf("lock: %w", err)
	}
	defer func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if uerr := unlock(uctx); uerr != nil {
			// The lock may still be held by this connection: discard it,
			// which ends its database session and so the lock.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			err = errors.Join(err, fmt.Errorf("unlock: %w", uerr))
		}
		conn.Close()
	}()

	state, err := s.checkTable(ctx, conn)
	if err != nil {
		return err
	}
	if s.d.TransactionalDDL() {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if err := s.applySteps(ctx, tx, steps); err != nil {
			return errors.Join(err, tx.Rollback())
		}
		return tx.Commit()
	}

	var created []string
	if state == tableMissing {
		created = append(created, s.names.Table)
	}
	if _, verr := s.schemaVersion(ctx, conn); verr != nil && s.missing(verr) {
		created = append(created, s.names.Versions)
	}
	if err := s.applySteps(ctx, conn, steps); err != nil {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		for _, tbl := range created {
			if _, derr := conn.ExecContext(dctx, "DROP TABLE IF EXISTS "+tbl); derr != nil {
				err = errors.Join(err, fmt.Errorf("drop %s, which this Setup created: %w", tbl, derr))
			}
		}
		return err
	}
	return nil
}

// applySteps creates the schema-version table if absent, and applies and
// records the steps the versions recorded through q lack.
func (s *Store) applySteps(ctx context.Context, q querier, steps []Migration) error {
	create := "CREATE TABLE IF NOT EXISTS " + s.names.Versions + " (version INTEGER NOT NULL PRIMARY KEY, description VARCHAR(200) NOT NULL, applied VARCHAR(40) NOT NULL)"
	if _, err := q.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("create %s: %w", s.names.Versions, err)
	}
	have, err := s.schemaVersion(ctx, q)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if have > len(steps) {
		return fmt.Errorf("%w: the schema of %s is at version %d, newer than this code's %d: upgrade the code", session.ErrInvalidConfig, s.names.Raw, have, len(steps))
	}
	record := s.rebind("INSERT INTO " + s.names.Versions + " (version, description, applied) VALUES (?, ?, ?)")
	for _, m := range steps[have:] {
		applied := floorMicro(s.cfg.now()).Format(time.RFC3339Nano)
		for _, stmt := range m.Statements {
			if _, err := q.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("migration %d (%s): %w", m.Version, m.Description, err)
			}
		}
		if _, err := q.ExecContext(ctx, record, m.Version, m.Description, applied); err != nil {
			return fmt.Errorf("migration %d (%s): record: %w", m.Version, m.Description, err)
		}
	}
	return nil
}
