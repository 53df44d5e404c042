package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/session2/session2/core/session"
)

// await runs f, which makes the calls of one operation to the database,
// and returns its result, or the error of ctx as soon as ctx ends,
// whichever comes first.
//
// database/sql honours a context while it waits for a connection, but a
// driver blocked reading an answer may not: github.com/lib/pq, asked to
// cancel, sends the server a cancel request and keeps waiting for the
// answer, so a server that hangs (a network partition, a stuck failover)
// would hold the caller for ever. await bounds every call by its context
// whatever the driver does. An abandoned f goes on in the background until
// the driver gives up or the server answers; its connection is then
// discarded or returned to the pool as usual. Its results are dropped: an
// operation reported as failed may still take effect, as when a connection
// breaks after the server committed, but one reported as done always did.
func await[T any](ctx context.Context, f func() (T, error)) (T, error) {
	if ctx.Done() == nil {
		return f()
	}
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	callers.run(funcJob(func() {
		v, err := f()
		ch <- result{v, err}
	}))
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		select {
		case r := <-ch: // finished as ctx ended: the result stands
			return r.v, r.err
		default:
		}
		var zero T
		return zero, ctx.Err()
	}
}

// A job is what the caller pool runs.
type job interface{ run() }

// funcJob is a function as a job.
type funcJob func()

func (f funcJob) run() { f() }

// callers runs the calls of await and of Store.do.
var callers = &callerPool{work: make(chan job)}

// callerIdle is how long an idle caller goroutine waits for another call
// before it exits.
const callerIdle = 5 * time.Second

// callerPool runs functions on goroutines that outlive one call. A new
// goroutine per call would pay, on every call, for its start and for
// growing its stack from the minimum to the depth of a driver's query,
// which under 32 concurrent requests cost about 7% of the CPU (copystack).
// A function is handed to an idle goroutine when one waits, else to a new
// one, so calls never queue behind each other; a goroutine idle for
// callerIdle exits, so the pool follows the peak of concurrent calls and
// holds no goroutine once the calls stop.
type callerPool struct {
	work chan job // unbuffered: taken only by a goroutine waiting for it
}

// run runs j on a goroutine of the pool.
func (p *callerPool) run(j job) {
	select {
	case p.work <- j:
	default:
		go p.serve(j)
	}
}

// serve runs j, then the jobs handed to it, until none comes for
// callerIdle.
func (p *callerPool) serve(j job) {
	j.run()
	idle := time.NewTimer(callerIdle)
	defer idle.Stop()
	for {
		select {
		case j := <-p.work:
			j.run()
			idle.Reset(callerIdle)
		case <-idle.C:
			return
		}
	}
}

// prepCall is one preparation of a statement, which other callers needing
// the statement wait for.
type prepCall struct {
	done chan struct{} // closed when the leader has its answer
	err  error         // the leader's error, set before done closes
}

// stmt returns the prepared statement i, preparing it on first use.
//
// Preparing is a network call, made without holding prepMu: the first
// caller leads one preparation per statement and the others wait for it,
// each for as long as its own context allows. A leader whose context ends
// gives up the lead (waiters then lead a new preparation); its preparation
// goes on in the background, and if it succeeds after another stored the
// statement, or after Close, its statement is closed. A failed preparation
// (the table does not exist yet, the database is down) is reported to the
// waiters and retried by the next call.
func (s *Store) stmt(ctx context.Context, i int) (*sql.Stmt, error) {
	for {
		if st := s.stmts[i].Load(); st != nil {
			return st, nil
		}
		s.prepMu.Lock()
		if s.closed.Load() {
			s.prepMu.Unlock()
			return nil, session.ErrClosed
		}
		if st := s.stmts[i].Load(); st != nil {
			s.prepMu.Unlock()
			return st, nil
		}
		c := s.preps[i]
		if c == nil {
			c = &prepCall{done: make(chan struct{})}
			s.preps[i] = c
			s.prepMu.Unlock()
			return s.prepare(ctx, i, c)
		}
		s.prepMu.Unlock()
		select {
		case <-c.done:
			if c.err != nil && !errors.Is(c.err, context.Canceled) && !errors.Is(c.err, context.DeadlineExceeded) {
				return nil, c.err
			}
			// Stored, or the leader's context ended first: look again.
		case <-ctx.Done():
			return nil, fmt.Errorf("prepare: %w", ctx.Err())
		}
	}
}

// prepare leads the preparation c of statement i.
func (s *Store) prepare(ctx context.Context, i int, c *prepCall) (*sql.Stmt, error) {
	st, err := await(ctx, func() (*sql.Stmt, error) {
		st, err := s.db.PrepareContext(ctx, s.sqlText[i])
		if err != nil {
			return nil, err
		}
		return s.keep(i, st)
	})
	if err != nil {
		err = fmt.Errorf("prepare: %w", err)
	}
	s.prepMu.Lock()
	if s.preps[i] == c {
		s.preps[i] = nil
	}
	c.err = err
	s.prepMu.Unlock()
	close(c.done)
	return st, err
}

// keep stores st as statement i and returns it. When the store was closed
// meanwhile, or another preparation stored the statement first (after this
// one's caller gave up), st is closed in the background (closing may be a
// round trip) and the stored statement, or ErrClosed, returned.
func (s *Store) keep(i int, st *sql.Stmt) (*sql.Stmt, error) {
	s.prepMu.Lock()
	defer s.prepMu.Unlock()
	if s.closed.Load() {
		go st.Close()
		return nil, session.ErrClosed
	}
	if old := s.stmts[i].Load(); old != nil {
		go st.Close()
		return old, nil
	}
	s.stmts[i].Store(st)
	return st, nil
}
