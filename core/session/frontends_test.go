package session_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// serve runs one request through m's middleware and h.
func serve[T any](m *session.Manager[T], r *http.Request, h http.HandlerFunc) *http.Response {
	rec := httptest.NewRecorder()
	m.Handler(h).ServeHTTP(rec, r)
	return rec.Result()
}

func TestLogoutUserKeepsFlashes(t *testing.T) {
	m := sessiontest.NewManager[session.Map](t)
	get := func() *http.Request { return httptest.NewRequest("GET", "/", nil) }
	here := sessiontest.WithSession(t, m, get(), "ann", func(s *session.Session[session.Map]) {
		s.AddFlash("queued before") // a flash this request loads
	})
	other := sessiontest.WithSession(t, m, get(), "ann", nil)
	bob := sessiontest.WithSession(t, m, get(), "bob", nil)

	var n int
	res := serve(m, here, func(w http.ResponseWriter, r *http.Request) {
		var err error
		if n, err = m.LogoutUser(r.Context(), m.Get(r).User()); err != nil {
			t.Error(err)
		}
		m.Get(r).AddFlashKind(session.FlashSuccess, "logged out everywhere")
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	if n != 2 {
		t.Errorf("LogoutUser = %d, want 2", n)
	}
	st := sessiontest.SessionAfter(t, m, here, res)
	if !st.Found || st.User != "" || !st.Renewed {
		t.Fatalf("after the logout: %+v, want a fresh anonymous session carrying the flashes", st)
	}
	want := []session.Flash{{Text: "queued before"}, {Kind: session.FlashSuccess, Text: "logged out everywhere"}}
	if fmt.Sprint(st.Flashes) != fmt.Sprint(want) {
		t.Errorf("flashes = %v, want %v", st.Flashes, want)
	}
	if sessiontest.SessionAfter(t, m, other, &http.Response{Header: http.Header{}}).Found {
		t.Error("the user's other session survived")
	}
	if st := sessiontest.SessionAfter(t, m, bob, &http.Response{Header: http.Header{}}); !st.Found || st.User != "bob" {
		t.Error("another user's session was logged out")
	}

	// The page renders the flashes itself: nothing is left to store.
	here = sessiontest.WithSession(t, m, get(), "ann", func(s *session.Session[session.Map]) { s.AddFlash("hello") })
	var shown []string
	res = serve(m, here, func(w http.ResponseWriter, r *http.Request) {
		s := m.Get(r)
		if _, err := m.LogoutUser(r.Context(), s.User()); err != nil {
			t.Error(err)
		}
		shown = s.Flashes()
	})
	if fmt.Sprint(shown) != "[hello]" {
		t.Errorf("the logout page's flashes = %q, want [hello]", shown)
	}
	if st := sessiontest.SessionAfter(t, m, here, res); !st.Revoked || st.Found {
		t.Errorf("after a logout page that showed its flashes: %+v, want the cookie revoked", st)
	}

	// From elsewhere (no request): it only deletes.
	if _, err := m.LogoutUser(context.Background(), ""); err == nil {
		t.Error("LogoutUser of the empty user: no error")
	}
	if n, err := m.LogoutUser(context.Background(), "bob"); n != 1 || err != nil {
		t.Errorf("LogoutUser(bob) = %d, %v", n, err)
	}
}

func TestRememberMe(t *testing.T) {
	clock := sessiontest.NewClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	m := sessiontest.NewManager[session.Map](t, session.WithClock(clock.Now), session.WithExpiry(session.Expiry{Lifetime: 30 * 24 * time.Hour, TouchInterval: time.Minute}))
	req := httptest.NewRequest("POST", "/login", nil)
	res := serve(m, req, func(w http.ResponseWriter, r *http.Request) {
		s := m.Get(r)
		s.SetUser("ann")
		s.SetPersistent(true)
		s.SetLifetime(7 * 24 * time.Hour)
	})
	sc := res.Header.Get("Set-Cookie")
	if !strings.Contains(sc, "Max-Age=604800") || !strings.Contains(sc, "Expires=") {
		t.Fatalf("remember-me cookie %q, want Max-Age=604800 and Expires", sc)
	}
	st := sessiontest.SessionAfter(t, m, req, res)
	if !st.Persistent || st.Lifetime != 7*24*time.Hour || !st.ExpiresAt.Equal(clock.Now().Add(7*24*time.Hour)) {
		t.Fatalf("stored: %+v", st)
	}
	next := httptest.NewRequest("GET", "/", nil)
	m.SetRequestToken(next, st.Token)

	// A touch sends the cookie again with the shrinking Max-Age.
	clock.Advance(time.Hour)
	res = serve(m, next, func(w http.ResponseWriter, r *http.Request) {})
	if sc := res.Header.Get("Set-Cookie"); !strings.Contains(sc, "Max-Age=601200") {
		t.Errorf("touched cookie %q, want Max-Age=601200", sc)
	}
	// A renewal keeps it.
	res = serve(m, next, func(w http.ResponseWriter, r *http.Request) { m.Get(r).Renew() })
	if sc := res.Header.Get("Set-Cookie"); !strings.Contains(sc, "Max-Age=601200") {
		t.Errorf("renewed cookie %q, want it persistent", sc)
	}
	st = sessiontest.SessionAfter(t, m, next, res)
	if !st.Persistent || st.Lifetime != 7*24*time.Hour {
		t.Errorf("after the renewal: %+v", st)
	}
	m.SetRequestToken(next, st.Token)
	// Turned off: a browser-session cookie again.
	res = serve(m, next, func(w http.ResponseWriter, r *http.Request) { m.Get(r).SetPersistent(false) })
	if sc := res.Header.Get("Set-Cookie"); sc == "" || strings.Contains(sc, "Max-Age") || strings.Contains(sc, "Expires") {
		t.Errorf("cookie after SetPersistent(false) %q, want a browser-session cookie", sc)
	}
	// The lifetime is bounded by the manager's, and expires server-side.
	res = serve(m, next, func(w http.ResponseWriter, r *http.Request) {
		s := m.Get(r)
		s.SetLifetime(365 * 24 * time.Hour)
		if s.Lifetime() != 30*24*time.Hour {
			t.Errorf("Lifetime = %v, want the maximum, 720h", s.Lifetime())
		}
		s.SetLifetime(2 * time.Hour)
	})
	clock.Advance(30 * time.Minute) // created 1h30 ago
	if st := sessiontest.SessionAfter(t, m, next, res); !st.Found {
		t.Error("the session ended before its lifetime")
	}
	clock.Advance(31 * time.Minute)
	if st := sessiontest.SessionAfter(t, m, next, res); st.Found {
		t.Error("the session outlived its own lifetime")
	}
}

// newToken returns a token and its store key, as the core makes them.
func newToken(t *testing.T) (string, string) {
	var b [32]byte
	rand.Read(b[:])
	tok := base64.RawURLEncoding.EncodeToString(b[:])
	sum := sha256.Sum256([]byte(tok))
	return tok, hex.EncodeToString(sum[:])
}

func TestOldRecordFlashesDecode(t *testing.T) {
	st := sessiontest.NewStore()
	m, err := session.New[session.Map](st)
	if err != nil {
		t.Fatal(err)
	}
	tok, key := newToken(t)
	// A record as version 0.1.0 wrote it: envelope format 1, remote
	// "10.0.0.1", no form tokens, two plain-string flashes, JSON data.
	old := []byte{1, 8}
	old = append(old, "10.0.0.1"...)
	old = append(old, 0, 2, 5)
	old = append(old, "hello"...)
	old = append(old, 5)
	old = append(old, "world"...)
	old = append(old, `J{"a":"b"}`...)
	now := time.Now()
	if err := st.Save(context.Background(), key, session.Record{User: "ann", Data: old, Created: now, Accessed: now, Expires: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/", nil)
	m.SetRequestToken(req, tok)
	var got []session.Flash
	serve(m, req, func(w http.ResponseWriter, r *http.Request) {
		s := m.Get(r)
		got = s.TakeFlashes()
		s.AddFlashKind(session.FlashError, "typed")
		if v, _ := s.Data().GetString("a"); v != "b" || s.RemoteAddr() != "10.0.0.1" || s.User() != "ann" {
			t.Errorf("old record: a=%q remote=%q user=%q", v, s.RemoteAddr(), s.User())
		}
	})
	if fmt.Sprint(got) != fmt.Sprint([]session.Flash{{Text: "hello"}, {Text: "world"}}) {
		t.Errorf("old flashes = %v", got)
	}
	s2 := sessiontest.SessionAfter(t, m, req, &http.Response{Header: http.Header{}})
	if fmt.Sprint(s2.Flashes) != fmt.Sprint([]session.Flash{{Kind: "error", Text: "typed"}}) {
		t.Errorf("flashes after the rewrite = %v", s2.Flashes)
	}
	rec, _ := st.Load(context.Background(), key)
	if c, err := session.Inspect(rec.Data); err != nil || c.Flashes != 1 || rec.Data[0] != 2 {
		t.Errorf("rewritten record: %v, %+v, format %d", err, c, rec.Data[0])
	}
}

func TestHeaderTokenMode(t *testing.T) {
	for _, name := range []string{"Authorization", "X-Api-Session"} {
		t.Run(name, func(t *testing.T) {
			st := sessiontest.NewStore()
			m, err := session.New[session.Map](st, session.WithHeaderToken(name))
			if err != nil {
				t.Fatal(err)
			}
			resHeader := m.TokenResponseHeader()
			if (name == "Authorization") != (resHeader == session.DefaultTokenResponseHeader) {
				t.Fatalf("TokenResponseHeader = %q", resHeader)
			}
			res := serve(m, httptest.NewRequest("POST", "/login", nil), func(w http.ResponseWriter, r *http.Request) {
				m.Get(r).SetUser("ann")
			})
			tok := res.Header.Get(resHeader)
			if len(tok) != 43 || res.Header.Get("Set-Cookie") != "" || res.Header.Get("Cache-Control") != "no-store" {
				t.Fatalf("login response header %v", res.Header)
			}
			if !strings.Contains(strings.Join(res.Header.Values("Vary"), ","), name) {
				t.Errorf("Vary = %q, want %s", res.Header.Values("Vary"), name)
			}
			req := httptest.NewRequest("GET", "/", nil)
			if name == "Authorization" {
				req.Header.Set(name, "bearer "+tok)
			} else {
				req.Header.Set(name, tok)
			}
			var user string
			res = serve(m, req, func(w http.ResponseWriter, r *http.Request) { user = m.Get(r).User() })
			if user != "ann" {
				t.Errorf("user with the header token = %q", user)
			}
			if _, sent := m.ResponseToken(res.Header); sent {
				t.Error("an unchanged session's response sent a token")
			}
			// A cookie is not read in this mode, nor a malformed header.
			for _, bad := range []http.Header{
				{"Cookie": {"session=" + tok}},
				{name: {"Basic " + tok}},
				{name: {tok + "x"}},
			} {
				req := httptest.NewRequest("GET", "/", nil)
				req.Header = bad
				serve(m, req, func(w http.ResponseWriter, r *http.Request) {
					if u := m.Get(r).User(); u != "" {
						t.Errorf("header %v gave user %q", bad, u)
					}
				})
			}
			res = serve(m, req, func(w http.ResponseWriter, r *http.Request) { m.Get(r).Destroy() })
			if v, ok := res.Header[resHeader]; !ok || len(v) != 1 || v[0] != "" {
				t.Errorf("logout response %s = %q, want an empty value", resHeader, v)
			}
			if st.Len() != 0 {
				t.Errorf("%d records left after the logout", st.Len())
			}
		})
	}
	if _, err := session.New[session.Map](sessiontest.NewStore(), session.WithHeaderToken("bad header")); err == nil {
		t.Error("an invalid header name was accepted")
	}
}

type appData struct{ N int }

func TestGetNamesBothTypes(t *testing.T) {
	m := sessiontest.NewManager[appData](t)
	serve(m, httptest.NewRequest("GET", "/", nil), func(w http.ResponseWriter, r *http.Request) {
		msg := session.Missing[session.Map](r.Context())
		if !strings.Contains(msg, "session.Map") || !strings.Contains(msg, "session_test.appData") {
			t.Errorf("Missing = %q, want both types", msg)
		}
	})
	msg := session.Missing[session.Map](context.Background())
	if !strings.Contains(msg, "session.Map") || !strings.Contains(msg, "middleware") {
		t.Errorf("Missing without a session = %q", msg)
	}
}

func TestLocalPath(t *testing.T) {
	for s, want := range map[string]bool{
		"/":                             true,
		"/account?tab=2#top":            true,
		"/a/b%20c":                      true,
		"":                              false,
		"account":                       false,
		"//evil.com":                    false,
		"/\\evil.com":                   false,
		"/\t/evil.com":                  false,
		"/\n/evil.com":                  false,
		"/a\\b":                         false,
		"https://evil.com/":             false,
		"javascript:alert(1)":           false,
		"/%2F/evil.com":                 false,
		"/%5Cevil.com":                  false,
		"/" + strings.Repeat("a", 3000): false,
	} {
		if got := session.LocalPath(s); got != want {
			t.Errorf("LocalPath(%q) = %v, want %v", s, got, want)
		}
	}
	r := httptest.NewRequest("GET", "/cart?x=1", nil)
	if got := session.LoginRedirect("/login", "next", r); got != "/login?next=%2Fcart%3Fx%3D1" {
		t.Errorf("LoginRedirect = %q", got)
	}
	r = httptest.NewRequest("POST", "/login?next=//evil.com", nil)
	if got := session.ReturnTo(r, "next", "/"); got != "/" {
		t.Errorf("ReturnTo of //evil.com = %q", got)
	}
	r = httptest.NewRequest("POST", "/login?next=%2Fcart%3Fx%3D1", nil)
	if got := session.ReturnTo(r, "next", "/"); got != "/cart?x=1" {
		t.Errorf("ReturnTo = %q", got)
	}
}

// TestSettingsSurviveMerge: a request that changes the data, committing
// after a concurrent one that made the session persistent and shortened
// its lifetime, keeps those settings; the other way round, its own
// settings win.
func TestSettingsSurviveMerge(t *testing.T) {
	m := sessiontest.NewManager[session.Map](t)
	req := sessiontest.WithSession(t, m, httptest.NewRequest("GET", "/", nil), "ann", nil)
	begin := func() *session.Exchange[session.Map] {
		x, _, err := m.Begin(req)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	a, b := begin(), begin()
	a.Session().SetPersistent(true)
	a.Session().SetLifetime(time.Hour)
	a.Session().SetIdleTimeout(10 * time.Minute)
	if err := a.Commit(http.Header{}, 200); err != nil {
		t.Fatal(err)
	}
	b.Session().Data().Set("k", "v")
	if err := b.Commit(http.Header{}, 200); err != nil {
		t.Fatal(err)
	}
	st := sessiontest.SessionAfter(t, m, req, &http.Response{Header: http.Header{}})
	if v, _ := st.Data.GetString("k"); v != "v" || !st.Persistent || st.Lifetime != time.Hour || st.IdleTimeout != 10*time.Minute {
		t.Errorf("after the merge: k=%q persistent=%v lifetime=%v idle=%v", v, st.Persistent, st.Lifetime, st.IdleTimeout)
	}

	c, d := begin(), begin()
	c.Session().Data().Set("k", "w")
	c.Session().SetLifetime(2 * time.Hour)
	if err := c.Commit(http.Header{}, 200); err != nil {
		t.Fatal(err)
	}
	d.Session().SetPersistent(false)
	d.Session().SetIdleTimeout(20 * time.Minute)
	if err := d.Commit(http.Header{}, 200); err != nil {
		t.Fatal(err)
	}
	st = sessiontest.SessionAfter(t, m, req, &http.Response{Header: http.Header{}})
	if v, _ := st.Data.GetString("k"); v != "w" || st.Persistent || st.Lifetime != 2*time.Hour || st.IdleTimeout != 20*time.Minute {
		t.Errorf("after the second merge: k=%q persistent=%v lifetime=%v idle=%v", v, st.Persistent, st.Lifetime, st.IdleTimeout)
	}
}
