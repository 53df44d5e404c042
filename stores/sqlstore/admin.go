package sqlstore

import (
	"context"
	"database/sql"
	"iter"
	"strconv"
	"strings"

	"github.com/session2/session2/core/session"
)

// where is a filter turned into an SQL condition with "?" placeholders.
type where struct {
	cond  []string
	args  []any
	empty bool // nothing can match
}

func (w *where) add(cond string, args ...any) {
	w.cond = append(w.cond, cond)
	w.args = append(w.args, args...)
}

func (w *where) String() string {
	if len(w.cond) == 0 {
		return "1 = 1"
	}
	return strings.Join(w.cond, " AND ")
}

// filterWhere turns f into a condition. A user filter goes through the
// (user_name, session_key) index; the explicit test that user_name is not
// empty lets PostgreSQL use its partial index in a generic plan too.
func (s *Store) filterWhere(f session.Filter) *where {
	w := &where{}
	if f.User != "" {
		if s.checkUser(f.User) != nil {
			w.empty = true // no stored record can have this user
		}
		w.add("user_name = ? AND user_name <> ''", f.User)
	}
	if !f.ExpiresBefore.IsZero() {
		// expires <= cutoff: stored times are whole microseconds, so the
		// cutoff rounds down.
		c := floorMicro(f.ExpiresBefore)
		switch {
		case c.Before(minTime):
			w.empty = true
		case c.Before(maxTime):
			w.add("expires <= ?", s.d.TimeValue(c))
		}
	}
	if !f.AccessedBefore.IsZero() {
		// accessed < cutoff: the cutoff rounds up.
		c := ceilMicro(f.AccessedBefore)
		switch {
		case !c.After(minTime):
			w.empty = true
		case !c.After(maxTime):
			w.add("accessed < ?", s.d.TimeValue(c))
		}
	}
	return w
}

// List yields the records matching f in pages of keyset-paginated SELECTs
// (ORDER BY session_key, resuming after the last key seen), so it holds at
// most one page in memory whatever the table's size and keeps no
// connection or cursor open while the caller's loop body runs. A user
// filter reads that user's rows through the user index. An error ends the
// sequence as its last pair.
func (s *Store) List(ctx context.Context, f session.Filter) iter.Seq2[session.Entry, error] {
	return func(yield func(session.Entry, error) bool) {
		const op = "list"
		if err := s.begin(ctx, op); err != nil {
			yield(session.Entry{}, err)
			return
		}
		w := s.filterWhere(f)
		if w.empty {
			return
		}
		q := s.rebind("SELECT session_key, " + s.cols + " FROM " + s.names.Table +
			" WHERE " + w.String() + " AND session_key > ? ORDER BY session_key LIMIT " + strconv.Itoa(s.cfg.pageSize))
		after := ""
		page := make([]session.Entry, 0, s.cfg.pageSize)
		for {
			if err := s.begin(ctx, op); err != nil {
				yield(session.Entry{}, err)
				return
			}
			var err error
			args, buf := append(w.args[:len(w.args):len(w.args)], after), page[:0]
			page, err = await(ctx, func() ([]session.Entry, error) {
				return s.listPage(ctx, q, args, buf)
			})
			if err != nil {
				yield(session.Entry{}, s.fail(op, err))
				return
			}
			for _, e := range page {
				if !yield(e, nil) {
					return
				}
			}
			if len(page) < s.cfg.pageSize {
				return
			}
			after = page[len(page)-1].Key
		}
	}
}

// listPage reads one page into page.
func (s *Store) listPage(ctx context.Context, q string, args []any, page []session.Entry) ([]session.Entry, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return page, err
	}
	defer rows.Close()
	var r recordDest
	r.bind(s.d)
	for rows.Next() {
		r.reset()
		if err := rows.Scan(r.dest[:]...); err != nil {
			return page, err
		}
		rec, err := r.record()
		if err != nil {
			return page, err
		}
		page = append(page, session.Entry{Key: r.key, Record: rec})
	}
	if err := rows.Err(); err != nil {
		return page, err
	}
	return page, rows.Close()
}

// Prune deletes the records matching f and returns how many it deleted. It
// runs one DELETE per batch of at most [WithSweepBatch] rows until a batch
// comes back short, so a huge prune never locks the whole table at once. A
// user filter deletes through the user index. When ctx ends between batches,
// Prune returns the count so far with the context's error.
func (s *Store) Prune(ctx context.Context, f session.Filter) (int, error) {
	const op = "prune"
	if err := s.begin(ctx, op); err != nil {
		return 0, err
	}
	n, err := s.prune(ctx, f)
	if err != nil {
		return n, s.fail(op, err)
	}
	return n, nil
}

func (s *Store) prune(ctx context.Context, f session.Filter) (int, error) {
	w := s.filterWhere(f)
	if w.empty {
		return 0, nil
	}
	batch := s.cfg.sweepBatch
	where := w.String()
	raw := s.d.DeleteBatchSQL(s.names, where, batch)
	// The dialect may repeat the condition (PostgreSQL checks it again on
	// the rows it deletes); its arguments go once per occurrence.
	args := w.args
	if per := strings.Count(where, "?"); per > 0 {
		for i := strings.Count(raw, "?")/per - 1; i > 0; i-- {
			args = append(args[:len(args):len(args)], w.args...)
		}
	}
	q := s.rebind(raw)
	total := 0
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		if s.closed.Load() {
			return total, session.ErrClosed
		}
		res, err := await(ctx, func() (sql.Result, error) { return s.db.ExecContext(ctx, q, args...) })
		if err != nil {
			return total, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, err
		}
		total += int(n)
		if n < int64(batch) {
			return total, nil
		}
	}
}

// sweep deletes expired rows, for the sweeper that runs it every sweep
// interval until Close ends ctx.
func (s *Store) sweep(ctx context.Context) {
	n, err := s.prune(ctx, session.Filter{ExpiresBefore: s.cfg.now()})
	if ctx.Err() != nil {
		return // closing: a cancelled sweep is not worth a report
	}
	switch {
	case s.cfg.sweepHook != nil:
		s.cfg.sweepHook(n, err)
	case err != nil:
		s.cfg.logger.Warn(s.name+": sweeping expired sessions", "table", s.names.Raw, "deleted", n, "err", err)
	}
}
