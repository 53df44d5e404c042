package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/session2/session2/core/session"
)

// The statements the store prepares, one per request-time operation.
const (
	stLoad = iota
	stInsert
	stUpdate
	stDelete
	stTouch
	stAlive
	numStatements
)

// The column list, in the order Load and List scan it.
const columns = "user_name, data, created, accessed, expires, version"

// selectList returns the columns as d reads them, in the order of columns.
func selectList(d Dialect) string {
	ts, ok := d.(TimeSelector)
	if !ok {
		return columns
	}
	return "user_name, data, " + ts.SelectTime("created") + ", " + ts.SelectTime("accessed") + ", " + ts.SelectTime("expires") + ", version"
}

// Store is a [session.Store] in one SQL table. It is safe for concurrent
// use by many goroutines, and many processes on many hosts may share its
// table. Build it with [New].
type Store struct {
	db    *sqlx.DB
	d     Dialect
	names Names
	cfg   config
	name  string // error prefix
	cols  string // the columns as the dialect reads them

	// direct: the driver bounds its calls by their contexts, so the
	// request-time statements run on the caller's goroutine (see
	// boundedDrivers).
	direct bool
	// deadlines: the handle's driver is a DeadlineDriver, whose sockets
	// hold a call's deadline, so the request-time statements run on the
	// caller's goroutine and the driver under it watches no context.
	deadlines bool
	calls     sync.Pool // of *call

	sqlText [numStatements]string // rebound statement texts
	stmts   [numStatements]atomic.Pointer[sql.Stmt]
	preps   [numStatements]*prepCall // preparations in flight, under prepMu
	prepMu  sync.Mutex               // guards preps, storing and closing statements; never held across a call to the database

	closed      atomic.Bool
	closeOnce   sync.Once
	closeErr    error
	stopSweeper func() // stops the sweeper and waits for it
}

// DB is the database handle a store takes: the application's *sql.DB, or
// its *sqlx.DB.
type DB interface{ *sql.DB | *sqlx.DB }

