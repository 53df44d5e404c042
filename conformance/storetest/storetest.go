// Package storetest holds the fakes that tests of session2 code share: a
// [Store] that wraps a real store to count its calls, fail them on demand
// and run hooks before and after them, and a [Clock] to give the manager
// with session.WithClock.
//
// A test builds its store from a real one and changes its behaviour while
// it runs:
//
//	st := storetest.Wrap(memstore.New())
//	mgr, _ := session.New[session.Map](st)
//	...
//	st.Fail(storetest.Save, storetest.ErrInjected) // the next saves fail
//	st.Before(storetest.Load, storetest.Hang)      // loads hang until their context ends
//	if n := st.Calls(storetest.Load); n != 1 { ... }
package storetest

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/session2/session2/core/session"
)

// Op names a store call that Store counts, fails and hooks.
type Op string

// The store calls of the request path.
const (
	Load   Op = "load"
	Save   Op = "save"
	Delete Op = "delete"
	Touch  Op = "touch"
)

// ErrInjected is the error tests usually make a Store fail with.
var ErrInjected = errors.New("storetest: injected store failure")

// A Hook runs before or after a store call. Before a call, a non-nil error
// is returned instead of making the call. rec is the record of a Save, the
// zero Record for other calls. After a call, err is the call's result.
type Hook func(ctx context.Context, key string, rec session.Record, err error) error

// Hang is a Before hook that blocks until the call's context is done and
// returns its error: a store that accepts the call and never answers.
func Hang(ctx context.Context, _ string, _ session.Record, _ error) error {
	<-ctx.Done()
	return ctx.Err()
}

// Store wraps a session.Store: it counts Load, Save, Delete and Touch by
// operation and key, fails them on demand, and runs hooks around them. The
// other methods pass through. It is safe for concurrent use.
type Store struct {
	session.Store

	mu     sync.Mutex
	calls  map[Op]int
	byKey  map[Op]map[string]int
	fail   map[Op]error
	before map[Op]Hook
	after  map[Op]Hook
}

// Wrap returns a Store around s.
func Wrap(s session.Store) *Store {
	return &Store{
		Store: s,
		calls: map[Op]int{}, byKey: map[Op]map[string]int{},
		fail: map[Op]error{}, before: map[Op]Hook{}, after: map[Op]Hook{},
	}
}

// Fail makes the calls of op return err from now on; a nil err ends it.
// A failing call is counted but does not reach the wrapped store.
func (s *Store) Fail(op Op, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail[op] = err
}

// Before sets the hook run before each call of op (nil removes it). It
// runs after the call is counted and outside the Store's lock.
func (s *Store) Before(op Op, h Hook) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.before[op] = h
}

// After sets the hook run after each call of op (nil removes it); its
// error replaces the call's.
func (s *Store) After(op Op, h Hook) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.after[op] = h
}

// Once wraps h so that it acts only the first time pred accepts a call;
// other calls pass through untouched (nil err for a Before hook, the
// call's own err for an After hook).
func Once(pred func(key string, rec session.Record) bool, h Hook) Hook {
	var mu sync.Mutex
	done := false
	return func(ctx context.Context, key string, rec session.Record, err error) error {
		mu.Lock()
		run := !done && pred(key, rec)
		if run {
			done = true
		}
		mu.Unlock()
		if !run {
			return err
		}
		return h(ctx, key, rec, err)
	}
}

// Calls returns how many calls of the given operations were made, every
// operation's when none is given.
func (s *Store) Calls(ops ...Op) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(ops) == 0 {
		ops = []Op{Load, Save, Delete, Touch}
	}
	n := 0
	for _, op := range ops {
		n += s.calls[op]
	}
	return n
}

// Writes returns how many Save, Delete and Touch calls were made.
func (s *Store) Writes() int { return s.Calls(Save, Delete, Touch) }

// CallsFor returns how many calls of op were made for key.
func (s *Store) CallsFor(op Op, key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byKey[op][key]
}

// call counts a call and runs its Before hook; a non-nil error is the
// call's result.
func (s *Store) call(ctx context.Context, op Op, key string, rec session.Record) (after Hook, err error) {
	s.mu.Lock()
	s.calls[op]++
	if s.byKey[op] == nil {
		s.byKey[op] = map[string]int{}
	}
	s.byKey[op][key]++
	fail, before := s.fail[op], s.before[op]
	after = s.after[op]
	s.mu.Unlock()
	if fail != nil {
		return nil, fail
	}
	if before != nil {
		if err := before(ctx, key, rec, nil); err != nil {
			return nil, err
		}
	}
	return after, nil
}

func done(ctx context.Context, after Hook, key string, rec session.Record, err error) error {
	if after != nil {
		return after(ctx, key, rec, err)
	}
	return err
}

// Load implements session.Store.
func (s *Store) Load(ctx context.Context, key string) (session.Record, error) {
	after, err := s.call(ctx, Load, key, session.Record{})
	if err != nil {
		return session.Record{}, err
	}
	rec, err := s.Store.Load(ctx, key)
	return rec, done(ctx, after, key, session.Record{}, err)
}

// Save implements session.Store.
func (s *Store) Save(ctx context.Context, key string, rec session.Record) error {
	after, err := s.call(ctx, Save, key, rec)
	if err != nil {
		return err
	}
	return done(ctx, after, key, rec, s.Store.Save(ctx, key, rec))
}

// Delete implements session.Store.
func (s *Store) Delete(ctx context.Context, key string) error {
	after, err := s.call(ctx, Delete, key, session.Record{})
	if err != nil {
		return err
	}
	return done(ctx, after, key, session.Record{}, s.Store.Delete(ctx, key))
}

// Touch implements session.Store.
func (s *Store) Touch(ctx context.Context, key string, accessed, expires time.Time) error {
	after, err := s.call(ctx, Touch, key, session.Record{})
	if err != nil {
		return err
	}
	return done(ctx, after, key, session.Record{}, s.Store.Touch(ctx, key, accessed, expires))
}

// Clock is a manual clock for session.WithClock: it stands still until
// the test moves it. It is safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock showing t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
