// Package memstore is an in-memory [session.Store]: session2's
// VolatileSessionStore. Records live in the process's memory and are lost
// when it exits, so it suits tests, development, and single-process servers
// that can afford to log everyone out on a restart.
//
// A background goroutine removes expired records every minute (see
// [WithSweepInterval]); [Store.Close] stops it. The package registers the
// URL scheme "memory" with [session.RegisterStore], so
// session.OpenStore(ctx, "memory:") opens a new, empty store.
package memstore

import (
	"bytes"
	"context"
	"fmt"
	"iter"
	"sync"
	"time"

	"github.com/session2/session2/core/session"
)

// chunkSize bounds how many records List collects, and how many Prune and
// the sweeper visit, before they release the lock.
const chunkSize = 256

// Store is an in-memory session store. It is safe for concurrent use by
// many goroutines. Create one with [New]; the zero value is not usable.
type Store struct {
	clock         func() time.Time
	maxSessions   int
	sweepInterval time.Duration

	mu      sync.RWMutex
	closed  bool
	records map[string]*entry
	// users maps a user to the set of its keys. Anonymous records (empty
	// User) are not indexed: Filter{User: ""} matches every record.
	users map[string]map[string]struct{}
	// exp orders every record by expiry, so that the sweeper, an expiry
	// Prune and the eviction of a full store visit only expired records.
	exp expiryHeap

	closeOnce sync.Once
	stop      chan struct{}
	done      chan struct{}
}

// Option configures a [Store] built by [New].
type Option func(*Store)

// WithSweepInterval sets how often the background sweeper removes expired
// records. The default is one minute; zero or a negative interval disables
// the sweeper (expired records are then never returned, but stay in memory
// until they are deleted, pruned or evicted by [WithMaxSessions]).
func WithSweepInterval(d time.Duration) Option {
	return func(s *Store) { s.sweepInterval = d }
}

// WithMaxSessions caps the number of records held. Creating a record beyond
// the cap first evicts expired records; if the store is still full, Save
// returns an error wrapping [session.ErrStoreFull]. Updates of existing
// records are always allowed. Zero or a negative n means no limit, the
// default.
func WithMaxSessions(n int) Option {
	return func(s *Store) { s.maxSessions = n }
}

// WithClock sets the function that gives the current time, used to decide
// whether a record has expired. The default is [time.Now]; nil keeps it.
func WithClock(now func() time.Time) Option {
	return func(s *Store) {
		if now != nil {
			s.clock = now
		}
	}
}

// New returns an empty store, with its sweeper started unless disabled.
// Call [Store.Close] when done with it to stop the sweeper.
func New(opts ...Option) *Store {
	s := &Store{
		clock:         time.Now,
		sweepInterval: time.Minute,
		records:       make(map[string]*entry),
		users:         make(map[string]map[string]struct{}),
		stop:          make(chan struct{}),
		done:          make(chan struct{}),
	}
	for _, opt := range opts {
		if opt != nil {
			opt(s)
		}
	}
	if s.maxSessions < 0 {
		s.maxSessions = 0
	}
	if s.sweepInterval > 0 {
		go s.sweeper()
	} else {
		close(s.done)
	}
	return s
}

// check returns the error a method named op must return before doing
// anything: a cancelled context or an invalid key. An empty key skips the
// key check.
func check(ctx context.Context, op, key string, checkKey bool) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: %s: %w", op, err)
	}
	if checkKey && !session.IsKey(key) {
		return fmt.Errorf("memstore: %s: %w", op, session.ErrInvalidKey)
	}
	return nil
}

func errClosed(op string) error {
	return fmt.Errorf("memstore: %s: %w", op, session.ErrClosed)
}

// expired reports whether a record expiring at exp has expired at now.
func expired(exp, now time.Time) bool {
	return !exp.After(now)
}

// clone returns a copy of r's record whose Data shares nothing with r's.
func clone(r *entry) session.Record {
	c := r.Record
	c.Data = bytes.Clone(r.Data)
	return c
}

// Load returns a copy of the record stored for key, or an error wrapping
// [session.ErrNotFound] when there is none or it has expired.
func (s *Store) Load(ctx context.Context, key string) (session.Record, error) {
	if err := check(ctx, "load", key, true); err != nil {
		return session.Record{}, err
	}
	now := s.clock()
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return session.Record{}, errClosed("load")
	}
	r, ok := s.records[key]
	if !ok || expired(r.Expires, now) {
		return session.Record{}, fmt.Errorf("memstore: load: %w", session.ErrNotFound)
	}
	return clone(r), nil
}

