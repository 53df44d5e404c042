package session

import (
	"context"
	"iter"
	"sync"
	"time"
)

// testStore is a minimal map-based Store for the core's own unit tests. The
// real stores and the full contract are tested by the conformance suite in
// its own module, which imports this package.
type testStore struct {
	mu    sync.Mutex
	recs  map[string]Record
	calls map[string]int
	fail  error // returned by every call when set
}

func newTestStore() *testStore {
	return &testStore{recs: map[string]Record{}, calls: map[string]int{}}
}

func (s *testStore) count(op string) error {
	s.calls[op]++
	return s.fail
}

func (s *testStore) Load(ctx context.Context, key string) (Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.count("load"); err != nil {
		return Record{}, err
	}
	r, ok := s.recs[key]
	if !ok || !time.Now().Before(r.Expires) {
		return Record{}, ErrNotFound
	}
	r.Data = append([]byte(nil), r.Data...)
	return r, nil
}

func (s *testStore) Save(ctx context.Context, key string, rec Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.count("save"); err != nil {
		return err
	}
	old, ok := s.recs[key]
	if (rec.Version == 0 && ok) || (rec.Version > 0 && (!ok || old.Version != rec.Version)) {
		return ErrConflict
	}
	rec.Data = append([]byte(nil), rec.Data...)
	rec.Version++
	s.recs[key] = rec
	return nil
}

func (s *testStore) Delete(ctx context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.count("delete"); err != nil {
		return err
	}
	delete(s.recs, key)
	return nil
}

func (s *testStore) Touch(ctx context.Context, key string, accessed, expires time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.count("touch"); err != nil {
		return err
	}
	r, ok := s.recs[key]
	if !ok {
		return ErrNotFound
	}
	r.Accessed, r.Expires = accessed, expires
	s.recs[key] = r
	return nil
}

func (s *testStore) Setup(context.Context) error { return nil }

func (s *testStore) List(ctx context.Context, f Filter) iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		s.mu.Lock()
		var out []Entry
		for k, r := range s.recs {
			if f.Match(r) {
				out = append(out, Entry{Key: k, Record: r})
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

func (s *testStore) Prune(ctx context.Context, f Filter) (int, error) {
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

func (s *testStore) Capabilities() Capabilities { return Capabilities{Goroutines: true} }
func (s *testStore) Close() error               { return nil }

func (s *testStore) writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls["save"] + s.calls["delete"] + s.calls["touch"]
}

func (s *testStore) ops() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls["load"] + s.calls["save"] + s.calls["delete"] + s.calls["touch"]
}
