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

	closeOnce   sync.Once
	stopSweeper func() // stops the sweeper and waits for it
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
	}
	for _, opt := range opts {
		if opt != nil {
			opt(s)
		}
	}
	if s.maxSessions < 0 {
		s.maxSessions = 0
	}
	s.stopSweeper = session.StartSweeper(s.sweepInterval, func(context.Context) { s.sweep() })
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
		s.stopSweeper()
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
