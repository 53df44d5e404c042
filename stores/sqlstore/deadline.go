package sqlstore

import (
	"context"
	"database/sql/driver"
	"errors"
	"net"
	"time"
)

// A DialFunc opens the network connection of a database connection, as
// github.com/lib/pq's DialerContext and github.com/go-sql-driver/mysql's
// Config.DialFunc do.
type DialFunc func(ctx context.Context, network, address string) (net.Conn, error)

// DeadlineDriver is a database/sql driver over another one, whose
// connections the store can hold to a deadline without a goroutine of its
// own: the store's calls set their context's deadline on the connection's
// socket, so a call blocked on a server that stopped answering ends at
// that deadline however the driver reacts to a context ending.
//
// postgresstore.Open and mysqlstore.Open build their *sql.DB on one. A
// store on such a handle runs its request-time statements (Load, Save,
// Touch, Delete) on the caller's goroutine, and the driver under it sees
// a context with the deadline but without its Done channel, so that it
// starts no watcher of its own: lib/pq then sends no cancel request and
// go-sql-driver/mysql does not close the connection when a request's
// context is cancelled before its deadline; the statement ends by the
// deadline at the latest, and a connection whose deadline passed
// mid-statement is discarded. Other calls on the same handle (the
// application's own queries) reach the driver as they would without the
// wrapper, with the socket's deadline cleared.
//
// The driver under it must dial through the DialFunc it is given and must
// not set deadlines on the connection itself.
type DeadlineDriver struct {
	connector func(dsn string, dial DialFunc) (driver.Connector, error)
}

// NewDeadlineDriver returns a DeadlineDriver whose connections come from
// the connectors that connector returns for a data source name, dialing
// with dial.
func NewDeadlineDriver(connector func(dsn string, dial DialFunc) (driver.Connector, error)) *DeadlineDriver {
	return &DeadlineDriver{connector: connector}
}

// Open opens one connection to dsn; database/sql uses OpenConnector.
func (d *DeadlineDriver) Open(dsn string) (driver.Conn, error) {
	c, err := d.OpenConnector(dsn)
	if err != nil {
		return nil, err
	}
	return c.Connect(context.Background())
}

// OpenConnector returns a connector of connections to dsn, for
// sql.OpenDB.
func (d *DeadlineDriver) OpenConnector(dsn string) (driver.Connector, error) {
	inner, err := d.connector(dsn, dialTracked)
	if err != nil {
		return nil, err
	}
	return &deadlineConnector{d: d, inner: inner}, nil
}

// usesDeadlines reports whether a handle's driver is a DeadlineDriver.
func usesDeadlines(d driver.Driver) bool {
	_, ok := d.(*DeadlineDriver)
	return ok
}

// dialSlot receives the network connection dialed for one Connect.
type dialSlot struct{ c net.Conn }

type dialSlotKey struct{}

