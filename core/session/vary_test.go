package session_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// varySite serves, through a real server:
//
//	GET  /home     shows the login state (reads the session with Get)
//	GET  /typed    the same through FromContext, as the adapters' getters
//	GET  /static   never looks at the session
//	POST /logout   destroys the session
func varySite(t *testing.T, opts ...session.Option) (*session.Manager[session.Map], *httptest.Server) {
	t.Helper()
	mgr, err := session.New[session.Map](sessiontest.NewStore(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /home", func(w http.ResponseWriter, r *http.Request) {
		if u := mgr.Get(r).User(); u != "" {
			_, _ = io.WriteString(w, "hello "+u)
			return
		}
		_, _ = io.WriteString(w, "log in")
	})
	mux.HandleFunc("GET /typed", func(w http.ResponseWriter, r *http.Request) {
		s, _ := session.FromContext[session.Map](r.Context())
		_, _ = io.WriteString(w, s.User())
	})
	mux.HandleFunc("GET /static", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "static")
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		mgr.Get(r).Destroy()
	})
	srv := httptest.NewServer(mgr.Handler(mux))
	t.Cleanup(srv.Close)
	return mgr, srv
}

func fetch(t *testing.T, srv *httptest.Server, method, path string, header http.Header) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

func varies(res *http.Response, name string) bool {
	for _, v := range res.Header.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), name) {
				return true
			}
		}
	}
	return false
}

// A page that reads the session depends on the cookie even for a visitor
// without one: a shared cache must not serve its anonymous version to a
// logged-in visitor. A page that never looks at the session is left
// alone.
func TestVaryWhenSessionRead(t *testing.T) {
	_, srv := varySite(t)
	for _, path := range []string{"/home", "/typed"} {
		res := fetch(t, srv, "GET", path, nil)
		if !varies(res, "Cookie") {
			t.Errorf("anonymous %s, which reads the session: Vary %q, want Cookie", path, res.Header.Values("Vary"))
		}
		if sc := res.Header.Values("Set-Cookie"); len(sc) != 0 {
			t.Errorf("anonymous %s set a cookie: %q", path, sc)
		}
	}
	if res := fetch(t, srv, "GET", "/static", nil); len(res.Header.Values("Vary")) != 0 {
		t.Errorf("a page that does not read the session: Vary %q, want none", res.Header.Values("Vary"))
	}
	// A malformed cookie reaches no store, but the page still depends on it.
	res := fetch(t, srv, "GET", "/home", http.Header{"Cookie": {"session=abc"}})
	if !varies(res, "Cookie") {
		t.Errorf("/home with a malformed cookie: Vary %q, want Cookie", res.Header.Values("Vary"))
	}

	// Header-token mode varies on its header, as for a request with a token.
	_, srv = varySite(t, session.WithHeaderToken("Authorization"))
	res = fetch(t, srv, "GET", "/home", nil)
	if !varies(res, "Authorization") || varies(res, "Cookie") {
		t.Errorf("header-token mode, anonymous read: Vary %q, want Authorization alone", res.Header.Values("Vary"))
	}
}

// Destroy clears a session cookie of any shape, so that the browser stops
// sending it (Django's test_session_delete_on_end sends "abc"); the store
// never sees a malformed one.
func TestDestroyClearsMalformedCookie(t *testing.T) {
	mgr, srv := varySite(t)
	for _, value := range []string{"abc", "", strings.Repeat("A", 42), strings.Repeat("!", 43)} {
		res := fetch(t, srv, "POST", "/logout", http.Header{"Cookie": {"other=1; " + mgr.CookieName() + "=" + value}})
		var cleared bool
		for _, c := range res.Cookies() {
			if c.Name == mgr.CookieName() && c.Value == "" && c.MaxAge < 0 {
				cleared = true
			}
		}
		if !cleared {
			t.Errorf("logout with cookie %q: Set-Cookie %q, want the cookie cleared with Max-Age=0", value, res.Header.Values("Set-Cookie"))
		}
		if got := res.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("logout with cookie %q: Cache-Control %q, want no-store", value, got)
		}
	}
	// Without a session cookie there is nothing to clear.
	res := fetch(t, srv, "POST", "/logout", http.Header{"Cookie": {"other=1"}})
	if sc := res.Header.Values("Set-Cookie"); len(sc) != 0 {
		t.Errorf("logout without a session cookie set %q", sc)
	}

	// Header-token mode: the client is told to drop a malformed token.
	mgr, srv = varySite(t, session.WithHeaderToken("X-Session-Token"))
	res = fetch(t, srv, "POST", "/logout", http.Header{"X-Session-Token": {"abc"}})
	if tok, sent := mgr.ResponseToken(res.Header); !sent || tok != "" {
		t.Errorf("header-token logout with a malformed token: token %q sent %v, want an empty one", tok, sent)
	}
	res = fetch(t, srv, "POST", "/logout", nil)
	if _, sent := mgr.ResponseToken(res.Header); sent {
		t.Error("header-token logout without a token sent one")
	}
}

// A page that shows session data (read-only, no Set-Cookie) carries
// Vary: Cookie, so a shared cache never serves one user's page to another.
func TestReadOnlyPageVariesOnCookie(t *testing.T) {
	_, h := newApp(t, routes{
		"/login": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) { s.SetUser("ann") },
		"/me": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			w.Write([]byte("Hello " + s.User()))
		},
	})
	_, tok := do(h, "/login", "")
	rec, newTok := do(h, "/me", tok)
	if rec.Body.String() != "Hello ann" || newTok != "" {
		t.Fatalf("read-only page: body %q, cookie %q; want Hello ann and no cookie", rec.Body.String(), newTok)
	}
	if !varies(rec.Result(), "Cookie") {
		t.Errorf("personalised read-only response: Vary %q, want Cookie", rec.Header().Values("Vary"))
	}
}

// Security review, defect 5: every response to a request that carried a
// session cookie varies on Cookie: a 5xx, a read-only page served
// anonymously during an outage, and the error handler's answer.
func TestVaryCookieEverywhere(t *testing.T) {
	st := newWrapped()
	rt := loginRoutes()
	rt["/fail"] = func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}
	_, h := newAppOn(t, st, rt, session.WithOutagePolicy(session.OutageAnonymous))
	_, tok := do(h, "/login?u=ann", "")
	if rec, _ := do(h, "/fail", tok); !varies(rec.Result(), "Cookie") {
		t.Errorf("a 5xx to a request with a cookie: Vary %q, want Cookie", rec.Header().Values("Vary"))
	}
	st.Fail(sessiontest.Load, sessiontest.ErrInjected)
	if rec, _ := do(h, "/user", tok); !varies(rec.Result(), "Cookie") {
		t.Errorf("a read-only page served anonymously during an outage: Vary %q, want Cookie", rec.Header().Values("Vary"))
	}
	_, h2 := newAppOn(t, st, rt) // OutageError: the error handler answers
	if rec, _ := do(h2, "/user", tok); rec.Code < 500 || !varies(rec.Result(), "Cookie") {
		t.Errorf("the error handler's answer to a request with a cookie: status %d, Vary %q, want 5xx and Cookie", rec.Code, rec.Header().Values("Vary"))
	}
}
