package memstore

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/session2/session2/core/session"
)

// List yields copies of the records that match f, in no particular order.
// It collects at most a small fixed number of records at a time under the
// lock and releases the lock before yielding them, so the caller may call
// any method of the store, Delete included, from inside the loop. A record
// deleted before the listing reaches it is not yielded; one created during
// the listing may or may not be. With f.User set, only that user's records
// are visited.
func (s *Store) List(ctx context.Context, f session.Filter) iter.Seq2[session.Entry, error] {
	return func(yield func(session.Entry, error) bool) {
		if err := check(ctx, "list", "", false); err != nil {
			yield(session.Entry{}, err)
			return
		}
		chunk := make([]session.Entry, 0, chunkSize)
		locked := false
		defer func() {
			// Also reached when the loop body panics.
			if locked {
				s.mu.RUnlock()
			}
		}()
		// flush yields the collected entries without the lock held. It
		// reports whether the listing goes on; the lock is held again
		// when it returns.
		flush := func() bool {
			s.mu.RUnlock()
			locked = false
			for i, e := range chunk {
				chunk[i] = session.Entry{}
				if !yield(e, nil) {
					return false
				}
			}
			chunk = chunk[:0]
			if err := ctx.Err(); err != nil {
				yield(session.Entry{}, fmt.Errorf("memstore: list: %w", err))
				return false
			}
			s.mu.RLock()
			locked = true
			return true
		}
		add := func(key string, r *entry) {
			if f.Match(r.Record) {
				chunk = append(chunk, session.Entry{Key: key, Record: clone(r)})
			}
		}

		s.mu.RLock()
		locked = true
		if s.closed {
			s.mu.RUnlock()
			locked = false
			yield(session.Entry{}, errClosed("list"))
			return
		}
		// Ranging over a map while it changes is allowed: the lock is
		// held whenever the iteration advances, and released only in
		// flush, as if the loop body itself changed the map.
		// step is called after each record visited; it flushes when the
		// chunk is full, or every chunkSize records so that writers get
		// the lock and a cancelled context is noticed.
		visited := 0
		step := func() bool {
			visited++
			if len(chunk) < chunkSize && visited%chunkSize != 0 {
				return true
			}
			return flush()
		}
		if f.User != "" {
			for key := range s.users[f.User] {
				if r, ok := s.records[key]; ok {
					add(key, r)
				}
				if !step() {
					return
				}
				if s.closed {
					break
				}
			}
		} else {
			for key, r := range s.records {
				add(key, r)
				if !step() {
					return
				}
				if s.closed {
					break
				}
			}
		}
		closed := s.closed
		s.mu.RUnlock()
		locked = false
		if closed {
			yield(session.Entry{}, errClosed("list"))
			return
		}
		for _, e := range chunk {
			if !yield(e, nil) {
				return
			}
		}
	}
}

// Prune deletes the records that match f and returns how many it deleted.
// With f.User set it visits only that user's records. With
// f.ExpiresBefore set it visits only the records expiring by then, found
// through the expiry heap, so pruning what expired costs time proportional
// to the expired records, not to the store. Any other filter visits every
// record. Except for a user's records, it releases the lock every few
// hundred records so that requests are not held up; a cancelled context
// then stops it early with the count so far and the context's error.
func (s *Store) Prune(ctx context.Context, f session.Filter) (int, error) {
	if err := check(ctx, "prune", "", false); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, errClosed("prune")
	}
	n := 0
	if f.User != "" {
		for key := range s.users[f.User] {
			if r, ok := s.records[key]; ok && f.Match(r.Record) {
				s.deleteLocked(key)
				n++
			}
		}
		return n, nil
	}
	// pause releases the lock for a moment, reporting a reason to stop.
	pause := func() error {
		s.mu.Unlock()
		s.mu.Lock()
		if s.closed {
			return errClosed("prune")
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("memstore: prune: %w", err)
		}
		return nil
	}
	if !f.ExpiresBefore.IsZero() {
		if f.AccessedBefore.IsZero() {
			// Every record expiring by the cutoff matches: take them
			// off the top of the heap.
			for {
				m := s.popExpiredLocked(f.ExpiresBefore, chunkSize)
				n += m
				if m < chunkSize {
					return n, nil
				}
				if err := pause(); err != nil {
					return n, err
				}
			}
		}
		keys := make([]string, 0, chunkSize)
		for {
			keys = s.exp.collect(f.ExpiresBefore, f, keys[:0], chunkSize)
			for _, key := range keys {
				s.deleteLocked(key)
			}
			n += len(keys)
			if len(keys) < chunkSize {
				return n, nil
			}
			if err := pause(); err != nil {
				return n, err
			}
		}
	}
	visited := 0
	for key, r := range s.records {
		if f.Match(r.Record) {
			s.deleteLocked(key)
			n++
		}
		if visited++; visited%chunkSize == 0 {
			if err := pause(); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// popExpiredLocked deletes up to max records expiring at or before cutoff,
// earliest first, and returns how many it deleted.
func (s *Store) popExpiredLocked(cutoff time.Time, max int) int {
	n := 0
	for n < max {
		e := s.exp.first()
		if e == nil || e.Expires.After(cutoff) {
			break
		}
		s.deleteLocked(e.key)
		n++
	}
	return n
}