// dialTracked dials address, hands the connection to the Connect that
// asked for it, and holds the connection's handshake to ctx's deadline.
func dialTracked(ctx context.Context, network, address string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	if slot, ok := ctx.Value(dialSlotKey{}).(*dialSlot); ok {
		slot.c = c
	}
	if dl, ok := ctx.Deadline(); ok {
		if err := c.SetDeadline(dl); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

type deadlineConnector struct {
	d     *DeadlineDriver
	inner driver.Connector
}

func (k *deadlineConnector) Driver() driver.Driver { return k.d }

func (k *deadlineConnector) Connect(ctx context.Context) (driver.Conn, error) {
	// The driver may watch the context it connects with from a goroutine
	// of its own: a store's call hands it the store's context's parent,
	// never the storeContext, whose quiet only the caller touches.
	base := ctx
	if sc, ok := ctx.(*storeContext); ok {
		base = sc.parent
	}
	slot := &dialSlot{}
	conn, err := k.inner.Connect(context.WithValue(base, dialSlotKey{}, slot))
	if err != nil {
		if dl, ok := base.Deadline(); ok && !time.Now().Before(dl) {
			// The handshake ran into the deadline dialTracked set.
			return nil, deadlineError{err}
		}
		return nil, err
	}
	if slot.c == nil {
		conn.Close()
		return nil, errors.New("sqlstore: DeadlineDriver: the driver did not dial through the DialFunc it was given")
	}
	c := &deadlineConn{inner: conn, nc: slot.c, dl: time.Unix(0, 1)} // dl: not what the socket holds, so use sets it
	c.use(ctx)
	return c, nil
}

// storeContext is the context a store's call hands database/sql on a
// DeadlineDriver's handle: its parent's, which tells the connection that
// the call is the store's own. Once the call reaches the connection,
// whose socket then holds the deadline, Done and Err answer nil (quiet),
// so that database/sql starts no goroutine to watch the rows of a query;
// a call that fails there is loud again, since database/sql may retry it
// on another connection and must then wait for one no longer than the
// parent allows. A storeContext serves one call.
type storeContext struct {
	parent context.Context
	quiet  bool
}

func (c *storeContext) Deadline() (time.Time, bool) { return c.parent.Deadline() }
func (c *storeContext) Value(key any) any           { return c.parent.Value(key) }

func (c *storeContext) Done() <-chan struct{} {
	if c.quiet {
		return nil
	}
	return c.parent.Done()
}

func (c *storeContext) Err() error {
	if c.quiet {
		return nil
	}
	return c.parent.Err()
}

// failed makes c loud again after a failed call; c may be nil.
func (c *storeContext) failed(err error) {
	if c != nil && err != nil {
		c.quiet = false
	}
}

// deadlineOnly is a context with its parent's deadline and values, but
// never done: the driver under a deadlineConn gets it for a store's call,
// whose deadline the socket holds.
type deadlineOnly struct{ parent context.Context }

func (c *deadlineOnly) Deadline() (time.Time, bool) { return c.parent.Deadline() }
func (c *deadlineOnly) Done() <-chan struct{}       { return nil }
func (c *deadlineOnly) Err() error                  { return nil }
func (c *deadlineOnly) Value(key any) any           { return c.parent.Value(key) }

// deadlineConn is a connection of a DeadlineDriver. database/sql uses a
// connection from one goroutine at a time.
type deadlineConn struct {
	inner driver.Conn
	nc    net.Conn
	dl    time.Time // the deadline the socket holds
	dctx  deadlineOnly
}

// use readies the connection for a call on ctx and returns the context to
// hand the driver, and the store's context when the call is the store's
// own (see storeContext). For a store's call with a deadline, the socket
// holds that deadline and the driver gets the deadline alone; otherwise
// the socket holds none and the driver gets ctx.
func (c *deadlineConn) use(ctx context.Context) (context.Context, *storeContext) {
	var dl time.Time
	sc, own := ctx.(*storeContext)
	if own {
		dl, own = sc.parent.Deadline()
	}
	if !dl.Equal(c.dl) {
		// An error here is the socket's, closed already: the call fails.
		_ = c.nc.SetDeadline(dl)
		c.dl = dl
	}
	if !own {
		return ctx, nil
	}
	sc.quiet = true
	c.dctx.parent = sc.parent
	return &c.dctx, sc
}

// Unwrap returns the driver's own connection, for sql.Conn.Raw.
func (c *deadlineConn) Unwrap() driver.Conn { return c.inner }

func (c *deadlineConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *deadlineConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	dctx, sc := c.use(ctx)
	var st driver.Stmt
	var err error
	if p, ok := c.inner.(driver.ConnPrepareContext); ok {
		st, err = p.PrepareContext(dctx, query)
	} else {
		st, err = c.inner.Prepare(query)
	}
	if err != nil {
		sc.failed(err)
		return nil, err
	}
	return &deadlineStmt{inner: st, c: c}, nil
}

func (c *deadlineConn) Close() error { return c.inner.Close() }

func (c *deadlineConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *deadlineConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	// A transaction outlives this call: the driver watches its context.
	c.use(context.Background())
	if b, ok := c.inner.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	return c.inner.Begin() //nolint:staticcheck // the fallback database/sql uses too
}

func (c *deadlineConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	e, ok := c.inner.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	dctx, sc := c.use(ctx)
	res, err := e.ExecContext(dctx, query, args)
	sc.failed(err)
	return res, err
}

func (c *deadlineConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := c.inner.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	dctx, sc := c.use(ctx)
	rows, err := q.QueryContext(dctx, query, args)
	sc.failed(err)
	return rows, err
}

func (c *deadlineConn) Ping(ctx context.Context) error {
	if p, ok := c.inner.(driver.Pinger); ok {
		dctx, sc := c.use(ctx)
		err := p.Ping(dctx)
		sc.failed(err)
		return err
	}
	return nil
}

func (c *deadlineConn) ResetSession(ctx context.Context) error {
	if r, ok := c.inner.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *deadlineConn) IsValid() bool {
	if v, ok := c.inner.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *deadlineConn) CheckNamedValue(nv *driver.NamedValue) error {
	if k, ok := c.inner.(driver.NamedValueChecker); ok {
		return k.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

// deadlineStmt is a prepared statement of a deadlineConn.
type deadlineStmt struct {
	inner driver.Stmt
	c     *deadlineConn
}

func (s *deadlineStmt) Close() error  { return s.inner.Close() }
func (s *deadlineStmt) NumInput() int { return s.inner.NumInput() }

func (s *deadlineStmt) Exec(args []driver.Value) (driver.Result, error) {
	s.c.use(context.Background())
	return s.inner.Exec(args) //nolint:staticcheck // database/sql's own fallback
}

func (s *deadlineStmt) Query(args []driver.Value) (driver.Rows, error) {
	s.c.use(context.Background())
	return s.inner.Query(args) //nolint:staticcheck // database/sql's own fallback
}

func (s *deadlineStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	dctx, sc := s.c.use(ctx)
	var res driver.Result
	var err error
	if e, ok := s.inner.(driver.StmtExecContext); ok {
		res, err = e.ExecContext(dctx, args)
	} else {
		var vals []driver.Value
		if vals, err = namedValues(args); err == nil {
			res, err = s.inner.Exec(vals) //nolint:staticcheck // database/sql's own fallback
		}
	}
	sc.failed(err)
	return res, err
}

func (s *deadlineStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	dctx, sc := s.c.use(ctx)
	var rows driver.Rows
	var err error
	if q, ok := s.inner.(driver.StmtQueryContext); ok {
		rows, err = q.QueryContext(dctx, args)
	} else {
		var vals []driver.Value
		if vals, err = namedValues(args); err == nil {
			rows, err = s.inner.Query(vals) //nolint:staticcheck // database/sql's own fallback
		}
	}
	sc.failed(err)
	return rows, err
}

func (s *deadlineStmt) CheckNamedValue(nv *driver.NamedValue) error {
	if k, ok := s.inner.(driver.NamedValueChecker); ok {
		return k.CheckNamedValue(nv)
	}
	return s.c.CheckNamedValue(nv)
}

// namedValues turns positional arguments into a driver's values, as
// database/sql does for a driver without the context methods.
func namedValues(args []driver.NamedValue) ([]driver.Value, error) {
	vals := make([]driver.Value, len(args))
	for i, a := range args {
		if a.Name != "" {
			return nil, errors.New("sqlstore: the driver does not support named parameters")
		}
		vals[i] = a.Value
	}
	return vals, nil
}

// deadlineError reports a store's call that failed because its deadline
// passed on the socket: it is context.DeadlineExceeded, wrapping the
// driver's error.
type deadlineError struct{ err error }

func (e deadlineError) Error() string        { return "context deadline exceeded: " + e.err.Error() }
func (e deadlineError) Unwrap() error        { return e.err }
func (e deadlineError) Is(target error) bool { return target == context.DeadlineExceeded }
