package session_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// A session's creation time is set once and survives later requests; its
// access time moves with the writes that record it (a touch after the
// touch interval), not with every read. HasInfo and IsNew tell a stored
// session from a fresh empty one, and ID is the store key of the cookie's
// token.
func TestSessionTimestamps(t *testing.T) {
	t0 := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := sessiontest.NewClock(t0)
	st := newWrapped()
	m := newMgr(t, st, nil, session.WithClock(clock.Now),
		session.WithExpiry(session.Expiry{Idle: time.Hour, TouchInterval: 10 * time.Minute}))
	type seen struct {
		created, accessed time.Time
		hasInfo, isNew    bool
		id                string
	}
	var got seen
	serve := func(tok string, set bool) string {
		h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s := m.Get(r)
			got = seen{s.CreatedAt(), s.AccessedAt(), s.HasInfo(), s.IsNew(), ""}
			if set {
				s.Data().Set("k", "v")
			}
			got.id = s.ID()
		}))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, reqWith("/", tok))
		return cookieOf(rec.Result().Header)
	}

	tok := serve("", true)
	if got.hasInfo || !got.isNew || !got.created.Equal(t0) || !got.accessed.Equal(t0) {
		t.Errorf("a fresh session: %+v, want no info, new, created and accessed now", got)
	}
	if got.id != keyOf(tok) {
		t.Error("ID is not the store key of the cookie's token")
	}

	clock.Advance(5 * time.Minute) // within the touch interval: a read writes nothing
	serve(tok, false)
	if !got.hasInfo || got.isNew || !got.created.Equal(t0) || !got.accessed.Equal(t0) {
		t.Errorf("the stored session 5 minutes later: %+v, want info, not new, created and accessed at t0", got)
	}
	if n := st.Writes(); n != 1 {
		t.Fatalf("%d store writes after a save and a read within the touch interval, want 1", n)
	}

	clock.Advance(10 * time.Minute) // past the touch interval: the read touches
	serve(tok, false)
	serve(tok, false)
	if !got.created.Equal(t0) || !got.accessed.Equal(t0.Add(15*time.Minute)) {
		t.Errorf("after a touch: created %v accessed %v, want %v and %v", got.created, got.accessed, t0, t0.Add(15*time.Minute))
	}
	if n := st.Calls(sessiontest.Touch); n != 1 {
		t.Errorf("%d touches, want 1", n)
	}
}
