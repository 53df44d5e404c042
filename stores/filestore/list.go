package filestore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"

	"github.com/session2/session2/core/session"
)

// dirBatch is how many names are read from a directory at a time: the
// bound on List's and Prune's memory, whatever the store's size.
const dirBatch = 256

// eachName calls fn with the names in dir, dirBatch at a time, until fn
// returns false or an error, or ctx is done. A missing directory has no
// names.
func eachName(ctx context.Context, dir string, fn func(name string) (bool, error)) error {
	d, err := os.Open(dir)
	if err != nil {
		if isNotExist(err) {
			return nil
		}
		return err
	}
	defer d.Close()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		names, err := d.Readdirnames(dirBatch)
		for _, name := range names {
			more, ferr := fn(name)
			if ferr != nil {
				return ferr
			}
			if !more {
				return nil
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// headRecord is the record a header describes, without its data: enough
// for Filter.Match.
func headRecord(h header, user string) session.Record {
	return session.Record{User: user, Created: h.created, Accessed: h.accessed, Expires: h.expires, Version: h.version}
}

// List yields the records matching f, expired or not, reading the
// directory 256 names at a time. With f.User set it reads only that
// user's index directory. Record files that fail their checks are
// reported to the error handler and skipped. List takes no locks: each
// record is read whole and checked, and records saved or deleted during
// the listing may or may not appear.
func (s *Store) List(ctx context.Context, f session.Filter) iter.Seq2[session.Entry, error] {
	return func(yield func(session.Entry, error) bool) {
		if err := s.check(ctx, "list"); err != nil {
			yield(session.Entry{}, err)
			return
		}
		dir := s.recDir
		if f.User != "" {
			dir = s.indexDir(f.User)
		}
		err := eachName(ctx, dir, func(key string) (bool, error) {
			if !session.IsKey(key) {
				return true, nil
			}
			rec, err := s.readRecord(key)
			switch {
			case err == session.ErrNotFound:
				return true, nil
			case errors.Is(err, ErrCorrupt):
				s.report(fmt.Errorf("filestore: list: %s: %w", key, err))
				return true, nil
			case err != nil:
				return false, err
			}
			if !f.Match(rec) {
				return true, nil
			}
			return yield(session.Entry{Key: key, Record: rec}, nil), nil
		})
		if err != nil {
			yield(session.Entry{}, fmt.Errorf("filestore: list: %w", err))
		}
	}
}

// Prune deletes the records matching f and returns how many it deleted.
// With only f.User set it reads only that user's index directory, costing
// time proportional to that user's sessions; any other filter reads the
// header of every record file. Each match is re-checked under its key's
// lock before removal, and the removals are synced to disk before Prune
// returns.
func (s *Store) Prune(ctx context.Context, f session.Filter) (int, error) {
	if err := s.check(ctx, "prune"); err != nil {
		return 0, err
	}
	dir := s.recDir
	if f.User != "" {
		dir = s.indexDir(f.User)
	}
	n := 0
	err := eachName(ctx, dir, func(key string) (bool, error) {
		if !session.IsKey(key) {
			return true, nil
		}
		h, user, err := s.peekHead(key)
		if err != nil {
			if err == session.ErrNotFound || errors.Is(err, ErrCorrupt) {
				// Gone, or left for the sweeper.
				return true, nil
			}
			return false, err
		}
		if !f.Match(headRecord(h, user)) {
			return true, nil
		}
		l, err := s.lockKey(ctx, key, true)
		if err != nil {
			return false, err
		}
		h, user, err = s.readHead(key)
		if err != nil || !f.Match(headRecord(h, user)) {
			l.unlock(err == session.ErrNotFound)
			if err != nil && err != session.ErrNotFound && !errors.Is(err, ErrCorrupt) {
				return false, err
			}
			return true, nil
		}
		if err := removeName(s.recPath(key)); err != nil {
			l.unlock(false)
			return false, err
		}
		n++
		if user != "" {
			s.removeIndex(user, key)
		}
		l.unlock(true)
		return true, nil
	})
	if n > 0 {
		if serr := fsyncDir(s.recDir); err == nil {
			err = serr
		}
	}
	if f.User != "" {
		os.Remove(dir) // only succeeds when empty; the sweeper retries
	}
	if err != nil {
		return n, fmt.Errorf("filestore: prune: %w", err)
	}
	return n, nil
}
