package session_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// A request that calls Renew (or SetUser) while a logout of the same
// session is in flight must not undo the logout by creating the renewed
// session under a new token.
func TestRenewAfterLogoutStaysLoggedOut(t *testing.T) {
	loaded, release := make(chan struct{}), make(chan struct{})
	_, h := newApp(t, routes{
		"/login":  func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) { s.SetUser("ann") },
		"/logout": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) { s.Destroy() },
		"/user": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			w.Write([]byte(s.User()))
		},
		"/slow-renew": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			close(loaded)
			<-release
			s.Renew() // e.g. a periodic token rotation, or "confirm password"
		},
	})
	_, tok := do(h, "/login", "")
	var renewed string
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _, renewed = do(h, "/slow-renew", tok) }()
	<-loaded
	if _, out := do(h, "/logout", tok); out != "-" {
		t.Fatalf("logout did not revoke: %q", out)
	}
	close(release)
	wg.Wait()
	for _, tk := range []string{tok, renewed} {
		if tk == "" || tk == "-" {
			continue // the renewing request was told the session is gone
		}
		if rec, _ := do(h, "/user", tk); rec.Body.String() != "" {
			t.Errorf("logout undone: after logout, the in-flight Renew left a live session for user %q", rec.Body.String())
		}
	}
}

// A Renew keeps a write that another request committed between its load
// and its commit.
func TestRenewKeepsConcurrentWrite(t *testing.T) {
	loaded, release := make(chan struct{}), make(chan struct{})
	var events []session.EventKind
	var mu sync.Mutex
	_, h := newApp(t, routes{
		"/set": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			s.Data().Set(r.URL.Query().Get("k"), "v")
		},
		"/get": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			v, _ := s.Data().GetString(r.URL.Query().Get("k"))
			w.Write([]byte(v))
		},
		"/slow-renew": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			close(loaded)
			<-release
			s.Renew()
		},
	}, session.WithEventHook(func(e session.Event) { mu.Lock(); events = append(events, e.Kind); mu.Unlock() }))
	_, tok := do(h, "/set?k=a", "")
	var renewed string
	done := make(chan struct{})
	go func() { defer close(done); _, renewed = do(h, "/slow-renew", tok) }()
	<-loaded
	do(h, "/set?k=b", tok) // commits b under the old token
	close(release)
	<-done
	rec, _ := do(h, "/get?k=b", renewed)
	if rec.Body.String() != "v" {
		t.Errorf("key b, committed by a concurrent request before the renewal, was lost; events %v", events)
	}
}

// Two concurrent requests that renew the same session (a double-submitted
// login form) must not fork it into two live records.
func TestDoubleRenewDoesNotFork(t *testing.T) {
	loaded, release := make(chan struct{}, 2), make(chan struct{})
	_, h := newApp(t, routes{
		"/set": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) { s.Data().Set("a", 1) },
		"/login": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			loaded <- struct{}{}
			<-release
			s.SetUser("ann")
		},
		"/user": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			w.Write([]byte(s.User()))
		},
	})
	_, tok := do(h, "/set", "")
	toks := make([]string, 2)
	var wg sync.WaitGroup
	for i := range toks {
		wg.Add(1)
		go func() { defer wg.Done(); _, toks[i] = do(h, "/login", tok) }()
	}
	<-loaded
	<-loaded
	close(release)
	wg.Wait()
	live := 0
	for _, tk := range toks {
		if rec, _ := do(h, "/user", tk); rec.Body.String() == "ann" {
			live++
		}
	}
	if live > 1 {
		t.Errorf("one session renewed twice concurrently left %d live authenticated sessions", live)
	}
}

// afterTombstone runs f once, after the renewal's tombstone is saved.
func afterTombstone(st *sessiontest.Wrapper, f func()) {
	st.After(sessiontest.Save, sessiontest.Once(isTombstone, func(_ context.Context, _ string, _ session.Record, err error) error {
		if err == nil {
			f()
		}
		return err
	}))
}

