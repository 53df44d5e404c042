package sqlstore

import (
	"bufio"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
)

// lineServer is a TCP server of a line protocol for the DeadlineDriver's
// tests: it greets each connection with "hello" (unless mute), then
// answers each line with "ok", except "hang", which it never answers,
// and "slow", which it answers after 150ms.
type lineServer struct {
	ln   net.Listener
	mute bool
	stop chan struct{}
}

func newLineServer(t *testing.T, mute bool) *lineServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &lineServer{ln: ln, mute: mute, stop: make(chan struct{})}
	var wg sync.WaitGroup
	t.Cleanup(func() { close(s.stop); ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				go func() { <-s.stop; c.Close() }()
				s.serve(c)
			}()
		}
	}()
	return s
}

func (s *lineServer) serve(c net.Conn) {
	if s.mute {
		<-s.stop
		return
	}
	if _, err := io.WriteString(c, "hello\n"); err != nil {
		return
	}
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		switch strings.TrimSpace(line) {
		case "hang":
			<-s.stop
			return
		case "slow":
			time.Sleep(150 * time.Millisecond)
		}
		if _, err := io.WriteString(c, "ok\n"); err != nil {
			return
		}
	}
}

// lineDriver is a driver of the line protocol; seen records the context
// of every statement it runs.
type lineDriver struct {
	addr string
	mu   sync.Mutex
	seen []context.Context
	conn context.Context // the context of the last Connect
}

func (d *lineDriver) deadlineDriver() *DeadlineDriver {
	return NewDeadlineDriver(func(dsn string, dial DialFunc) (driver.Connector, error) {
		return &lineConnector{d: d, dial: dial}, nil
	})
}

func (d *lineDriver) lastContext() context.Context {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.seen) == 0 {
		return nil
	}
	return d.seen[len(d.seen)-1]
}

type lineConnector struct {
	d    *lineDriver
	dial DialFunc
}

func (k *lineConnector) Driver() driver.Driver { return nil }

func (k *lineConnector) Connect(ctx context.Context) (driver.Conn, error) {
	k.d.mu.Lock()
	k.d.conn = ctx
	k.d.mu.Unlock()
	nc, err := k.dial(ctx, "tcp", k.d.addr)
	if err != nil {
		return nil, err
	}
	c := &lineConn{d: k.d, nc: nc, r: bufio.NewReader(nc)}
	if _, err := c.r.ReadString('\n'); err != nil { // the greeting
		nc.Close()
		return nil, err
	}
	return c, nil
}

type lineConn struct {
	d   *lineDriver
	nc  net.Conn
	r   *bufio.Reader
	bad bool
}

func (c *lineConn) Prepare(query string) (driver.Stmt, error) { return &lineStmt{c: c, q: query}, nil }
func (c *lineConn) Close() error                              { return c.nc.Close() }
func (c *lineConn) Begin() (driver.Tx, error)                 { return nil, errors.New("no transactions") }
func (c *lineConn) IsValid() bool                             { return !c.bad }

func (c *lineConn) roundTrip(ctx context.Context, q string) (string, error) {
	c.d.mu.Lock()
	c.d.seen = append(c.d.seen, ctx)
	c.d.mu.Unlock()
	if _, err := io.WriteString(c.nc, q+"\n"); err != nil {
		c.bad = true
		return "", err
	}
	line, err := c.r.ReadString('\n')
	if err != nil {
		c.bad = true
		return "", err
	}
	return strings.TrimSpace(line), nil
}

type lineStmt struct {
	c *lineConn
	q string
}

func (s *lineStmt) Close() error  { return nil }
func (s *lineStmt) NumInput() int { return -1 }

func (s *lineStmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), nil)
}

func (s *lineStmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), nil)
}

func (s *lineStmt) ExecContext(ctx context.Context, _ []driver.NamedValue) (driver.Result, error) {
	if _, err := s.c.roundTrip(ctx, s.q); err != nil {
		return nil, err
	}
	return driver.RowsAffected(1), nil
}

func (s *lineStmt) QueryContext(ctx context.Context, _ []driver.NamedValue) (driver.Rows, error) {
	line, err := s.c.roundTrip(ctx, s.q)
	if err != nil {
		return nil, err
	}
	return &lineRows{line: line}, nil
}

