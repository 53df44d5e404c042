package sqlstoretest

import (
	"context"
	"database/sql/driver"
	"strings"
	"sync"
	"sync/atomic"
)

// recentStatements is how many executed statements a Counter remembers
// for [Counter.Last].
const recentStatements = 64

// Counter counts what database/sql asks of a driver: statements executed
// (each Exec or Query, on a connection or a prepared statement) and
// statements prepared. It also remembers the last few statements executed,
// with their arguments, for tests that look at what a store ran (an EXPLAIN
// of its own DELETE, say). Wrap a driver with [Counter.Connector] and open
// the database with sql.OpenDB. A Counter is safe for concurrent use.
type Counter struct {
	statements atomic.Int64
	prepares   atomic.Int64

	mu     sync.Mutex
	recent []statement // the last recentStatements executed, oldest first
}

// statement is one executed statement and its arguments.
type statement struct {
	query string
	args  []any
}

// Last returns the newest remembered statement whose text starts with
// prefix, and its arguments; "" when there is none.
func (c *Counter) Last(prefix string) (query string, args []any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(c.recent) - 1; i >= 0; i-- {
		if strings.HasPrefix(c.recent[i].query, prefix) {
			return c.recent[i].query, c.recent[i].args
		}
	}
	return "", nil
}

// Forget drops the remembered statements; the counts stay.
func (c *Counter) Forget() {
	c.mu.Lock()
	c.recent = nil
	c.mu.Unlock()
}

// executed counts a statement and remembers it.
func (c *Counter) executed(query string, args []driver.NamedValue) {
	c.statements.Add(1)
	vals := make([]any, len(args))
	for i, a := range args {
		vals[i] = a.Value
	}
	c.mu.Lock()
	if len(c.recent) == recentStatements {
		c.recent = append(c.recent[:0], c.recent[1:]...)
	}
	c.recent = append(c.recent, statement{query, vals})
	c.mu.Unlock()
}

// Statements returns how many statements were executed so far.
func (c *Counter) Statements() int64 { return c.statements.Load() }

// Prepares returns how many statements were prepared so far.
func (c *Counter) Prepares() int64 { return c.prepares.Load() }

// Connector returns a connector that opens connections of d to dsn and
// counts into c.
func (c *Counter) Connector(d driver.Driver, dsn string) driver.Connector {
	k := &connector{d: d, dsn: dsn, c: c}
	if dc, ok := d.(driver.DriverContext); ok {
		k.inner, k.innerErr = dc.OpenConnector(dsn)
	}
	return k
}

type connector struct {
	d        driver.Driver
	dsn      string
	c        *Counter
	inner    driver.Connector
	innerErr error
}

func (k *connector) Connect(ctx context.Context) (driver.Conn, error) {
	var conn driver.Conn
	var err error
	switch {
	case k.innerErr != nil:
		return nil, k.innerErr
	case k.inner != nil:
		conn, err = k.inner.Connect(ctx)
	default:
		conn, err = k.d.Open(k.dsn)
	}
	if err != nil {
		return nil, err
	}
	return &conn2{Conn: conn, c: k.c}, nil
}

func (k *connector) Driver() driver.Driver { return k.d }

// conn2 wraps a driver connection, counting.
type conn2 struct {
	driver.Conn
	c *Counter
}

func (w *conn2) Prepare(query string) (driver.Stmt, error) {
	return w.PrepareContext(context.Background(), query)
}

func (w *conn2) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	var st driver.Stmt
	var err error
	if p, ok := w.Conn.(driver.ConnPrepareContext); ok {
		st, err = p.PrepareContext(ctx, query)
	} else {
		st, err = w.Conn.Prepare(query)
	}
	if err != nil {
		return nil, err
	}
	w.c.prepares.Add(1)
	return &stmt2{Stmt: st, c: w.c, query: query}, nil
}

func (w *conn2) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := w.Conn.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	return w.Conn.Begin() //nolint:staticcheck // the fallback database/sql uses too
}

func (w *conn2) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	e, ok := w.Conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	res, err := e.ExecContext(ctx, query, args)
	if err != driver.ErrSkip {
		w.c.executed(query, args)
	}
	return res, err
}

func (w *conn2) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := w.Conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	rows, err := q.QueryContext(ctx, query, args)
	if err != driver.ErrSkip {
		w.c.executed(query, args)
	}
	return rows, err
}

func (w *conn2) Ping(ctx context.Context) error {
	if p, ok := w.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (w *conn2) ResetSession(ctx context.Context) error {
	if r, ok := w.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (w *conn2) IsValid() bool {
	if v, ok := w.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (w *conn2) CheckNamedValue(nv *driver.NamedValue) error {
	if c, ok := w.Conn.(driver.NamedValueChecker); ok {
		return c.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

// stmt2 wraps a prepared statement, counting its executions.
type stmt2 struct {
	driver.Stmt
	c     *Counter
	query string
}

func (s *stmt2) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	s.c.executed(s.query, args)
	if e, ok := s.Stmt.(driver.StmtExecContext); ok {
		return e.ExecContext(ctx, args)
	}
	return s.Stmt.Exec(values(args)) //nolint:staticcheck // the fallback database/sql uses too
}

func (s *stmt2) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.c.executed(s.query, args)
	if q, ok := s.Stmt.(driver.StmtQueryContext); ok {
		return q.QueryContext(ctx, args)
	}
	return s.Stmt.Query(values(args)) //nolint:staticcheck // the fallback database/sql uses too
}

func (s *stmt2) CheckNamedValue(nv *driver.NamedValue) error {
	if c, ok := s.Stmt.(driver.NamedValueChecker); ok {
		return c.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

func values(args []driver.NamedValue) []driver.Value {
	v := make([]driver.Value, len(args))
	for i, a := range args {
		v[i] = a.Value
	}
	return v
}
