package session_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// Logging out by SetUser("") a session whose only info is the user
// deletes it and revokes the cookie: nothing empty is stored.
func TestSetUserEmptyLogsOut(t *testing.T) {
	st := sessiontest.NewStore()
	ev := &evlog{}
	m := newMgr(t, st, ev)
	_, tok := run(m, "", func(s *session.Session[session.Map]) { s.SetUser("bob") })
	if tok == "" || tok == "-" {
		t.Fatalf("login set no cookie: %q", tok)
	}
	ev.reset()
	_, tok2 := run(m, tok, func(s *session.Session[session.Map]) { s.SetUser("") })
	if tok2 != "-" {
		t.Errorf("logout by SetUser(\"\"): cookie %q, want it revoked", tok2)
	}
	if n := st.Len(); n != 0 {
		t.Errorf("a session left without info is still stored: %d records", n)
	}
	if got := ev.kinds(); len(got) != 1 || got[0] != session.EventDestroyed {
		t.Errorf("events %v, want one %s", got, session.EventDestroyed)
	}
}

// A client that goes away (net/http then cancels the request's context)
// between the handler's Destroy and the commit still gets logged out: the
// commit's store calls do not use the request's cancellation.
func TestLogoutAppliedWhenClientGoesAway(t *testing.T) {
	var cancel context.CancelFunc
	_, h := newApp(t, routes{
		"/login": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) { s.SetUser("ann") },
		"/logout": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			s.Destroy()
			cancel() // the client closes the tab / the connection drops
		},
		"/user": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			w.Write([]byte(s.User()))
		},
	})
	_, tok := do(h, "/login", "")
	ctx, c := context.WithCancel(context.Background())
	cancel = c
	req := httptest.NewRequest("GET", "/logout", nil).WithContext(ctx)
	req.Header.Set("Cookie", session.DefaultCookieName+"="+tok)
	h.ServeHTTP(httptest.NewRecorder(), req)
	rec, _ := do(h, "/user", tok)
	if u := rec.Body.String(); u != "" {
		t.Errorf("Destroy was not applied because the request context was cancelled: the token still gives user %q", u)
	}
}

// A record over the size limit (WithMaxSize lowered, or a record grown past
// it by another deployment) is treated like an unreadable one: a fresh
// session, never an error on every request.
func TestOversizedRecordGetsFreshSession(t *testing.T) {
	st := sessiontest.NewStore()
	rt := routes{
		"/big": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			s.Data().Set("x", strings.Repeat("a", 8<<10))
		},
		"/logout": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) { s.Destroy() },
	}
	_, h1 := newAppOn(t, st, rt)
	_, tok := do(h1, "/big", "")
	_, h2 := newAppOn(t, st, rt, session.WithMaxSize(4<<10)) // next deploy lowers the cap
	for i := 0; i < 3; i++ {
		rec, _ := do(h2, "/logout", tok)
		if rec.Code >= 500 {
			t.Errorf("request %d with an over-cap stored session: status %d (handler never ran; logout impossible)", i, rec.Code)
		}
	}
}
