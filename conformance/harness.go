package conformance

import (
	"io"
	"log"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
	"github.com/session2/session2/stores/memstore"
)

// A Harness serves an adapter's router for the adapter's own tests, the
// ones beyond the suites: a manager of session.Map, with no log output,
// over a memstore wrapped to count and fail store calls, behind a real
// HTTP server closed at the end of the test.
type Harness struct {
	t       *testing.T
	Store   *sessiontest.Wrapper
	Manager *session.Manager[session.Map]
	Server  *httptest.Server
}

// NewHarness starts the router that newHandler builds around m, a
// manager with the options opts.
func NewHarness(t *testing.T, newHandler func(m *session.Manager[session.Map]) http.Handler, opts ...session.Option) *Harness {
	t.Helper()
	ms := memstore.New(memstore.WithSweepInterval(0))
	t.Cleanup(func() { ms.Close() })
	h := &Harness{t: t, Store: sessiontest.Wrap(ms)}
	m, err := session.New[session.Map](h.Store, append([]session.Option{session.WithLogger(discardLogger())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	h.Manager = m
	h.Server = httptest.NewUnstartedServer(newHandler(m))
	h.Server.Config.ErrorLog = log.New(io.Discard, "", 0)
	h.Server.Start()
	t.Cleanup(h.Server.Close)
	return h
}

// Browser returns a new browser on the harness's server.
func (h *Harness) Browser() *Browser { return NewBrowser(h.t, h.Server.URL) }

// HasCookie reports whether res sets the session cookie.
func (h *Harness) HasCookie(res *http.Response) bool {
	for _, c := range res.Cookies() {
		if c.Name == h.Manager.CookieName() {
			return true
		}
	}
	return false
}

// ExpectUnsaved sends a GET of each path with b, and fails the test
// unless each is answered with a 5xx status and no session cookie, and
// the store saves nothing meanwhile: a failed request saves nothing.
func (h *Harness) ExpectUnsaved(b *Browser, paths ...string) {
	h.t.Helper()
	saves := h.Store.Calls(sessiontest.Save)
	for _, path := range paths {
		if res, _ := b.Get(path); res.StatusCode < 500 || h.HasCookie(res) {
			h.t.Errorf("%s: %d, cookies %v; want a 5xx and no session cookie", path, res.StatusCode, res.Cookies())
		}
	}
	if n := h.Store.Calls(sessiontest.Save) - saves; n != 0 {
		h.t.Errorf("failed requests made %d saves, want 0", n)
	}
}

// A Browser is a test client of one server: a cookie jar, no redirect
// followed, each response's body read whole. It fails the test when a
// request cannot be sent.
type Browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

// NewBrowser returns a browser with an empty cookie jar for the server
// at baseURL.
func NewBrowser(t *testing.T, baseURL string) *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{t: t, base: baseURL, c: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Get sends a GET of path and returns the response and its body.
func (b *Browser) Get(path string) (*http.Response, string) {
	b.t.Helper()
	return b.Send("GET", path, nil, nil)
}

// Send sends method to path with the headers of header and, when form
// is not nil, form as a URL-encoded body, and returns the response and
// its body.
func (b *Browser) Send(method, path string, form url.Values, header http.Header) (*http.Response, string) {
	b.t.Helper()
	return send(b.t, b.c, method, b.base+path, form, header)
}

// Do sends req, whose URL is absolute, and returns the response and its
// body.
func (b *Browser) Do(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	return roundTrip(b.t, b.c, req)
}

// send sends method to target through c, with form as a URL-encoded
// body when not nil.
func send(t *testing.T, c *http.Client, method, target string, form url.Values, header http.Header) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	return roundTrip(t, c, req)
}

func roundTrip(t *testing.T, c *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", req.Method, req.URL, err)
	}
	return res, string(b)
}
