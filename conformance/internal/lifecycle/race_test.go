package lifecycle

import (
	"net/http"
	"sync"
	"testing"

	"github.com/session2/session2/core/session"
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
	if renewed == "" || renewed == "-" {
		t.Skip("renewing request got no cookie: logout stood")
	}
	rec, _ := do(h, "/user", renewed)
	if u := rec.Body.String(); u != "" {
		t.Errorf("logout undone: after logout, the in-flight Renew created a live session for user %q", u)
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

// A request that empties the session must not delete a key another request
// committed meanwhile.
func TestDropKeepsConcurrentWrite(t *testing.T) {
	loaded, release := make(chan struct{}), make(chan struct{})
	_, h := newApp(t, routes{
		"/set": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			s.Data().Set(r.URL.Query().Get("k"), "v")
		},
		"/get": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			v, _ := s.Data().GetString(r.URL.Query().Get("k"))
			w.Write([]byte(v))
		},
		"/slow-del": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			close(loaded)
			<-release
			s.Data().Delete("a") // "remove item a from the cart"
		},
	})
	_, tok := do(h, "/set?k=a", "")
	done := make(chan struct{})
	go func() { defer close(done); do(h, "/slow-del", tok) }()
	<-loaded
	do(h, "/set?k=b", tok)
	close(release)
	<-done
	rec, _ := do(h, "/get?k=b", tok)
	if rec.Body.String() != "v" {
		t.Errorf("key b, set by a concurrent request, was lost when another request deleted key a")
	}
}
