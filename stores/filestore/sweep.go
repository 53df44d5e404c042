package filestore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/session2/session2/core/session"
)

// SweepStats counts what one [Store.Sweep] or [Store.Scrub] removed.
type SweepStats struct {
	// Expired records (Expires not after the store's clock).
	Expired int
	// Corrupt record files, symbolic links and files not owned by the
	// process's user found where records belong.
	Corrupt int
	// Temp files left by writers that crashed, or not of the store's own
	// naming.
	Temp int
	// Lock files left by processes that crashed.
	Locks int
	// Index entries whose record is gone, belongs to another user or
	// expires in another minute.
	Index int
}

// add adds the counts of o to st.
func (st *SweepStats) add(o SweepStats) {
	st.Expired += o.Expired
	st.Corrupt += o.Corrupt
	st.Temp += o.Temp
	st.Locks += o.Locks
	st.Index += o.Index
}

// Sweep removes expired records, reading only the expiry index's buckets
// whose minute has ended: its cost grows with the records that expired,
// not with the store, and a pass with nothing expired reads one directory
// of bucket names. On the way it removes stale expiry entries (moving a
// record's entry to the right minute first if it lacks one) and corrupt
// record files it meets (each reported to the error handler), and it
// removes the temporary files no writer holds and the lock files left by
// crashed processes (both directories hold only work in progress). The
// sweeper started by [New] calls it every sweep interval; call it yourself
// when the sweeper is off. It never waits for a lock: a key busy at that
// moment is left for the next sweep. A record expires up to a minute
// before its bucket ends, and Load never returns it meanwhile.
//
// What Sweep does not read, [Store.Scrub] does.
func (s *Store) Sweep(ctx context.Context) (SweepStats, error) {
	if err := s.check(ctx, "sweep"); err != nil {
		return SweepStats{}, err
	}
	return s.sweep(ctx)
}

// Scrub is the full pass, whose cost is proportional to the store's size:
// what [Store.Sweep] does, then every record file is read (expired and
// corrupt ones are removed, and a missing expiry index entry, which a crash
// can lose, is restored), and every user index entry is checked (stale ones
// and empty user directories are removed). Run it now and then, from cron
// through sessionctl, or after a crash; the sweeper does not.
func (s *Store) Scrub(ctx context.Context) (SweepStats, error) {
	if err := s.check(ctx, "scrub"); err != nil {
		return SweepStats{}, err
	}
	st, err := s.sweep(ctx)
	var errs errList
	errs.note(err)
	now := s.opt.now()
	synced := map[string]bool{}
	errs.note(s.eachRecord(ctx, func(key string) (bool, error) {
		if session.IsKey(key) {
			errs.note(s.scrubRecord(ctx, key, now, &st, synced))
		}
		return true, nil
	}))
	errs.note(s.syncShards(synced))
	errs.note(eachName(ctx, s.userDir, func(uh string) (bool, error) {
		if session.IsKey(uh) { // a user directory's name has a key's shape
			errs.note(s.sweepUser(ctx, uh, &st))
		}
		return true, nil
	}))
	return st, errs.err("scrub")
}

// errList keeps the first few errors of a pass that goes on after them.
type errList []error

func (e *errList) note(err error) {
	if err != nil && len(*e) < 8 {
		*e = append(*e, err)
	}
}

func (e errList) err(op string) error {
	if len(e) == 0 {
		return nil
	}
	return fmt.Errorf("filestore: %s: %w", op, errors.Join(e...))
}

func (s *Store) sweep(ctx context.Context) (SweepStats, error) {
	var st SweepStats
	var errs errList
	now := s.opt.now()
	synced := map[string]bool{}
	buckets, err := s.expiryBuckets(ctx, now)
	errs.note(err)
	buckets = slices.DeleteFunc(buckets, func(b int64) bool { return !bucketEnded(b, now) })
	if len(buckets) > 0 {
		// The entries of the ended buckets, on several goroutines, each
		// with its own counts, shards to sync and errors.
		type entry struct {
			b   int64
			key string
		}
		type worker struct {
			st     SweepStats
			synced map[string]bool
			errs   errList
		}
		workers := make([]*worker, removers)
		for i := range workers {
			workers[i] = &worker{synced: map[string]bool{}}
		}
		errs.note(fanOut(ctx, workers, func(ctx context.Context, send func(entry) bool) error {
			for _, b := range buckets {
				err := eachName(ctx, s.expDir+"/"+bucketName(b), func(key string) (bool, error) {
					return send(entry{b, key}), nil
				})
				if err != nil {
					return err
				}
			}
			return nil
		}, func(ctx context.Context, w *worker, e entry) error {
			w.errs.note(s.sweepEntry(ctx, e.b, e.key, now, &w.st, w.synced))
			return nil
		}))
		for _, w := range workers {
			st.add(w.st)
			for sh := range w.synced {
				synced[sh] = true
			}
			for _, err := range w.errs {
				errs.note(err)
			}
		}
		for _, b := range buckets {
			os.Remove(s.expDir + "/" + bucketName(b)) // fails unless empty, which is fine
		}
	}
	errs.note(s.syncShards(synced))
	errs.note(eachName(ctx, s.tmpDir, func(name string) (bool, error) {
		errs.note(s.sweepTemp(name, &st))
		return true, nil
	}))
	errs.note(eachName(ctx, s.lockDir, func(key string) (bool, error) {
		if session.IsKey(key) {
			errs.note(s.sweepLock(key, &st))
		}
		return true, nil
	}))
	return st, errs.err("sweep")
}