type lineRows struct {
	line string
	done bool
}

func (r *lineRows) Columns() []string { return []string{"v"} }
func (r *lineRows) Close() error      { return nil }
func (r *lineRows) Next(dest []driver.Value) error {
	if r.done {
		return io.EOF
	}
	r.done = true
	dest[0] = r.line
	return nil
}

// lineStore returns a store on a DeadlineDriver's handle of one connection
// to a line server, and the driver under it.
func lineStore(t *testing.T, mute bool) (*Store, *sql.DB, *lineDriver) {
	t.Helper()
	srv := newLineServer(t, mute)
	d := &lineDriver{addr: srv.ln.Addr().String()}
	c, err := d.deadlineDriver().OpenConnector("")
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	s, err := New(sqlx.NewDb(db, "test"), testDialect{}, WithSweepInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if !s.deadlines {
		t.Fatal("a store on a DeadlineDriver's handle does not know it")
	}
	return s, db, d
}

// runLine runs query through the store's call path, as Save's
// statements do.
func (s *Store) runLine(ctx context.Context, db *sql.DB, query string) error {
	st, err := db.Prepare(query)
	if err != nil {
		return err
	}
	defer st.Close()
	_, err = s.exec(ctx, st)
	return err
}

// A store's call that the server never answers ends at its deadline, on
// the caller's goroutine, as a deadline error; the driver saw the
// deadline but no Done channel, and the handle works again afterwards on
// a new connection.
func TestDeadlineDriverEndsHungCall(t *testing.T) {
	s, db, d := lineStore(t, false)
	const bound = 200 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	start := time.Now()
	err := s.runLine(ctx, db, "hang")
	took := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a hung call: %v, want a deadline error", err)
	}
	if took > bound+2*time.Second {
		t.Fatalf("a hung call took %v with a deadline of %v", took, bound)
	}
	seen := d.lastContext()
	want, _ := ctx.Deadline()
	if dl, ok := seen.Deadline(); !ok || !dl.Equal(want) {
		t.Errorf("the driver saw deadline %v, %v; want %v", dl, ok, want)
	}
	if seen.Done() != nil {
		t.Error("the driver saw a Done channel on a store's call: it would start a watcher")
	}

	if err := s.runLine(context.Background(), db, "ping"); err != nil {
		t.Fatalf("after the hung call: %v", err)
	}
}

// The deadline of a store's call does not outlive it: a statement of the
// application's on the same connection, after that deadline passed, runs
// as long as it needs, and reaches the driver with its own context.
func TestDeadlineDriverLeavesOtherCalls(t *testing.T) {
	s, db, d := lineStore(t, false)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := s.runLine(ctx, db, "ping"); err != nil {
		t.Fatal(err)
	}
	<-ctx.Done()
	app, stop := context.WithCancel(context.Background())
	defer stop()
	if _, err := db.ExecContext(app, "slow"); err != nil {
		t.Fatalf("the application's statement after a store's deadline passed: %v", err)
	}
	if d.lastContext().Done() == nil {
		t.Error("the application's statement reached the driver without its context's Done")
	}
	// A store's call on a context without a deadline is not the socket's.
	if err := s.runLine(app, db, "slow"); err != nil {
		t.Fatalf("a store's call without a deadline: %v", err)
	}
}

// A connection whose handshake the server never answers fails at the
// deadline of the call that opened it, as a deadline error.
func TestDeadlineDriverBoundsHandshake(t *testing.T) {
	_, db, _ := lineStore(t, true)
	const bound = 200 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	start := time.Now()
	_, err := db.ExecContext(&storeContext{parent: ctx}, "ping")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a call whose connection never greets: %v, want a deadline error", err)
	}
	if took := time.Since(start); took > bound+2*time.Second {
		t.Fatalf("took %v with a deadline of %v", took, bound)
	}
}

