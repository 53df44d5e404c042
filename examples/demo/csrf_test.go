package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// countedDemo serves the demo on framework over an in-memory store whose
// calls are counted.
func countedDemo(t *testing.T, framework string) (*demo, *sessiontest.Wrapper) {
	t.Helper()
	ms, err := session.OpenStore(context.Background(), "memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ms.Close() })
	st := sessiontest.Wrap(ms)
	a := &app{store: st, log: slog.New(slog.NewTextHandler(io.Discard, nil)), now: time.Now}
	o := options{idleTimeout: 30 * time.Minute, lifetime: 24 * time.Hour}
	if a.mgr, err = session.New[session.Map](st, o.managerOptions(a)...); err != nil {
		t.Fatal(err)
	}
	h, err := newHandler(framework, a)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &demo{app: a, srv: srv}, st
}

// getActions are the GET routes that act rather than show, as session2's
// scripted demo did: they may store a session.
var getActions = map[string]bool{"/counter": true, "/create_token": true, "/logout": true}

// showQuery gives the pages that read a query something to read.
var showQuery = map[string]string{"/get": "?key=k", "/stored": "?key=k", "/goodbye": "?deleted=2", "/flash_set": "?message=hi"}

// TestAnonymousWritesNothing: an anonymous GET of every page that shows
// something (forms included, and the admin pages, which send it to the
// login page) makes no store call and sets no cookie.
func TestAnonymousWritesNothing(t *testing.T) {
	for _, f := range frameworks() {
		t.Run(f, func(t *testing.T) {
			d, st := countedDemo(t, f)
			c := d.client(t)
			pages := 0
			for _, rt := range d.app.routes() {
				if rt.method != http.MethodGet || getActions[rt.path] {
					continue
				}
				pages++
				r := c.get(rt.path + showQuery[rt.path])
				if r.status >= 500 {
					t.Errorf("GET %s: %d", rt.path, r.status)
				}
				if sc := r.header.Values("Set-Cookie"); len(sc) != 0 {
					t.Errorf("anonymous GET %s set %q", rt.path, sc)
				}
				if n := st.Calls(); n != 0 {
					t.Errorf("anonymous GET %s: %d store calls, want 0", rt.path, n)
				}
			}
			if pages < 10 {
				t.Errorf("only %d pages checked", pages)
			}
			if c.cookie() != "" {
				t.Error("the visitor holds a cookie")
			}
		})
	}
}

// TestTabs: a form rendered 100 page views earlier still submits, as do
// forms of pages open in other tabs.
func TestTabs(t *testing.T) {
	for _, f := range frameworks() {
		t.Run(f, func(t *testing.T) {
			d := newDemo(t, f, "memory:")
			c := d.client(t)
			c.post("/login", url.Values{"name": {"tess"}}).expect(t, http.StatusOK, "Welcome! tess")
			browser := http.Header{"Sec-Fetch-Site": {"same-origin"}, "Origin": {d.srv.URL}}
			first := c.get("/").csrfToken(t)
			tabs := []string{c.get("/sessions").csrfToken(t), c.get("/flash").csrfToken(t), c.get("/login").csrfToken(t)}
			pages := []string{"/", "/sessions", "/flash", "/login", "/check", "/counter"}
			for i := 0; i < 100; i++ {
				c.get(pages[i%len(pages)]).expect(t, http.StatusOK)
			}
			for i, tok := range append(tabs, first) {
				c.do(http.MethodPost, "/set", url.Values{"key": {"tab"}, "value": {string(rune('a' + i))}, "csrf_token": {tok}}, browser).
					expect(t, http.StatusOK, "Set tab = "+string(rune('a'+i)))
			}
			c.do(http.MethodPost, "/logout", url.Values{"csrf_token": {first}}, browser).expect(t, http.StatusOK, "Goodbye!")
		})
	}
}

// TestHtmx: an htmx-style request with the token in X-CSRF-Token passes;
// without it, or with another, a browser's request is refused.
func TestHtmx(t *testing.T) {
	for _, f := range frameworks() {
		t.Run(f, func(t *testing.T) {
			d := newDemo(t, f, "memory:")
			c := d.client(t)
			c.post("/login", url.Values{"name": {"hal"}}).expect(t, http.StatusOK)
			tok := c.get("/").csrfToken(t)
			h := http.Header{"Sec-Fetch-Site": {"same-origin"}, "Origin": {d.srv.URL}, "Hx-Request": {"true"}}
			c.do(http.MethodPost, "/set", url.Values{"key": {"k"}, "value": {"none"}}, h).expect(t, http.StatusForbidden, "CSRF token")
			h.Set("X-CSRF-Token", tok[:10]+strings.Repeat("A", len(tok)-10))
			c.do(http.MethodPost, "/set", url.Values{"key": {"k"}, "value": {"bad"}}, h).expect(t, http.StatusForbidden, "CSRF token")
			h.Set("X-CSRF-Token", tok)
			r := c.do(http.MethodPost, "/set", url.Values{"key": {"k"}, "value": {"htmx"}}, h).expect(t, http.StatusOK, "Set k = htmx")
			if r.seeOther != "/stored?key=k" {
				t.Errorf("303 to %q", r.seeOther)
			}
			if got := c.get("/get?key=k").body; got != "htmx" {
				t.Errorf("k = %q", got)
			}
		})
	}
}

// TestCrossSiteNoStore: a cross-site POST is refused before its session
// is loaded: no store call at all.
func TestCrossSiteNoStore(t *testing.T) {
	for _, f := range frameworks() {
		t.Run(f, func(t *testing.T) {
			d, st := countedDemo(t, f)
			c := d.client(t)
			c.post("/login", url.Values{"name": {"vic"}}).expect(t, http.StatusOK)
			tok := c.get("/").csrfToken(t)
			before := st.Calls()
			for _, h := range []http.Header{
				{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}},
				{"Origin": {"https://evil.example"}},
			} {
				for _, path := range []string{"/set", "/logout", "/logout_all", "/login"} {
					c.do(http.MethodPost, path, url.Values{"key": {"k"}, "value": {"v"}, "name": {"eve"}, "csrf_token": {tok}}, h).
						expect(t, http.StatusForbidden, "Cross-site form submission refused.")
				}
			}
			if n := st.Calls() - before; n != 0 {
				t.Errorf("refused cross-site POSTs made %d store calls, want 0", n)
			}
			c.get("/").expect(t, http.StatusOK, "Hello, vic!")
		})
	}
}

// TestAnonymousFormsDuringOutage: with the store down, an anonymous
// visitor still gets the home page and the login form (they used to
// answer 503: the form token was a store write).
func TestAnonymousFormsDuringOutage(t *testing.T) {
	for _, f := range frameworks() {
		t.Run(f, func(t *testing.T) {
			d, st := countedDemo(t, f)
			for _, op := range []sessiontest.Op{sessiontest.Load, sessiontest.Save, sessiontest.Delete, sessiontest.Touch} {
				st.Fail(op, sessiontest.ErrInjected)
			}
			c := d.client(t)
			c.get("/").expect(t, http.StatusOK, "Not logged in.")
			c.get("/login").expect(t, http.StatusOK, `action="/login"`)
			c.get("/flash").expect(t, http.StatusOK, `action="/flash"`)
			if n := st.Calls(); n != 0 {
				t.Errorf("%d store calls, want 0", n)
			}
		})
	}
}