// Security review, defect 1, race A: a complete logout that runs after a
// renewal retired the old record but before it created the new one must
// not leave the renewed session alive.
func TestLogoutBetweenTombstoneAndCreate(t *testing.T) {
	st := newWrapped()
	_, h := newAppOn(t, st, loginRoutes())
	_, tok := do(h, "/login?u=ann", "")
	afterTombstone(st, func() { do(h, "/logout", tok) }) // the logout tab
	_, renewed := do(h, "/renew", tok)
	if renewed != "" && renewed != "-" {
		if rec, _ := do(h, "/user", renewed); rec.Body.String() != "" {
			t.Errorf("a logout that ran during the renewal was lost: the renewed token gives user %q", rec.Body.String())
		}
	}
	if n := liveOf(t, st, "ann"); n != 0 {
		t.Errorf("%d live sessions of ann after her logout", n)
	}
}

// Security review, defect 1, race B: Prune(Filter{User: u}) ("log out
// everywhere") in the same gap must not leave the user logged in.
func TestPruneUserBetweenTombstoneAndCreate(t *testing.T) {
	st := newWrapped()
	_, h := newAppOn(t, st, loginRoutes())
	_, tok := do(h, "/login?u=bob", "")
	afterTombstone(st, func() {
		if _, err := st.Prune(context.Background(), session.Filter{User: "bob"}); err != nil {
			t.Error(err)
		}
	})
	_, renewed := do(h, "/renew", tok)
	if renewed != "" && renewed != "-" {
		if rec, _ := do(h, "/user", renewed); rec.Body.String() != "" {
			t.Errorf("a Prune by user during the renewal was lost: the renewed token gives user %q", rec.Body.String())
		}
	}
	if n := liveOf(t, st, "bob"); n != 0 {
		t.Errorf("%d live sessions of bob after pruning his sessions", n)
	}
}

// A renewal that nothing races keeps the session, under the new token
// only, and leaves no tombstone behind.
func TestRenewalLeavesNoTombstone(t *testing.T) {
	st := newWrapped()
	_, h := newAppOn(t, st, loginRoutes())
	_, tok := do(h, "/login?u=cy", "")
	_, renewed := do(h, "/renew", tok)
	if rec, _ := do(h, "/user", renewed); rec.Body.String() != "cy" {
		t.Fatalf("renewed session: user %q, want cy", rec.Body.String())
	}
	n := 0
	for _, err := range st.List(context.Background(), session.Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 1 {
		t.Errorf("%d records after one renewal, want 1", n)
	}
}

// A renewal whose data is over the size limit fails (500) and leaves the
// old session as it was.
func TestRenewTooLargeKeepsSession(t *testing.T) {
	st := sessiontest.NewStore()
	m := newMgr(t, st, nil, session.WithMaxSize(200))
	_, tok := run(m, "", func(s *session.Session[session.Map]) { s.Data().Set("cart", "x") })
	code, _ := run(m, tok, func(s *session.Session[session.Map]) {
		s.Renew()
		s.Data().Set("big", strings.Repeat("y", 300))
	})
	if code != http.StatusInternalServerError {
		t.Errorf("a renewal over the size limit: status %d, want 500", code)
	}
	var still bool
	run(m, tok, func(s *session.Session[session.Map]) { _, still = s.Data().Get("cart") })
	if !still {
		t.Errorf("failed commit (status %d) destroyed the old session: old token no longer loads", code)
	}
}

// A renewal whose new record fails to save (a store error) restores the
// old record: the failed request leaves the session as it found it.
func TestRenewStoreErrorKeepsSession(t *testing.T) {
	st := newWrapped()
	m := newMgr(t, st, nil)
	_, tok := run(m, "", func(s *session.Session[session.Map]) { s.Data().Set("cart", "x") })
	// A transient store error on the new record's Save, after the tombstone.
	st.Before(sessiontest.Save, func(_ context.Context, _ string, rec session.Record, _ error) error {
		if rec.Version == 0 {
			return sessiontest.ErrInjected
		}
		return nil
	})
	code, _ := run(m, tok, func(s *session.Session[session.Map]) { s.SetUser("bob") })
	st.Before(sessiontest.Save, nil)
	if code < 500 {
		t.Errorf("a login whose new record failed to save: status %d, want the error handler's", code)
	}
	var still bool
	run(m, tok, func(s *session.Session[session.Map]) { _, still = s.Data().Get("cart") })
	if !still {
		t.Errorf("failed login (status %d) destroyed the existing session", code)
	}
}
