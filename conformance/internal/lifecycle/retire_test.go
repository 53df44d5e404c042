package lifecycle

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/session2/session2/conformance/storetest"
	"github.com/session2/session2/core/session"
)

func dump(t *testing.T, st session.Store) {
	for e, err := range st.List(context.Background(), session.Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("  record user=%q data=%q version=%d expires=%v", e.Record.User, e.Record.Data, e.Record.Version, e.Record.Expires.Year())
	}
}

// Logging out by SetUser("") a session whose only info is the user
// deletes it and revokes the cookie: nothing empty is stored.
func TestSetUserEmptyLogsOut(t *testing.T) {
	st := newMem(t)
	ev := &evlog{}
	m := newMgr(t, st, ev)
	_, tok := run(m, "", func(s *session.Session[session.Map]) { s.SetUser("bob") })
	if tok == "" || tok == "-" {
		t.Fatalf("login set no cookie: %q", tok)
	}
	ev.reset()
	_, tok2 := run(m, tok, func(s *session.Session[session.Map]) { s.SetUser("") })
	t.Logf("logout cookie=%q events=%v store.Len=%d", tok2, ev.ks, st.Len())
	dump(t, st)
	live := 0
	for e := range st.List(context.Background(), session.Filter{}) {
		if e.Record.Expires.Year() > 2000 {
			live++
		}
	}
	if live != 0 || (tok2 != "-" && tok2 != "") {
		t.Errorf("session without info stored (%d live records) and cookie %q sent; want deleted + revoked", live, tok2)
	}
}

// A renewal whose data is over the size limit fails (500) and leaves the
// old session as it was.
func TestRenewTooLargeKeepsSession(t *testing.T) {
	st := newMem(t)
	m := newMgr(t, st, nil, session.WithMaxSize(200))
	_, tok := run(m, "", func(s *session.Session[session.Map]) { s.Data().Set("cart", "x") })
	code, _ := run(m, tok, func(s *session.Session[session.Map]) {
		s.Renew()
		s.Data().Set("big", strings.Repeat("y", 300))
	})
	t.Logf("renew+too large: status %d", code)
	var still bool
	run(m, tok, func(s *session.Session[session.Map]) { _, still = s.Data().Get("cart") })
	if !still {
		t.Errorf("failed commit (status %d) destroyed the old session: old token no longer loads", code)
	}
	dump(t, st)
}

// A renewal whose new record fails to save (a store error) restores the
// old record: the failed request leaves the session as it found it.
func TestRenewStoreErrorKeepsSession(t *testing.T) {
	st := newStore(t)
	m := newMgr(t, st, nil)
	_, tok := run(m, "", func(s *session.Session[session.Map]) { s.Data().Set("cart", "x") })
	// A transient store error on the new record's Save, after the tombstone.
	st.Before(storetest.Save, func(_ context.Context, _ string, rec session.Record, _ error) error {
		if rec.Version == 0 {
			return storetest.ErrInjected
		}
		return nil
	})
	code, _ := run(m, tok, func(s *session.Session[session.Map]) { s.SetUser("bob") })
	st.Before(storetest.Save, nil)
	t.Logf("login during outage: status %d", code)
	var still bool
	run(m, tok, func(s *session.Session[session.Map]) { _, still = s.Data().Get("cart") })
	if !still {
		t.Errorf("failed login (status %d) destroyed the existing session", code)
	}
}

// Two requests each delete a different key; the merged result is empty,
// so the session is deleted rather than stored empty.
func TestMergeToEmptyDeletes(t *testing.T) {
	st := newMem(t)
	ev := &evlog{}
	m := newMgr(t, st, ev)
	_, tok := run(m, "", func(s *session.Session[session.Map]) { s.Data().Set("a", 1); s.Data().Set("b", 1) })
	x, rx, err := m.Begin(req(tok))
	if err != nil {
		t.Fatal(err)
	}
	y, ry, err := m.Begin(req(tok))
	if err != nil {
		t.Fatal(err)
	}
	_ = rx
	_ = ry
	x.Session().Data().Delete("b")
	y.Session().Data().Delete("a")
	hy := http.Header{}
	if err := y.Commit(hy, 200); err != nil {
		t.Fatal(err)
	}
	ev.reset()
	hx := http.Header{}
	if err := x.Commit(hx, 200); err != nil {
		t.Fatal(err)
	}
	t.Logf("X events=%v set-cookie=%q hasInfo=%v", ev.ks, hx.Values("Set-Cookie"), x.Session().HasInfo())
	dump(t, st)
	if st.Len() != 0 || len(hx.Values("Set-Cookie")) == 0 {
		t.Errorf("merged session has no info but was stored (Len=%d) and cookie not revoked", st.Len())
	}
}
