package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"reflect"
	"time"

	"github.com/session2/session2/core/session"
)

// boundedDrivers are the import paths of drivers known to end a call
// blocked on a server that stopped answering once the call's context ends,
// so that a store needs no goroutine of its own to bound the call.
//
// go-sql-driver/mysql hands the context of every query, execution and
// preparation to a watcher goroutine of the connection, which closes the
// network connection when the context ends: a read waiting for a hung
// server fails at once with the context's error. github.com/lib/pq is not
// here: when the context ends it dials the server again to send a cancel
// request and leaves the first connection blocked in its read, so against
// a server that answers nothing the call would wait for the kernel's TCP
// timeout. The kit's hung-server tests (sqlstoretest, Hang and
// HangIdleConn) hold both drivers to their contexts' deadlines; the second
// fails when lib/pq is added here.
var boundedDrivers = map[string]bool{
	"github.com/go-sql-driver/mysql": true,
}

// boundsCalls reports whether d is one of boundedDrivers.
func boundsCalls(d driver.Driver) bool {
	if d == nil {
		return false
	}
	t := reflect.TypeOf(d)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return boundedDrivers[t.PkgPath()]
}

// maxArgs is the most parameters a statement run through a call takes
// (the UPDATE of Save).
const maxArgs = 7

// A call is one statement of a request-time operation (Load, Save, Touch,
// Delete): its arguments, its result, and for Load the row's destinations.
// Calls are pooled per store and reused, so that running a statement
// allocates neither a closure, nor a result channel, nor a slice of
// destinations. A call abandoned because its context ended is left to the
// goroutine still running it and never returns to the pool.
type call struct {
	ctx   context.Context
	st    *sql.Stmt
	query bool // QueryRow and scan the record's columns, rather than Exec
	args  [maxArgs]any
	nargs int

	res sql.Result
	err error
	row recordDest

	done chan struct{} // one send when run on the caller pool finishes
}

// run runs the statement and reports it done; the caller pool calls it.
func (c *call) run() {
	c.exec()
	c.done <- struct{}{}
}

// exec runs the statement, keeping its outcome in c.
func (c *call) exec() {
	args := c.args[:c.nargs]
	if c.query {
		c.err = c.st.QueryRowContext(c.ctx, args...).Scan(c.row.dest[1:]...)
		return
	}
	c.res, c.err = c.st.ExecContext(c.ctx, args...)
}

// newCall returns a call of s for the statement st with args.
func (s *Store) newCall(ctx context.Context, st *sql.Stmt, query bool, args ...any) *call {
	c, _ := s.calls.Get().(*call)
	if c == nil {
		c = &call{done: make(chan struct{}, 1)}
		c.row.bind(s.d)
	}
	c.ctx, c.st, c.query = ctx, st, query
	c.nargs = copy(c.args[:], args)
	return c
}

// do runs c and reports whether it finished; when it did not (ctx ended
// first), c belongs to the goroutine still running it and the caller must
// not touch it again, and the error is ctx's.
//
// On a DeadlineDriver's handle, when ctx has a deadline, the statement
// runs on the caller's goroutine with the deadline on the connection's
// socket, and a failure once the deadline passed is reported as
// context.DeadlineExceeded. With a driver that bounds its own calls (see
// boundedDrivers), the statement runs on the caller's goroutine too.
// Otherwise it runs on the caller pool, as await's functions do, and do
// waits for it or for ctx.
func (s *Store) do(ctx context.Context, c *call) (finished bool, err error) {
	if s.deadlines {
		if dl, ok := ctx.Deadline(); ok {
			c.ctx = &storeContext{parent: ctx}
			c.exec()
			if c.err != nil && !time.Now().Before(dl) {
				return true, deadlineError{c.err}
			}
			return true, c.err
		}
	}
	if s.direct || ctx.Done() == nil {
		c.exec()
		return true, c.err
	}
	callers.run(c)
	select {
	case <-c.done:
		return true, c.err
	case <-ctx.Done():
		select {
		case <-c.done: // finished as ctx ended: the result stands
			return true, c.err
		default:
		}
		return false, ctx.Err()
	}
}

// release returns a finished call to the pool, dropping what it holds.
func (s *Store) release(c *call) {
	c.ctx, c.st, c.res, c.err = nil, nil, nil, nil
	clear(c.args[:c.nargs])
	c.nargs = 0
	c.row.reset()
	s.calls.Put(c)
}

// exec runs st with args through a pooled call and returns its result.
func (s *Store) exec(ctx context.Context, st *sql.Stmt, args ...any) (sql.Result, error) {
	c := s.newCall(ctx, st, false, args...)
	finished, err := s.do(ctx, c)
	if !finished {
		return nil, err
	}
	res := c.res
	s.release(c)
	return res, err
}

// queryRecord runs the query st with args, which reads one row of the
// columns, and returns the record it holds; sql.ErrNoRows when there is
// none.
func (s *Store) queryRecord(ctx context.Context, st *sql.Stmt, args ...any) (session.Record, error) {
	c := s.newCall(ctx, st, true, args...)
	finished, err := s.do(ctx, c)
	if !finished {
		return session.Record{}, err
	}
	var rec session.Record
	if err == nil {
		rec, err = c.row.record()
	}
	s.release(c)
	return rec, err
}

// recordDest holds the destinations of one row of the columns, preceded
// by the key when List reads it: dest[1:] scans a Load's row, dest a
// List's.
type recordDest struct {
	key     string
	rec     session.Record
	data    []byte
	version int64
	times   [3]timeScanner
	dest    [7]any
}

// bind points the destinations at r's fields, times through d.
func (r *recordDest) bind(d Dialect) {
	r.times = [3]timeScanner{{d, &r.rec.Created}, {d, &r.rec.Accessed}, {d, &r.rec.Expires}}
	r.dest = [7]any{&r.key, &r.rec.User, &r.data, &r.times[0], &r.times[1], &r.times[2], &r.version}
}

// record returns the record scanned, checked.
func (r *recordDest) record() (session.Record, error) {
	if r.version < 0 {
		return session.Record{}, fmt.Errorf("corrupt row: negative version %d", r.version)
	}
	rec := r.rec
	rec.Data, rec.Version = r.data, uint64(r.version)
	if rec.Data == nil {
		rec.Data = []byte{}
	}
	return rec, nil
}

// reset drops what the last row left, keeping the bindings.
func (r *recordDest) reset() {
	r.key, r.rec, r.data, r.version = "", session.Record{}, nil, 0
}
