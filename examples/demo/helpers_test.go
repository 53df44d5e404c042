package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
)

// testStores are the stores every HTTP test runs on: a constructor of a
// store URL in a directory of the test's own.
var testStores = []struct {
	name string
	url  func(tb testing.TB) string
}{
	{"memory", func(tb testing.TB) string { return "memory:" }},
	{"file", func(tb testing.TB) string { return "file:" + filepath.Join(tb.TempDir(), "sessions") }},
	{"bolt", func(tb testing.TB) string { return "bolt:" + filepath.Join(tb.TempDir(), "sessions.db") }},
	{"postgres", postgresStoreURL},
	{"mysql", mysqlStoreURL},
	{"redis", redisStoreURL},
}

// demo is one demo app served through httptest.
type demo struct {
	app *app
	srv *httptest.Server
}

// newDemo serves the demo on framework with the store at storeURL, as run
// does, and closes everything when the test ends.
func newDemo(t *testing.T, framework, storeURL string, opts ...session.Option) *demo {
	t.Helper()
	a, h := newTestApp(t, framework, storeURL, opts...)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &demo{app: a, srv: srv}
}

// newDemoArgs serves the demo on framework as run does with the command
// line args (which name the store with -store), and closes everything
// when the test ends.
func newDemoArgs(t *testing.T, framework string, args ...string) *demo {
	t.Helper()
	o, err := parseFlags(args, io.Discard)
	if err != nil {
		t.Fatalf("flags %q: %v", args, err)
	}
	a, h := buildTestApp(t, framework, o)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &demo{app: a, srv: srv}
}

// newTestApp builds the demo's app and handler as run does with
// -admin-local, on a store that is closed when the test ends.
func newTestApp(tb testing.TB, framework, storeURL string, opts ...session.Option) (*app, http.Handler) {
	tb.Helper()
	o := options{storeURL: storeURL, idleTimeout: 30 * time.Minute, lifetime: 24 * time.Hour, adminLocal: true}
	return buildTestApp(tb, framework, o, opts...)
}

// buildTestApp builds the demo's app and handler as run does with the
// options o and then opts, on a store that is closed when the test ends.
func buildTestApp(tb testing.TB, framework string, o options, opts ...session.Option) (*app, http.Handler) {
	tb.Helper()
	storeURL := o.storeURL
	ctx := context.Background()
	store, err := session.OpenStore(ctx, storeURL)
	if err != nil {
		tb.Fatalf("open store %s: %v", storeURL, err)
	}
	tb.Cleanup(func() {
		if err := store.Close(); err != nil {
			tb.Errorf("close store: %v", err)
		}
	})
	if err := store.Setup(ctx); err != nil {
		tb.Fatalf("setup store: %v", err)
	}
	a := &app{store: store, log: slog.New(slog.NewTextHandler(io.Discard, nil)), now: time.Now, maxSessions: o.maxSessions, admin: o.adminLocal}
	mgr, err := session.New[session.Map](store, append(o.managerOptions(a), opts...)...)
	if err != nil {
		tb.Fatalf("session.New: %v", err)
	}
	a.mgr = mgr
	h, err := newHandler(framework, a)
	if err != nil {
		tb.Fatal(err)
	}
	return a, h
}

// forEach runs fn on every framework and every test store.
func forEach(t *testing.T, fn func(t *testing.T, d *demo)) {
	for _, f := range frameworks() {
		for _, st := range testStores {
			t.Run(f+"/"+st.name, func(t *testing.T) {
				fn(t, newDemo(t, f, st.url(t)))
			})
		}
	}
}

// client is a browser-like client of a demo: a cookie jar, no redirects.
type client struct {
	t    *testing.T
	base string
	jar  *cookiejar.Jar
	http *http.Client
	// agent, when set, is the User-Agent of every request.
	agent string
}

