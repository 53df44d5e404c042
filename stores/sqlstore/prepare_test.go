package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/session2/session2/core/session"
)

// stallConnector is a database whose Prepare blocks, ignoring every
// context, until release is closed: what lib/pq does while a server hangs.
// It counts the preparations and the statements closed.
type stallConnector struct {
	release          chan struct{}
	prepares, closes atomic.Int32
}

func (c *stallConnector) Connect(context.Context) (driver.Conn, error) { return stallConn{c}, nil }
func (c *stallConnector) Driver() driver.Driver                        { return nil }

type stallConn struct{ c *stallConnector }

func (s stallConn) Prepare(string) (driver.Stmt, error) {
	s.c.prepares.Add(1)
	<-s.c.release
	return stallStmt(s), nil
}
func (stallConn) Close() error              { return nil }
func (stallConn) Begin() (driver.Tx, error) { return nil, errors.New("no transactions here") }

type stallStmt struct{ c *stallConnector }

func (s stallStmt) Close() error                             { s.c.closes.Add(1); return nil }
func (stallStmt) NumInput() int                              { return -1 }
func (stallStmt) Exec([]driver.Value) (driver.Result, error) { return driver.RowsAffected(0), nil }
func (stallStmt) Query([]driver.Value) (driver.Rows, error)  { return noRows{}, nil }

type noRows struct{}

func (noRows) Columns() []string         { return strings.Split(columns, ", ") }
func (noRows) Close() error              { return nil }
func (noRows) Next([]driver.Value) error { return io.EOF }

func stalledStore(t *testing.T) (*Store, *stallConnector, func()) {
	t.Helper()
	c := &stallConnector{release: make(chan struct{})}
	db := sqlx.NewDb(sql.OpenDB(c), "test")
	s, err := New(db, testDialect{}, WithSweepInterval(0), WithCloseTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release := func() { once.Do(func() { close(c.release) }) }
	t.Cleanup(func() {
		release()
		s.Close()
		db.Close()
	})
	return s, c, release
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still not %s after 5s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestPrepareSingleFlight: one preparation per statement however many
// callers need it; callers waiting for it keep to their own deadlines; a
// leader whose context ends gives up the lead, the next caller leads a new
// preparation, and of the two statements that then arrive one is kept and
// the other closed.
func TestPrepareSingleFlight(t *testing.T) {
	s, c, release := stalledStore(t)
	key := strings.Repeat("a", 64)

	lctx, lcancel := context.WithCancel(context.Background())
	defer lcancel()
	leader := make(chan error, 1)
	go func() {
		_, err := s.Load(lctx, key)
		leader <- err
	}()
	waitFor(t, "preparing", func() bool { return c.prepares.Load() == 1 })

	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := s.Load(ctx, key)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("a waiter's Load: %v, want a deadline error", err)
			}
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("a waiter with a deadline of 100ms returned after %v", took)
			}
		}()
	}
	wg.Wait()
	if n := c.prepares.Load(); n != 1 {
		t.Errorf("%d preparations with one in flight, want 1", n)
	}

	lcancel()
	select {
	case err := <-leader:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("the leader's Load: %v, want context.Canceled", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the leader's Load did not return when its context ended")
	}

	next := make(chan error, 1)
	go func() {
		_, err := s.Load(context.Background(), key)
		next <- err
	}()
	waitFor(t, "preparing again", func() bool { return c.prepares.Load() == 2 })
	release()
	if err := <-next; !errors.Is(err, session.ErrNotFound) {
		t.Errorf("Load once the database answers: %v, want ErrNotFound", err)
	}
	waitFor(t, "closing the losing statement", func() bool { return c.closes.Load() == 1 })
	if _, err := s.Load(context.Background(), key); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("Load with the statement prepared: %v", err)
	}
}

// TestCloseDuringPrepare: Close does not wait for a preparation in
// flight; the statement that arrives afterwards is closed, and its caller
// told the store is closed.
func TestCloseDuringPrepare(t *testing.T) {
	s, c, release := stalledStore(t)
	key := strings.Repeat("b", 64)
	done := make(chan error, 1)
	go func() {
		_, err := s.Load(context.Background(), key)
		done <- err
	}()
	waitFor(t, "preparing", func() bool { return c.prepares.Load() == 1 })
	start := time.Now()
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("Close took %v with a preparation in flight", took)
	}
	release()
	if err := <-done; !errors.Is(err, session.ErrClosed) {
		t.Errorf("the Load in flight across Close: %v, want ErrClosed", err)
	}
	waitFor(t, "closing the late statement", func() bool { return c.closes.Load() == 1 })
}