// sweepEntry handles the entry of key in the ended bucket b: it removes
// the record if it has expired (or is corrupt), and the entry unless the
// record, still alive, belongs in this bucket.
func (s *Store) sweepEntry(ctx context.Context, b int64, key string, now time.Time, st *SweepStats, synced map[string]bool) error {
	entry := s.expiryPath(b, key)
	if !session.IsKey(key) {
		if err := removeName(entry); err != nil {
			return err
		}
		st.Index++
		return nil
	}
	l, err := s.lockKey(ctx, key, false)
	if err != nil {
		return nil // busy: next time
	}
	defer l.unlock()
	h, user, err := s.readHead(key)
	switch {
	case err == nil && !h.expires.After(now):
		st.Expired++
	case errors.Is(err, ErrCorrupt):
		st.Corrupt++
		s.report(fmt.Errorf("filestore: sweep: removing %s: %w", key, err))
	case err == nil:
		// Alive, so its entry belongs to a later minute: make sure it
		// is there before dropping this stale one.
		if err := s.addExpiry(bucketOf(h.expires), key); err != nil {
			return err
		}
		fallthrough
	case err == session.ErrNotFound:
		if err := removeName(entry); err != nil {
			return err
		}
		st.Index++
		return nil
	default:
		return err
	}
	if err := removeName(s.recPath(key)); err != nil {
		return err
	}
	synced[key[:2]] = true
	s.unindex(key, h, user, err == nil)
	return removeName(entry)
}

// scrubRecord reads key's record file: an expired or corrupt one is
// removed, a live one gets its expiry entry back if it lacks it.
func (s *Store) scrubRecord(ctx context.Context, key string, now time.Time, st *SweepStats, synced map[string]bool) error {
	h, _, err := s.readHead(key)
	bad := errors.Is(err, ErrCorrupt)
	switch {
	case err == nil && h.expires.After(now):
		if _, err := os.Lstat(s.expiryPath(bucketOf(h.expires), key)); err == nil || !isNotExist(err) {
			return err
		}
	case err == nil, bad:
	case err == session.ErrNotFound:
		return nil
	default:
		return err
	}
	l, err := s.lockKey(ctx, key, false)
	if err != nil {
		return nil // busy: next time
	}
	defer l.unlock()
	h, user, err := s.readHead(key)
	switch {
	case err == nil && h.expires.After(now):
		return s.addExpiry(bucketOf(h.expires), key)
	case err == nil:
		st.Expired++
	case errors.Is(err, ErrCorrupt):
		st.Corrupt++
		s.report(fmt.Errorf("filestore: scrub: removing %s: %w", key, err))
	default:
		return nil
	}
	if err := removeName(s.recPath(key)); err != nil {
		return err
	}
	synced[key[:2]] = true
	s.unindex(key, h, user, err == nil)
	return nil
}

// sweepTemp removes a temporary file whose key's lock is free (its writer
// is gone), or one whose name is not of the store's making.
func (s *Store) sweepTemp(name string, st *SweepStats) error {
	if !session.IsKey(name) {
		if err := removeName(s.tmpDir + "/" + name); err != nil {
			return err
		}
		st.Temp++
		return nil
	}
	l, err := s.lockKey(context.Background(), name, false)
	if err != nil {
		return nil // a writer holds it
	}
	defer l.unlock()
	err = removeName(s.tmpPath(name))
	if err == nil {
		st.Temp++
	}
	return err
}

// sweepUser removes the stale entries of one user index directory, and
// the directory itself when that leaves it empty.
func (s *Store) sweepUser(ctx context.Context, uh string, st *SweepStats) error {
	dir := s.userDir + "/" + uh
	stale := func(key string) bool {
		_, user, err := s.readHead(key)
		return err == session.ErrNotFound || errors.Is(err, ErrCorrupt) || (err == nil && userHash(user) != uh)
	}
	err := eachName(ctx, dir, func(key string) (bool, error) {
		if !session.IsKey(key) || !stale(key) {
			return true, nil
		}
		l, err := s.lockKey(ctx, key, false)
		if err != nil {
			return true, nil // busy: next time
		}
		defer l.unlock()
		if !stale(key) {
			return true, nil
		}
		if err := removeName(dir + "/" + key); err != nil {
			return false, err
		}
		st.Index++
		return true, nil
	})
	os.Remove(dir) // fails unless empty, which is fine
	return err
}