// Save stores a copy of rec for key, with compare-and-set on rec.Version as
// described by [session.Store]. It returns an error wrapping
// [session.ErrConflict] when the compare fails, and one wrapping
// [session.ErrStoreFull] when a new record would exceed [WithMaxSessions].
func (s *Store) Save(ctx context.Context, key string, rec session.Record) error {
	if err := check(ctx, "save", key, true); err != nil {
		return err
	}
	if rec.Version+1 == 0 {
		// rec.Version is the largest uint64: no stored record has it.
		return fmt.Errorf("memstore: save: %w", session.ErrConflict)
	}
	var now time.Time
	if s.maxSessions > 0 && rec.Version == 0 {
		now = s.clock()
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed("save")
	}
	old, exists := s.records[key]
	if rec.Version > 0 {
		if !exists || old.Version != rec.Version {
			return fmt.Errorf("memstore: save: %w", session.ErrConflict)
		}
		if old.User != rec.User {
			s.unindexLocked(old.User, key)
			s.indexLocked(rec.User, key)
		}
		// The old buffer was never handed out (Load and List return
		// copies), so it can take the new data when it is of a similar
		// size; a buffer much too large is let go.
		data := old.Data
		if cap(data) >= len(rec.Data) && cap(data) <= 2*len(rec.Data)+64 {
			data = append(data[:0], rec.Data...)
		} else {
			data = bytes.Clone(rec.Data)
		}
		moved := !old.Expires.Equal(rec.Expires)
		old.Record = rec
		old.Data = data
		old.Version = rec.Version + 1
		if moved {
			s.exp.fix(old.idx)
		}
		return nil
	}
	if exists {
		return fmt.Errorf("memstore: save: %w", session.ErrConflict)
	}
	if s.maxSessions > 0 && len(s.records) >= s.maxSessions {
		s.evictExpiredLocked(now)
		if len(s.records) >= s.maxSessions {
			return fmt.Errorf("memstore: save: %d records: %w", len(s.records), session.ErrStoreFull)
		}
	}
	stored := &entry{Record: rec, key: key}
	stored.Data = bytes.Clone(rec.Data)
	stored.Version = 1
	s.records[key] = stored
	s.indexLocked(stored.User, key)
	s.exp.push(stored)
	return nil
}

// Delete removes the record for key. Deleting a missing key is not an
// error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := check(ctx, "delete", key, true); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed("delete")
	}
	s.deleteLocked(key)
	return nil
}

// Touch sets the Accessed and Expires of the live record for key, leaving
// its data, user and version alone. It returns an error wrapping
// [session.ErrNotFound] when there is no such record or it has expired.
func (s *Store) Touch(ctx context.Context, key string, accessed, expires time.Time) error {
	if err := check(ctx, "touch", key, true); err != nil {
		return err
	}
	now := s.clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed("touch")
	}
	r, ok := s.records[key]
	if !ok || expired(r.Expires, now) {
		return fmt.Errorf("memstore: touch: %w", session.ErrNotFound)
	}
	r.Accessed = accessed
	if !r.Expires.Equal(expires) {
		r.Expires = expires
		s.exp.fix(r.idx)
	}
	return nil
}

// Setup does nothing: a memory store needs no tables or directories, and
// has no server to check. It returns at once, with an error only for a
// cancelled context or a closed store.
func (s *Store) Setup(ctx context.Context) error {
	if err := check(ctx, "setup", "", false); err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return errClosed("setup")
	}
	return nil
}

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

// Capabilities reports that the store is safe for concurrent goroutines,
// but neither shared between processes nor durable.
func (s *Store) Capabilities() session.Capabilities {
	return session.Capabilities{Goroutines: true}
}

// Close stops the sweeper, waits for it to finish and drops every record.
// Later calls of the store's methods return errors wrapping
// [session.ErrClosed]. Close is idempotent and always returns nil.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.records = nil
		s.users = nil
		s.exp = nil
		s.mu.Unlock()
		close(s.stop)
		<-s.done
	})
	return nil
}

// Len returns the number of records held, expired ones not yet removed
// included. It returns 0 after Close.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.records)
}

func (s *Store) sweeper() {
	defer close(s.done)
	t := time.NewTicker(s.sweepInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.sweep()
		}
	}
}

// sweep removes the expired records, releasing the lock every few hundred
// records, and returns how many it removed. It visits only the expired
// records: a pass with nothing expired costs the same whatever the
// store's size.
func (s *Store) sweep() int {
	now := s.clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for !s.closed {
		m := s.popExpiredLocked(now, chunkSize)
		n += m
		if m < chunkSize {
			break
		}
		s.mu.Unlock()
		s.mu.Lock()
	}
	return n
}

// evictExpiredLocked removes every record expired at now.
func (s *Store) evictExpiredLocked(now time.Time) {
	for s.popExpiredLocked(now, chunkSize) == chunkSize {
	}
}

func (s *Store) deleteLocked(key string) {
	r, ok := s.records[key]
	if !ok {
		return
	}
	delete(s.records, key)
	s.exp.remove(r)
	s.unindexLocked(r.User, key)
}

func (s *Store) indexLocked(user, key string) {
	if user == "" {
		return
	}
	keys := s.users[user]
	if keys == nil {
		keys = make(map[string]struct{})
		s.users[user] = keys
	}
	keys[key] = struct{}{}
}

func (s *Store) unindexLocked(user, key string) {
	if user == "" {
		return
	}
	keys := s.users[user]
	delete(keys, key)
	if len(keys) == 0 {
		delete(s.users, user)
	}
}