// New returns a store keeping sessions in a table of db, with the SQL of
// dialect d. It neither touches the database nor creates the table: call
// [Store.Setup] once (at deployment, or at every start, as it is cheap when
// the schema is current), or pass [WithSetup] to have New call it. Until
// then, operations fail with an error wrapping [ErrNoTable] (for dialects
// that recognise a missing table). Statements are prepared on first use and kept by
// database/sql per connection, so each operation costs one round trip.
//
// Unless [WithSweepInterval] is 0, New starts a goroutine deleting expired
// rows; [Store.Close] stops it. db stays the application's: Close leaves it
// open (see [WithOwnDB]).
//
// db is a *sql.DB or a *sqlx.DB; the store keeps a *sqlx.DB (see
// [Store.DB]), wrapping a *sql.DB with the placeholder style of d.
//
// A bad option is an error wrapping [session.ErrInvalidConfig].
func New[H DB](handle H, d Dialect, opts ...Option) (*Store, error) {
	if d == nil {
		return nil, fmt.Errorf("sqlstore: new: %w: nil dialect", session.ErrInvalidConfig)
	}
	db := wrap(handle, d)
	if db == nil || db.DB == nil {
		return nil, fmt.Errorf("sqlstore: new: %w: nil database", session.ErrInvalidConfig)
	}
	cfg := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	name := d.Name()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("%s: new: %w", name, err)
	}
	names, err := namesFor(d, cfg.table)
	if err != nil {
		return nil, fmt.Errorf("%s: new: %w", name, err)
	}
	if cfg.logger == nil {
		cfg.logger = slog.Default()
	}
	s := &Store{db: db, d: d, names: names, cfg: cfg, name: name, cols: selectList(d), direct: boundsCalls(db.Driver()), deadlines: usesDeadlines(db.Driver())}
	t := names.Table
	sqls := [numStatements]string{
		stLoad:   "SELECT " + s.cols + " FROM " + t + " WHERE session_key = ? AND expires > ?",
		stInsert: d.InsertSQL("INSERT INTO " + t + " (session_key, user_name, data, created, accessed, expires, version) VALUES (?, ?, ?, ?, ?, ?, 1)"),
		stUpdate: "UPDATE " + t + " SET user_name = ?, data = ?, created = ?, accessed = ?, expires = ?, version = version + 1 WHERE session_key = ? AND version = ?",
		stDelete: "DELETE FROM " + t + " WHERE session_key = ?",
		stTouch:  "UPDATE " + t + " SET accessed = ?, expires = ? WHERE session_key = ? AND expires > ?",
		stAlive:  "SELECT 1 FROM " + t + " WHERE session_key = ? AND expires > ?",
	}
	for i, q := range sqls {
		s.sqlText[i] = s.rebind(q)
	}
	s.stopSweeper = session.StartSweeper(cfg.sweepInterval, s.sweep)
	if cfg.setupOnNew {
		if err := s.setupOnNew(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// rebind turns the engine's "?" placeholders into the dialect's.
func (s *Store) rebind(q string) string { return sqlx.Rebind(s.d.BindType(), q) }

// Names returns the names of the store's table, schema-version table and
// indexes.
func (s *Store) Names() Names { return s.names }

// DB returns the database handle the store uses.
func (s *Store) DB() *sqlx.DB { return s.db }

// Capabilities reports that the store is safe for goroutines, processes
// and hosts sharing the database, and durable.
func (s *Store) Capabilities() session.Capabilities {
	return session.Capabilities{Goroutines: true, Processes: true, Durable: true, Shared: true}
}

// Close stops the sweeper and closes the prepared statements; with
// [WithOwnDB] it closes the database handle too. Every method then returns
// an error wrapping [session.ErrClosed]. Close is idempotent.
//
// Close returns within the close timeout ([WithCloseTimeout]) even when the
// database does not answer: closing a statement or a connection may be a
// round trip. It does not wait for a preparation in flight, whose statement
// is closed when it arrives, nor for calls that other goroutines are making
// (they end with their contexts). When the timeout passes first, Close
// returns an error wrapping context.DeadlineExceeded and the closing goes
// on in the background.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		timer := time.NewTimer(s.cfg.closeTimeout)
		defer timer.Stop()
		done := make(chan error, 1)
		go func() {
			s.stopSweeper() // the sweeper's calls end with its context
			s.prepMu.Lock()
			var sts []*sql.Stmt
			for i := range s.stmts {
				if st := s.stmts[i].Swap(nil); st != nil {
					sts = append(sts, st)
				}
			}
			s.prepMu.Unlock()
			var errs []error
			for _, st := range sts {
				errs = append(errs, st.Close())
			}
			if s.cfg.ownDB {
				errs = append(errs, s.db.Close())
			}
			done <- errors.Join(errs...)
		}()
		var err error
		select {
		case err = <-done:
		case <-timer.C:
			err = fmt.Errorf("the database did not let go within %v, closing goes on in the background: %w", s.cfg.closeTimeout, context.DeadlineExceeded)
		}
		if err != nil {
			s.closeErr = fmt.Errorf("%s: close: %w", s.name, err)
		}
	})
	return s.closeErr
}

// begin checks what every method checks first: the store is open, the
// context live.
func (s *Store) begin(ctx context.Context, op string) error {
	if s.closed.Load() {
		return fmt.Errorf("%s: %s: %w", s.name, op, session.ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %s: %w", s.name, op, err)
	}
	return nil
}

// fail wraps err for operation op. An error caused by a concurrent Close
// (a statement closed under a running call) becomes ErrClosed.
func (s *Store) fail(op string, err error) error {
	if s.closed.Load() && !errors.Is(err, session.ErrClosed) {
		return fmt.Errorf("%s: %s: %w (%w)", s.name, op, session.ErrClosed, err)
	}
	if e := s.missingTable(op, err); e != nil {
		return e
	}
	return fmt.Errorf("%s: %s: %w", s.name, op, err)
}

// checkKey rejects a key that is not of the manager's shape.
func (s *Store) checkKey(op, key string) error {
	if !session.IsKey(key) {
		return fmt.Errorf("%s: %s: %w", s.name, op, session.ErrInvalidKey)
	}
	return nil
}