// A store's call that opens a connection hands the driver's Connect the
// call's own context, which the driver may watch from a goroutine of its
// own, never the storeContext, which goes quiet.
func TestDeadlineDriverConnectsWithCallContext(t *testing.T) {
	_, db, d := lineStore(t, false)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := db.ExecContext(&storeContext{parent: ctx}, "ping"); err != nil {
		t.Fatal(err)
	}
	d.mu.Lock()
	conn := d.conn
	d.mu.Unlock()
	if conn == nil || conn.Done() != ctx.Done() {
		t.Fatal("the driver connected with a context other than the call's")
	}
}

// storeContext is quiet once its call reached the connection, and loud
// again when the call failed there.
func TestStoreContextQuiet(t *testing.T) {
	parent, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sc := &storeContext{parent: parent}
	if sc.Done() != parent.Done() {
		t.Fatal("a fresh storeContext hides its parent's Done")
	}
	srv := newLineServer(t, false)
	nc, err := net.Dial("tcp", srv.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	c := &deadlineConn{nc: nc}
	dctx, own := c.use(sc)
	if own != sc || sc.Done() != nil || sc.Err() != nil {
		t.Fatal("a store's call that reached the connection is not quiet")
	}
	if dctx.Done() != nil {
		t.Fatal("the driver's context has a Done channel")
	}
	sc.failed(nil)
	if sc.Done() != nil {
		t.Fatal("a call that succeeded made its context loud")
	}
	sc.failed(errors.New("boom"))
	if sc.Done() != parent.Done() {
		t.Fatal("a failed call left its context quiet: database/sql's retry would wait for a connection unbounded")
	}
	// Another context passes through, with the socket's deadline cleared.
	if got, own := c.use(parent); got != parent || own != nil || !c.dl.IsZero() {
		t.Fatalf("an application's context: %v, %v, deadline %v", got, own, c.dl)
	}
}

// A driver that does not dial through the DialFunc it is given is refused:
// the store could not hold its calls to their deadlines.
func TestDeadlineDriverNeedsItsDialer(t *testing.T) {
	srv := newLineServer(t, false)
	dd := NewDeadlineDriver(func(dsn string, _ DialFunc) (driver.Connector, error) {
		var d net.Dialer
		return &lineConnector{d: &lineDriver{addr: srv.ln.Addr().String()}, dial: d.DialContext}, nil
	})
	c, err := dd.OpenConnector("")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Connect(context.Background()); err == nil || !strings.Contains(err.Error(), "DialFunc") {
		t.Fatalf("Connect: %v, want an error naming the DialFunc", err)
	}
	if !usesDeadlines(c.Driver()) || usesDeadlines(nil) {
		t.Fatal("usesDeadlines does not tell a DeadlineDriver")
	}
}

// Open makes lineDriver a database/sql driver, dialing directly.
func (d *lineDriver) Open(string) (driver.Conn, error) {
	var nd net.Dialer
	return (&lineConnector{d: d, dial: nd.DialContext}).Connect(context.Background())
}

// lineDialect is testDialect with a DeadlineDriver over lineDriver.
type lineDialect struct {
	testDialect
	over *DeadlineDriver
}

func (l lineDialect) DeadlineDriver(d driver.Driver) *DeadlineDriver {
	if _, ok := d.(*lineDriver); ok {
		return l.over
	}
	return nil
}

var lineDrivers atomic.Int64

// OpenDB, as a store URL does, opens the database through the dialect's
// DeadlineDriver when the driver registered under the name is the one it
// is over, and through that driver otherwise.
func TestOpenDBUsesDeadlineDriver(t *testing.T) {
	srv := newLineServer(t, false)
	d := &lineDriver{addr: srv.ln.Addr().String()}
	name := fmt.Sprintf("sqlstore-line-%d", lineDrivers.Add(1))
	sql.Register(name, d)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	over := d.deadlineDriver()
	for _, c := range []struct {
		dialect Dialect
		want    driver.Driver
	}{
		{lineDialect{over: over}, over},
		{testDialect{}, d},
	} {
		s, err := OpenDB(ctx, name, "", c.dialect, WithSweepInterval(0))
		if err != nil {
			t.Fatal(err)
		}
		if got := s.DB().Driver(); got != c.want || s.deadlines != (c.want == over) {
			t.Errorf("%T: the store's handle is on %T (deadlines %v), want %T", c.dialect, got, s.deadlines, c.want)
		}
		s.Close()
	}
}
