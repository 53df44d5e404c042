package filestore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/session2/session2/core/session"
)

// SweepStats counts what one [Store.Sweep] removed.
type SweepStats struct {
	// Expired records (Expires not after the store's clock).
	Expired int
	// Corrupt record files, symbolic links and files not owned by the
	// process's user found where records belong.
	Corrupt int
	// Temp files left by writers that crashed, or not of the store's own
	// naming.
	Temp int
	// Lock files of keys with no record.
	Locks int
	// Index entries whose record is gone or belongs to another user.
	Index int
}

// Sweep removes expired records, corrupt or refused record files (each
// reported to the error handler), temporary files no writer holds, lock
// files of absent records, and stale user index entries and empty user
// directories. The sweeper started by [New] calls it every sweep interval;
// call it yourself when the sweeper is off.
//
// Sweep reads the header of every record file and every index entry: its
// cost is proportional to the store's size. It never waits for a lock: a
// key busy at that moment is left for the next sweep.
func (s *Store) Sweep(ctx context.Context) (SweepStats, error) {
	if err := s.check(ctx, "sweep"); err != nil {
		return SweepStats{}, err
	}
	return s.sweep(ctx)
}

func (s *Store) sweep(ctx context.Context) (SweepStats, error) {
	var st SweepStats
	now := s.opt.now()
	var errs []error
	note := func(err error) {
		if err != nil && len(errs) < 8 {
			errs = append(errs, err)
		}
	}
	removed := 0
	err := eachName(ctx, s.recDir, func(name string) (bool, error) {
		switch {
		case session.IsKey(name):
			r, err := s.sweepRecord(ctx, name, now, &st)
			removed += r
			note(err)
		case strings.HasPrefix(name, tmpPrefix):
			note(s.sweepTemp(name, &st))
		}
		return true, nil
	})
	note(err)
	if removed > 0 {
		note(fsyncDir(s.recDir))
	}
	note(eachName(ctx, s.lockDir, func(key string) (bool, error) {
		if session.IsKey(key) {
			note(s.sweepLock(key, &st))
		}
		return true, nil
	}))
	note(eachName(ctx, s.userDir, func(uh string) (bool, error) {
		if session.IsKey(uh) { // a user directory's name has a key's shape
			note(s.sweepUser(ctx, uh, &st))
		}
		return true, nil
	}))
	if len(errs) > 0 {
		return st, fmt.Errorf("filestore: sweep: %w", errors.Join(errs...))
	}
	return st, nil
}

// sweepRecord removes key's record if it is expired or corrupt, under a
// lock taken without waiting. It returns how many files it removed.
func (s *Store) sweepRecord(ctx context.Context, key string, now time.Time, st *SweepStats) (int, error) {
	h, _, err := s.readHead(key)
	bad := errors.Is(err, ErrCorrupt)
	switch {
	case err == nil && !h.expires.After(now), bad:
	case err == nil, err == session.ErrNotFound:
		return 0, nil
	default:
		return 0, err
	}
	l, err := s.lockKey(ctx, key, false)
	if err != nil {
		return 0, nil // busy: next time
	}
	h, user, err := s.readHead(key)
	switch {
	case err == nil && !h.expires.After(now):
		st.Expired++
	case errors.Is(err, ErrCorrupt):
		st.Corrupt++
		s.report(fmt.Errorf("filestore: sweep: removing %s: %w", key, err))
	default:
		l.unlock(err == session.ErrNotFound)
		return 0, nil
	}
	if err := removeName(s.recPath(key)); err != nil {
		l.unlock(false)
		return 0, err
	}
	if user != "" {
		s.removeIndex(user, key)
	}
	l.unlock(true)
	return 1, nil
}

// sweepTemp removes a temporary file whose key's lock is free (its writer
// is gone), or one whose name is not of the store's making.
func (s *Store) sweepTemp(name string, st *SweepStats) error {
	key := name[len(tmpPrefix):]
	if !session.IsKey(key) {
		if err := removeName(s.recDir + "/" + name); err != nil {
			return err
		}
		st.Temp++
		return nil
	}
	l, err := s.lockKey(context.Background(), key, false)
	if err != nil {
		return nil // a writer holds it
	}
	err = removeName(s.tmpPath(key))
	if err == nil {
		st.Temp++
	}
	l.unlock(!s.recordExists(key))
	return err
}

// sweepLock removes the lock file of a key with no record.
func (s *Store) sweepLock(key string, st *SweepStats) error {
	if s.recordExists(key) {
		return nil
	}
	l, err := s.lockKey(context.Background(), key, false)
	if err != nil {
		return nil // in use
	}
	gone := !s.recordExists(key)
	if gone {
		st.Locks++
	}
	l.unlock(gone)
	return nil
}

// recordExists reports whether a record file (valid or not) is there.
func (s *Store) recordExists(key string) bool {
	_, err := os.Lstat(s.recPath(key))
	return err == nil || !isNotExist(err)
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
		defer l.unlock(!s.recordExists(key))
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

// sweeper runs Sweep every sweep interval until Close.
func (s *Store) sweeper() {
	defer close(s.done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-s.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	t := time.NewTicker(s.opt.sweep)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			if _, err := s.sweep(ctx); err != nil && ctx.Err() == nil {
				s.report(err)
			}
		}
	}
}
