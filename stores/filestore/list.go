package filestore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"slices"
	"sync"
	"time"

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

// eachRecord calls fn with the name of every entry of every record
// subdirectory, a directory at a time, until fn returns false or an
// error, or ctx is done.
func (s *Store) eachRecord(ctx context.Context, fn func(name string) (bool, error)) error {
	stopped := false
	for _, sh := range shards {
		err := eachName(ctx, s.recDir+"/"+sh, func(name string) (bool, error) {
			more, err := fn(name)
			stopped = !more
			return more, err
		})
		if err != nil || stopped {
			return err
		}
	}
	return nil
}

// expiryBuckets returns the expiry buckets that may hold a record
// expiring at or before cutoff, earliest first.
func (s *Store) expiryBuckets(ctx context.Context, cutoff time.Time) ([]int64, error) {
	last := bucketOf(cutoff)
	var out []int64
	err := eachName(ctx, s.expDir, func(name string) (bool, error) {
		if b, ok := parseBucket(name); ok && b <= last {
			out = append(out, b)
		}
		return true, nil
	})
	slices.Sort(out)
	return out, err
}

// List yields the records matching f, expired or not, reading the
// directories 256 names at a time. With f.User set it reads only that
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
		visit := func(key string) (bool, error) {
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
		}
		var err error
		if f.User != "" {
			err = eachName(ctx, s.indexDir(f.User), visit)
		} else {
			err = s.eachRecord(ctx, visit)
		}
		if err != nil {
			yield(session.Entry{}, fmt.Errorf("filestore: list: %w", err))
		}
	}
}

// Prune deletes the records matching f and returns how many it deleted.
// With f.User set it reads only that user's index directory, costing time
// proportional to that user's sessions. Otherwise, with f.ExpiresBefore
// set, it reads only the expiry index's buckets up to that time, costing
// time proportional to the records expiring by then (and the one minute's
// bucket the cutoff falls in). Any other filter reads the header of every
// record file. Each match is re-checked under its key's lock before
// removal, and the removals are synced to disk before Prune returns.
func (s *Store) Prune(ctx context.Context, f session.Filter) (int, error) {
	if err := s.check(ctx, "prune"); err != nil {
		return 0, err
	}
	var walk func(ctx context.Context, send func(string) bool) error
	var buckets []int64
	switch {
	case f.User != "":
		dir := s.indexDir(f.User)
		walk = func(ctx context.Context, send func(string) bool) error { return sendNames(ctx, dir, send) }
		defer os.Remove(dir) // only succeeds when empty; Scrub retries
	case !f.ExpiresBefore.IsZero():
		var err error
		buckets, err = s.expiryBuckets(ctx, f.ExpiresBefore)
		if err != nil {
			return 0, fmt.Errorf("filestore: prune: %w", err)
		}
		walk = func(ctx context.Context, send func(string) bool) error {
			for _, b := range buckets {
				if err := sendNames(ctx, s.expDir+"/"+bucketName(b), send); err != nil {
					return err
				}
			}
			return nil
		}
	default:
		walk = func(ctx context.Context, send func(string) bool) error {
			return s.eachRecord(ctx, func(name string) (bool, error) { return send(name), nil })
		}
	}
	workers := make([]*pruner, removers)
	for i := range workers {
		workers[i] = &pruner{s: s, f: f, synced: map[string]bool{}}
	}
	err := fanOut(ctx, workers, walk, func(ctx context.Context, p *pruner, key string) error { return p.visit(ctx, key) })
	n, synced := 0, map[string]bool{}
	for _, p := range workers {
		n += p.n
		for sh := range p.synced {
			synced[sh] = true
		}
	}
	for _, b := range buckets {
		os.Remove(s.expDir + "/" + bucketName(b)) // only succeeds when empty
	}
	if serr := s.syncShards(synced); err == nil {
		err = serr
	}
	if err != nil {
		return n, fmt.Errorf("filestore: prune: %w", err)
	}
	return n, nil
}

// pruner is one of Prune's workers: it removes the records matching a
// filter, one key at a time, and counts them.
type pruner struct {
	s      *Store
	f      session.Filter
	n      int
	synced map[string]bool // record subdirectories to sync
}

func (p *pruner) visit(ctx context.Context, key string) error {
	s := p.s
	if !session.IsKey(key) {
		return nil
	}
	h, user, err := s.peekHead(key)
	if err != nil {
		if err == session.ErrNotFound || errors.Is(err, ErrCorrupt) {
			// Gone, or left for Scrub.
			return nil
		}
		return err
	}
	if !p.f.Match(headRecord(h, user)) {
		return nil
	}
	l, err := s.lockKey(ctx, key, true)
	if err != nil {
		return err
	}
	defer l.unlock()
	h, user, err = s.readHead(key)
	if err != nil || !p.f.Match(headRecord(h, user)) {
		if err != nil && err != session.ErrNotFound && !errors.Is(err, ErrCorrupt) {
			return err
		}
		return nil
	}
	if err := removeName(s.recPath(key)); err != nil {
		return err
	}
	p.n++
	p.synced[key[:2]] = true
	s.unindex(key, h, user, true)
	return nil
}

// syncShards fsyncs the record subdirectories named in shards, several at
// a time: on a journaling file system concurrent directory syncs share
// journal commits, so syncing the 256 subdirectories after a large prune
// costs about as much as syncing a few.
func (s *Store) syncShards(shards map[string]bool) error {
	const workers = 16
	names := make(chan string)
	errs := make(chan error, len(shards))
	var wg sync.WaitGroup
	for range min(workers, len(shards)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for sh := range names {
				if err := fsyncDir(s.recDir + "/" + sh); err != nil {
					errs <- err
				}
			}
		}()
	}
	for sh := range shards {
		names <- sh
	}
	close(names)
	wg.Wait()
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	return errors.Join(all...)
}
