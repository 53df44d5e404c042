package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
	"github.com/session2/session2/stores/memstore"
)

// browser is a client with a cookie jar that does not follow redirects.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, base: base, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends a request and returns the response, its body read.
func (b *browser) do(method, path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	req, err := http.NewRequest(method, b.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return res, string(body)
}

func (b *browser) expect(method, path string, form url.Values, want string) *http.Response {
	b.t.Helper()
	res, body := b.do(method, path, form)
	if body != want {
		b.t.Errorf("%s %s: body %q, want %q", method, path, body, want)
	}
	return res
}

func serve(t *testing.T) (*httptest.Server, *sessiontest.Clock) {
	t.Helper()
	clock := sessiontest.NewClock(time.Now())
	store := memstore.New()
	t.Cleanup(func() { store.Close() })
	mgr, err := newManager(store, session.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mgr.Handler(routes(mgr)))
	t.Cleanup(srv.Close)
	return srv, clock
}

// TestPortedApp: the port behaves as the scs app did: the flash shows
// once, the counter counts, logout ends the session, the idle timeout ends
// an unused one.
func TestPortedApp(t *testing.T) {
	srv, clock := serve(t)
	b := newBrowser(t, srv.URL)
	b.expect("GET", "/", nil, "not logged in\n")
	res := b.expect("POST", "/login", url.Values{"name": {"ann"}}, "")
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("login: status %d, want 303", res.StatusCode)
	}
	b.expect("GET", "/", nil, "Welcome, ann!\nhello ann\n")
	b.expect("GET", "/", nil, "hello ann\n")
	b.expect("GET", "/count", nil, "count 1\n")
	b.expect("GET", "/count", nil, "count 2\n")
	b.expect("POST", "/logout", nil, "")
	b.expect("GET", "/", nil, "not logged in\n")
	b.expect("GET", "/count", nil, "count 1\n")

	b.expect("POST", "/login", url.Values{"name": {"bob"}}, "")
	clock.Advance(31 * time.Minute)
	b.expect("GET", "/", nil, "not logged in\n")
	b.expect("POST", "/login", url.Values{}, "name required\n")
}

// TestRememberMe: remember=on makes the cookie persistent (scs's
// RememberMe(true)); without it the cookie ends with the browser.
func TestRememberMe(t *testing.T) {
	srv, _ := serve(t)
	for _, tc := range []struct {
		remember   string
		persistent bool
	}{{"on", true}, {"", false}} {
		b := newBrowser(t, srv.URL)
		res := b.expect("POST", "/login", url.Values{"name": {"ann"}, "remember": {tc.remember}}, "")
		cks := res.Cookies()
		if len(cks) != 1 {
			t.Fatalf("remember=%q: %d cookies, want 1", tc.remember, len(cks))
		}
		if got := cks[0].MaxAge > 0; got != tc.persistent {
			t.Errorf("remember=%q: cookie Max-Age %d, want persistent %v", tc.remember, cks[0].MaxAge, tc.persistent)
		}
	}
}
