package sessiontest

import (
	"context"
	"fmt"
	"iter"
	"sync"
	"time"

	"github.com/session2/session2/core/session"
)

// Store is a [session.Store] in memory, for tests: a map behind a mutex,
// with the whole contract (compare-and-set saves, no resurrection, expiry,
// copies of byte slices, List and Prune by user). It decides expiry with
// time.Now; a manager with an injected clock ([session.WithClock]) still
// enforces expiry by its own clock. It has no sweeper and needs no Close.
// For an application's in-memory store, use memstore.
type Store struct {
	mu     sync.Mutex
	recs   map[string]session.Record
	closed bool
}

// NewStore returns an empty Store.
func NewStore() *Store { return &Store{recs: map[string]session.Record{}} }

var _ session.Store = (*Store)(nil)

// check fails a call with a cancelled context or on a closed store.
func (s *Store) check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sessiontest: %w", err)
	}
	if s.closed {
		return session.ErrClosed
	}
	return nil
}

// checkKey is check for a call with a key, which must be valid.
func (s *Store) checkKey(ctx context.Context, key string) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if !session.IsKey(key) {
		return session.ErrInvalidKey
	}
	return nil
}

// Load returns the live record stored for key.
func (s *Store) Load(ctx context.Context, key string) (session.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkKey(ctx, key); err != nil {
		return session.Record{}, err
	}
	r, ok := s.recs[key]
	if !ok || !time.Now().Before(r.Expires) {
		return session.Record{}, session.ErrNotFound
	}
	r.Data = append([]byte(nil), r.Data...)
	return r, nil
}

// Save stores rec with compare-and-set on its version.
func (s *Store) Save(ctx context.Context, key string, rec session.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkKey(ctx, key); err != nil {
		return err
	}
	old, ok := s.recs[key]
	if (rec.Version == 0 && ok) || (rec.Version > 0 && (!ok || old.Version != rec.Version)) {
		return session.ErrConflict
	}
	rec.Data = append([]byte(nil), rec.Data...)
	rec.Version++
	s.recs[key] = rec
	return nil
}

// Delete removes the record for key, if any.
func (s *Store) Delete(ctx context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkKey(ctx, key); err != nil {
		return err
	}
	delete(s.recs, key)
	return nil
}

// Touch moves a live record's access time and expiry.
func (s *Store) Touch(ctx context.Context, key string, accessed, expires time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkKey(ctx, key); err != nil {
		return err
	}
	r, ok := s.recs[key]
	if !ok || !time.Now().Before(r.Expires) {
		return session.ErrNotFound
	}
	r.Accessed, r.Expires = accessed, expires
	s.recs[key] = r
	return nil
}

// Setup does nothing: the store needs nothing set up.
func (s *Store) Setup(ctx context.Context) error { return s.guard(ctx) }

func (s *Store) guard(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.check(ctx)
}

// List yields the records that match f, from a snapshot taken when the
// listing starts.
func (s *Store) List(ctx context.Context, f session.Filter) iter.Seq2[session.Entry, error] {
	return func(yield func(session.Entry, error) bool) {
		s.mu.Lock()
		if err := s.check(ctx); err != nil {
			s.mu.Unlock()
			yield(session.Entry{}, err)
			return
		}
		var out []session.Entry
		for k, r := range s.recs {
			if f.Match(r) {
				r.Data = append([]byte(nil), r.Data...)
				out = append(out, session.Entry{Key: k, Record: r})
			}
		}
		s.mu.Unlock()
		for _, e := range out {
			if err := ctx.Err(); err != nil {
				yield(session.Entry{}, fmt.Errorf("sessiontest: %w", err))
				return
			}
			if !yield(e, nil) {
				return
			}
		}
	}
}

// Prune deletes the records that match f.
func (s *Store) Prune(ctx context.Context, f session.Filter) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx); err != nil {
		return 0, err
	}
	n := 0
	for k, r := range s.recs {
		if f.Match(r) {
			delete(s.recs, k)
			n++
		}
	}
	return n, nil
}

// Capabilities reports a store for one process's goroutines.
func (s *Store) Capabilities() session.Capabilities {
	return session.Capabilities{Goroutines: true}
}

// Close makes later calls fail with session.ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

// Len returns how many records the store holds, expired ones included.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.recs)
}
