package session_test

import (
	"context"
	"iter"
	"sync"
	"time"

	"github.com/session2/session2/core/session"
)

// exampleStore is a minimal in-memory session.Store for the runnable
// examples, which cannot import a store package (the stores depend on
// this module). An application uses memstore, filestore, boltstore, or a
// SQL or Redis store instead.
type exampleStore struct {
	mu   sync.Mutex
	recs map[string]session.Record
	hang bool // Load waits until its context is done
}

func newExampleStore() *exampleStore { return &exampleStore{recs: map[string]session.Record{}} }

func (s *exampleStore) Load(ctx context.Context, key string) (session.Record, error) {
	if s.hang {
		<-ctx.Done()
		return session.Record{}, ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.recs[key]
	if !ok || !time.Now().Before(r.Expires) {
		return session.Record{}, session.ErrNotFound
	}
	r.Data = append([]byte(nil), r.Data...)
	return r, nil
}

func (s *exampleStore) Save(ctx context.Context, key string, rec session.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.recs[key]
	if (rec.Version == 0 && ok) || (rec.Version > 0 && (!ok || old.Version != rec.Version)) {
		return session.ErrConflict
	}
	rec.Data = append([]byte(nil), rec.Data...)
	rec.Version++
	s.recs[key] = rec
	return nil
}

func (s *exampleStore) Delete(ctx context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.recs, key)
	return nil
}

func (s *exampleStore) Touch(ctx context.Context, key string, accessed, expires time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.recs[key]
	if !ok {
		return session.ErrNotFound
	}
	r.Accessed, r.Expires = accessed, expires
	s.recs[key] = r
	return nil
}

func (s *exampleStore) Setup(context.Context) error { return nil }

func (s *exampleStore) List(ctx context.Context, f session.Filter) iter.Seq2[session.Entry, error] {
	return func(yield func(session.Entry, error) bool) {
		s.mu.Lock()
		var out []session.Entry
		for k, r := range s.recs {
			if f.Match(r) {
				out = append(out, session.Entry{Key: k, Record: r})
			}
		}
		s.mu.Unlock()
		for _, e := range out {
			if !yield(e, nil) {
				return
			}
		}
	}
}

func (s *exampleStore) Prune(ctx context.Context, f session.Filter) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, r := range s.recs {
		if f.Match(r) {
			delete(s.recs, k)
			n++
		}
	}
	return n, nil
}

func (s *exampleStore) Capabilities() session.Capabilities {
	return session.Capabilities{Goroutines: true}
}

func (s *exampleStore) Close() error { return nil }