func newClient(t *testing.T, base string) *client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{t: t, base: strings.TrimSuffix(base, "/"), jar: jar, http: &http.Client{
		Jar:           jar,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (d *demo) client(t *testing.T) *client { return newClient(t, d.srv.URL) }

// response is what a request got back.
type response struct {
	status int
	header http.Header
	body   string
	// seeOther is the Location of the 303 a POST answered, which do
	// followed with a GET, as a browser does; "" when there was none.
	seeOther string
}

// do sends a request and reads the whole answer. A POST that answers 303
// See Other is followed with a GET of its Location, whose answer do
// returns, as a browser would; a POST that answers 200 is an error, since
// the demo follows post/redirect/get.
func (c *client) do(method, path string, form url.Values, header http.Header) response {
	c.t.Helper()
	r := c.once(method, path, form, header)
	if method != http.MethodPost {
		return r
	}
	switch r.status {
	case http.StatusOK:
		c.t.Errorf("POST %s answered 200, want 303 (post/redirect/get):\n%s", path, r.body)
	case http.StatusSeeOther:
		loc := r.header.Get("Location")
		if !strings.HasPrefix(loc, "/") {
			c.t.Fatalf("POST %s: 303 to %q, want a local path", path, loc)
		}
		next := c.once(http.MethodGet, loc, nil, nil)
		next.seeOther = loc
		return next
	}
	return r
}

// once sends one request and reads the whole answer.
func (c *client) once(method, path string, form url.Values, header http.Header) response {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c.agent != "" {
		req.Header.Set("User-Agent", c.agent)
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func (c *client) get(path string) response {
	c.t.Helper()
	return c.do(http.MethodGet, path, nil, nil)
}

func (c *client) post(path string, form url.Values) response {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	return c.do(http.MethodPost, path, form, nil)
}

// cookie returns the value of the session cookie the client holds.
func (c *client) cookie() string {
	u, _ := url.Parse(c.base)
	for _, k := range c.jar.Cookies(u) {
		if k.Name == session.DefaultCookieName {
			return k.Value
		}
	}
	return ""
}

// expect checks the status and that the body contains every text.
func (r response) expect(t *testing.T, status int, texts ...string) response {
	t.Helper()
	if r.status != status {
		t.Errorf("status %d, want %d; body:\n%s", r.status, status, r.body)
	}
	for _, s := range texts {
		if !strings.Contains(r.body, s) {
			t.Errorf("body lacks %q:\n%s", s, r.body)
		}
	}
	return r
}

// lacks checks that the body contains none of texts.
func (r response) lacks(t *testing.T, texts ...string) response {
	t.Helper()
	for _, s := range texts {
		if s != "" && strings.Contains(r.body, s) {
			t.Errorf("body contains %q:\n%s", s, r.body)
		}
	}
	return r
}

var csrfTokenRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrfToken returns the CSRF token of the first form in the body.
func (r response) csrfToken(t *testing.T) string {
	t.Helper()
	m := csrfTokenRE.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no CSRF token in:\n%s", r.body)
	}
	return m[1]
}

var createdRE = regexp.MustCompile(`Token created: ([A-Za-z0-9_-]+)</p>`)

// formToken returns the single-use form token a /create_token page shows.
func (r response) formToken(t *testing.T) string {
	t.Helper()
	m := createdRE.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no \"Token created: …\" in:\n%s", r.body)
	}
	return m[1]
}

// lines parses a text/plain "name: value" answer.
func (r response) lines(t *testing.T) map[string]string {
	t.Helper()
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q, want text/plain", ct)
	}
	out := map[string]string{}
	for _, l := range strings.Split(strings.TrimSuffix(r.body, "\n"), "\n") {
		name, value, ok := strings.Cut(l, ": ")
		if !ok {
			name, ok = strings.CutSuffix(l, ":")
		}
		if !ok {
			t.Errorf("line %q is not name: value", l)
			continue
		}
		out[name] = value
	}
	return out
}
