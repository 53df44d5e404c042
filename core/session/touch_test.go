package session_test

import (
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// An unchanged session is touched at most once per touch interval, and
// ends after the idle timeout.
func TestTouchInterval(t *testing.T) {
	st := newWrapped()
	clock := sessiontest.NewClock(time.Now())
	_, h := newAppOn(t, st, loginRoutes(), session.WithClock(clock.Now),
		session.WithExpiry(session.Expiry{Idle: 10 * time.Minute, TouchInterval: time.Minute}))
	_, tok := do(h, "/set?k=a&v=1", "")
	do(h, "/get?k=a", tok)
	if n := st.Calls(sessiontest.Touch); n != 0 {
		t.Fatalf("touched %d times within the interval", n)
	}
	clock.Advance(2 * time.Minute)
	do(h, "/get?k=a", tok)
	do(h, "/get?k=a", tok)
	if n := st.Calls(sessiontest.Touch); n != 1 {
		t.Fatalf("touches = %d, want 1", n)
	}
	clock.Advance(11 * time.Minute)
	if rec, _ := do(h, "/get?k=a", tok); rec.Body.String() != "" {
		t.Fatal("idle session still alive")
	}
}
