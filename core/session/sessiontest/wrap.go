package sessiontest

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/session2/session2/core/session"
)

// Op names a store call that a [Wrapper] counts, fails and hooks.
type Op string

// The store calls of the request path.
const (
	Load   Op = "load"
	Save   Op = "save"
	Delete Op = "delete"
	Touch  Op = "touch"
)

// ErrInjected is the error tests usually make a [Wrapper] fail with.
var ErrInjected = errors.New("sessiontest: injected store failure")

// A Hook runs before or after a store call. Before a call, a non-nil error
// is returned instead of making the call. rec is the record of a Save, the
// zero Record for other calls. After a call, err is the call's result, and
// the hook's result replaces it.
type Hook func(ctx context.Context, key string, rec session.Record, err error) error

// Hang is a Before hook that blocks until the call's context is done and
// returns its error: a store that accepts the call and never answers.
func Hang(ctx context.Context, _ string, _ session.Record, _ error) error {
	<-ctx.Done()
	return ctx.Err()
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

// Wrapper wraps a session.Store to count, fail and hook its Load, Save,
// Delete and Touch calls; the other methods pass through. It is the
// counting store, the failing store and the hanging store of a test:
//
//	st := sessiontest.Wrap(sessiontest.NewStore())
//	m, _ := session.New[session.Map](st)
//	...
//	st.Fail(sessiontest.Save, sessiontest.ErrInjected) // the next saves fail
//	st.Before(sessiontest.Load, sessiontest.Hang)      // loads hang until their context ends
//	if n := st.Calls(sessiontest.Load); n != 1 { ... }
//
// It is safe for concurrent use.
type Wrapper struct {
	session.Store

	mu     sync.Mutex
	calls  map[Op]int
	byKey  map[Op]map[string]int
	fail   map[Op]error
	before map[Op]Hook
	after  map[Op]Hook
}

// Wrap returns a Wrapper around s.
func Wrap(s session.Store) *Wrapper {
	return &Wrapper{
		Store: s,
		calls: map[Op]int{}, byKey: map[Op]map[string]int{},
		fail: map[Op]error{}, before: map[Op]Hook{}, after: map[Op]Hook{},
	}
}

// Fail makes the calls of op return err from now on; a nil err ends it.
// A failing call is counted but does not reach the wrapped store.
func (s *Wrapper) Fail(op Op, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail[op] = err
}

// Before sets the hook run before each call of op (nil removes it). It
// runs after the call is counted and outside the Wrapper's lock.
func (s *Wrapper) Before(op Op, h Hook) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.before[op] = h
}

// After sets the hook run after each call of op (nil removes it); its
// error replaces the call's.
func (s *Wrapper) After(op Op, h Hook) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.after[op] = h
}

// Calls returns how many calls of the given operations were made, every
// operation's when none is given.
func (s *Wrapper) Calls(ops ...Op) int {
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
func (s *Wrapper) Writes() int { return s.Calls(Save, Delete, Touch) }

// CallsFor returns how many calls of op were made for key.
func (s *Wrapper) CallsFor(op Op, key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byKey[op][key]
}

// call counts a call and runs its Before hook; a non-nil error is the
// call's result.
func (s *Wrapper) call(ctx context.Context, op Op, key string, rec session.Record) (after Hook, err error) {
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
func (s *Wrapper) Load(ctx context.Context, key string) (session.Record, error) {
	after, err := s.call(ctx, Load, key, session.Record{})
	if err != nil {
		return session.Record{}, err
	}
	rec, err := s.Store.Load(ctx, key)
	return rec, done(ctx, after, key, session.Record{}, err)
}

// Save implements session.Store.
func (s *Wrapper) Save(ctx context.Context, key string, rec session.Record) error {
	after, err := s.call(ctx, Save, key, rec)
	if err != nil {
		return err
	}
	return done(ctx, after, key, rec, s.Store.Save(ctx, key, rec))
}

// Delete implements session.Store.
func (s *Wrapper) Delete(ctx context.Context, key string) error {
	after, err := s.call(ctx, Delete, key, session.Record{})
	if err != nil {
		return err
	}
	return done(ctx, after, key, session.Record{}, s.Store.Delete(ctx, key))
}

// Touch implements session.Store.
func (s *Wrapper) Touch(ctx context.Context, key string, accessed, expires time.Time) error {
	after, err := s.call(ctx, Touch, key, session.Record{})
	if err != nil {
		return err
	}
	return done(ctx, after, key, session.Record{}, s.Store.Touch(ctx, key, accessed, expires))
}
