package session_test

import (
	"context"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// blockSaves makes the Saves of key wait until release is closed (or,
// unless ignoreCtx, until their context is done), and signals entered when
// the first one arrives.
func blockSaves(st *sessiontest.Wrapper, key string, ignoreCtx bool, entered, release chan struct{}) {
	st.Before(sessiontest.Save, func(ctx context.Context, k string, _ session.Record, _ error) error {
		if k != key {
			return nil
		}
		select {
		case entered <- struct{}{}:
		default:
		}
		if ignoreCtx {
			<-release // a store that ignores its context
			return nil
		}
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
}

// Security review, defect 4: a slow save of session A does not block a
// save of an unrelated session B, even one whose key shares A's first
// byte (the lock stripe of the old striped locks).
func TestSlowSaveDoesNotBlockOtherSession(t *testing.T) {
	st := newWrapped()
	_, h := newAppOn(t, st, loginRoutes())
	byStripe := map[string]string{}
	var a, b string
	for a == "" {
		_, tok := do(h, "/set?k=v&v=0", "")
		k := keyOf(tok)
		if other, ok := byStripe[k[:2]]; ok {
			a, b = other, tok
		}
		byStripe[k[:2]] = tok
	}
	entered, release := make(chan struct{}, 1), make(chan struct{})
	blockSaves(st, keyOf(a), false, entered, release)
	aDone := make(chan struct{})
	go func() { defer close(aDone); do(h, "/set?k=v&v=1", a) }()
	<-entered // A's save is in the store, stuck
	bDone := make(chan struct{})
	go func() { defer close(bDone); do(h, "/set?k=v&v=1", b) }()
	select {
	case <-bDone:
	case <-time.After(5 * time.Second):
		t.Error("a request of session B waited for a slow save of the unrelated session A")
	}
	close(release)
	<-aDone
	<-bDone
}

// Security review, defect 4: waiting for the session's lock honours the
// commit's deadline: a request queued behind a save that hangs (in a
// store that ignores its context) gets the error handler when its commit
// timeout passes, instead of hanging with it.
func TestLockWaitHonoursDeadline(t *testing.T) {
	st := newWrapped()
	_, h := newAppOn(t, st, loginRoutes(), session.WithCommitTimeout(200*time.Millisecond))
	_, tok := do(h, "/set?k=a&v=1", "")
	entered, release := make(chan struct{}, 1), make(chan struct{})
	blockSaves(st, keyOf(tok), true, entered, release)
	first := make(chan struct{})
	go func() { defer close(first); do(h, "/set?k=b&v=1", tok) }()
	t.Cleanup(func() { close(release); <-first })
	<-entered
	second := make(chan int, 1)
	go func() { rec, _ := do(h, "/set?k=c&v=1", tok); second <- rec.Code }()
	select {
	case code := <-second:
		if code < 500 {
			t.Errorf("status %d for a commit that could not save, want the error handler's", code)
		}
	case <-time.After(5 * time.Second):
		t.Error("a request waiting for the session's lock ignored its commit deadline")
	}
}
