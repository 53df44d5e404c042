package session_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/session2/session2/core/session"
)

// The cases of Go 1.26's net/http/csrf_test.go, with their inputs and
// expectations, run against session.CrossOriginProtection: it must answer
// every one as net/http.CrossOriginProtection does. Each case runs on a
// protection from NewCrossOriginProtection and on a zero value.

// stdConfig names how a case's protection is set up, as the Go test
// function the case comes from sets up its own.
type stdConfig int

const (
	stdPlain    stdConfig = iota // TestCrossOriginProtectionSecFetchSite: nothing added
	stdTrusted                   // TestCrossOriginProtectionTrustedOriginBypass
	stdPatterns                  // TestCrossOriginProtectionPatternBypass
)

func (c stdConfig) String() string {
	return [...]string{"SecFetchSite", "TrustedOriginBypass", "PatternBypass"}[c]
}

func (c stdConfig) setUp(t *testing.T, p *session.CrossOriginProtection) {
	t.Helper()
	switch c {
	case stdTrusted:
		if err := p.AddTrustedOrigin("https://trusted.example"); err != nil {
			t.Fatal(err)
		}
	case stdPatterns:
		for _, pat := range []string{"/bypass/", "/only/{foo}", "/no-trailing", "/yes-trailing/", "PUT /put-only/", "GET /get-only/", "POST /post-only/"} {
			if err := p.AddInsecureBypassPattern(pat); err != nil {
				t.Fatal(err)
			}
		}
	}
}

var stdRequestCases = []struct {
	config               stdConfig
	name                 string
	method, path         string // on host example.com
	secFetchSite, origin string
	want                 int
}{
	{stdPlain, "same-origin allowed", "POST", "/", "same-origin", "", 200},
	{stdPlain, "none allowed", "POST", "/", "none", "", 200},
	{stdPlain, "cross-site blocked", "POST", "/", "cross-site", "", 403},
	{stdPlain, "same-site blocked", "POST", "/", "same-site", "", 403},
	{stdPlain, "no header with no origin", "POST", "/", "", "", 200},
	{stdPlain, "no header with matching origin", "POST", "/", "", "https://example.com", 200},
	{stdPlain, "no header with mismatched origin", "POST", "/", "", "https://attacker.example", 403},
	{stdPlain, "no header with null origin", "POST", "/", "", "null", 403},
	{stdPlain, "GET allowed", "GET", "/", "cross-site", "", 200},
	{stdPlain, "HEAD allowed", "HEAD", "/", "cross-site", "", 200},
	{stdPlain, "OPTIONS allowed", "OPTIONS", "/", "cross-site", "", 200},
	{stdPlain, "PUT blocked", "PUT", "/", "cross-site", "", 403},

	{stdTrusted, "trusted origin without sec-fetch-site", "POST", "/", "", "https://trusted.example", 200},
	{stdTrusted, "trusted origin with cross-site", "POST", "/", "cross-site", "https://trusted.example", 200},
	{stdTrusted, "untrusted origin without sec-fetch-site", "POST", "/", "", "https://attacker.example", 403},
	{stdTrusted, "untrusted origin with cross-site", "POST", "/", "cross-site", "https://attacker.example", 403},

	{stdPatterns, "bypass path without sec-fetch-site", "POST", "/bypass/", "", "https://attacker.example", 200},
	{stdPatterns, "bypass path with cross-site", "POST", "/bypass/", "cross-site", "https://attacker.example", 200},
	{stdPatterns, "non-bypass path without sec-fetch-site", "POST", "/api/", "", "https://attacker.example", 403},
	{stdPatterns, "non-bypass path with cross-site", "POST", "/api/", "cross-site", "https://attacker.example", 403},
	{stdPatterns, "redirect to bypass path without ..", "POST", "/foo/../bypass/bar", "", "https://attacker.example", 403},
	{stdPatterns, "redirect to bypass path with trailing slash", "POST", "/bypass", "", "https://attacker.example", 403},
	{stdPatterns, "redirect to non-bypass path with ..", "POST", "/foo/../api/bar", "", "https://attacker.example", 403},
	{stdPatterns, "redirect to non-bypass path with trailing slash", "POST", "/api", "", "https://attacker.example", 403},
	{stdPatterns, "wildcard bypass", "POST", "/only/123", "", "https://attacker.example", 200},
	{stdPatterns, "non-wildcard", "POST", "/only/123/foo", "", "https://attacker.example", 403},
	{stdPatterns, "no trailing slash exact match", "POST", "/no-trailing", "", "https://attacker.example", 200},
	{stdPatterns, "no trailing slash with slash", "POST", "/no-trailing/", "", "https://attacker.example", 403},
	{stdPatterns, "yes trailing slash exact match", "POST", "/yes-trailing/", "", "https://attacker.example", 200},
	{stdPatterns, "yes trailing slash without slash", "POST", "/yes-trailing", "", "https://attacker.example", 403},
	{stdPatterns, "method-specific hit", "POST", "/post-only/", "", "https://attacker.example", 200},
	{stdPatterns, "method-specific miss (PUT)", "POST", "/put-only/", "", "https://attacker.example", 403},
	{stdPatterns, "method-specific miss (GET)", "POST", "/get-only/", "", "https://attacker.example", 403},
}

// protections are the two ways to get a CrossOriginProtection, which must
// behave alike.
var protections = []struct {
	name string
	make func() *session.CrossOriginProtection
}{
	{"New", session.NewCrossOriginProtection},
	{"Zero", func() *session.CrossOriginProtection { return new(session.CrossOriginProtection) }},
}

// stdRequest is a server's request for target, as Go's tests build it:
// the URL holds only a path, the Host header the host.
func stdRequest(method, target string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	r.URL.Scheme, r.URL.Host = "", ""
	return r
}

var statusOK = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })

func TestCrossOriginProtectionStdlibCases(t *testing.T) {
	for _, mk := range protections {
		t.Run(mk.name, func(t *testing.T) {
			for _, c := range stdRequestCases {
				t.Run(c.config.String()+"/"+c.name, func(t *testing.T) {
					p := mk.make()
					c.config.setUp(t, p)
					r := stdRequest(c.method, "https://example.com"+c.path)
					if c.secFetchSite != "" {
						r.Header.Set("Sec-Fetch-Site", c.secFetchSite)
					}
					if c.origin != "" {
						r.Header.Set("Origin", c.origin)
					}
					w := httptest.NewRecorder()
					p.Handler(statusOK).ServeHTTP(w, r)
					if w.Code != c.want {
						t.Errorf("%s %s: status %d, want %d", c.method, c.path, w.Code, c.want)
					}
				})
			}
		})
	}
}

func TestCrossOriginProtectionStdlibTrustedOriginErrors(t *testing.T) {
	cases := []struct {
		name, origin string
		wantErr      bool
	}{
		{"valid origin", "https://example.com", false},
		{"valid origin with port", "https://example.com:8080", false},
		{"http origin", "http://example.com", false},
		{"missing scheme", "example.com", true},
		{"missing host", "https://", true},
		{"trailing slash", "https://example.com/", true},
		{"with path", "https://example.com/path", true},
		{"with query", "https://example.com?query=value", true},
		{"with fragment", "https://example.com#fragment", true},
		{"invalid url", "https://ex ample.com", true},
		{"empty string", "", true},
		{"null", "null", true},
	}
	for _, mk := range protections {
		p := mk.make()
		for _, c := range cases {
			t.Run(mk.name+"/"+c.name, func(t *testing.T) {
				if err := p.AddTrustedOrigin(c.origin); (err != nil) != c.wantErr {
					t.Errorf("AddTrustedOrigin(%q) = %v, want an error: %v", c.origin, err, c.wantErr)
				}
			})
		}
	}
}

func TestCrossOriginProtectionStdlibSetDenyHandler(t *testing.T) {
	for _, mk := range protections {
		t.Run(mk.name, func(t *testing.T) {
			p := mk.make()
			h := p.Handler(statusOK)
			crossSite := func() *http.Request {
				r := stdRequest("POST", "https://example.com/")
				r.Header.Set("Sec-Fetch-Site", "cross-site")
				return r
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, crossSite())
			if w.Code != http.StatusForbidden {
				t.Errorf("default deny: status %d, want 403", w.Code)
			}
			p.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusTeapot)
				io.WriteString(w, "custom error")
			}))
			w = httptest.NewRecorder()
			h.ServeHTTP(w, crossSite())
			if w.Code != http.StatusTeapot || !strings.Contains(w.Body.String(), "custom error") {
				t.Errorf("custom deny: status %d, body %q; want 418 and the custom body", w.Code, w.Body)
			}
			w = httptest.NewRecorder()
			h.ServeHTTP(w, stdRequest("GET", "https://example.com/"))
			if w.Code != http.StatusOK {
				t.Errorf("GET with a custom deny handler: status %d, want 200", w.Code)
			}
			p.SetDenyHandler(nil)
			w = httptest.NewRecorder()
			h.ServeHTTP(w, crossSite())
			if w.Code != http.StatusForbidden {
				t.Errorf("deny handler reset to nil: status %d, want 403", w.Code)
			}
		})
	}
}

func TestCrossOriginProtectionStdlibAddingBypassesConcurrently(t *testing.T) {
	for _, mk := range protections {
		t.Run(mk.name, func(t *testing.T) {
			p := mk.make()
			h := p.Handler(statusOK)
			r := stdRequest("POST", "https://example.com/")
			r.Header.Set("Origin", "https://concurrent.example")
			r.Header.Set("Sec-Fetch-Site", "cross-site")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusForbidden {
				t.Errorf("before: status %d, want 403", w.Code)
			}
			start, done := make(chan struct{}), make(chan struct{})
			go func() {
				close(start)
				defer close(done)
				for i := 0; i < 10; i++ {
					h.ServeHTTP(httptest.NewRecorder(), r)
				}
			}()
			<-start // the requests are in flight
			if err := p.AddTrustedOrigin("https://concurrent.example"); err != nil {
				t.Error(err)
			}
			if err := p.AddInsecureBypassPattern("/foo/"); err != nil {
				t.Error(err)
			}
			<-done
			w = httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				t.Errorf("after adding the trusted origin: status %d, want 200", w.Code)
			}
		})
	}
}

func TestCrossOriginProtectionStdlibServer(t *testing.T) {
	for _, mk := range protections {
		t.Run(mk.name, func(t *testing.T) {
			p := mk.make()
			if err := p.AddTrustedOrigin("https://trusted.example"); err != nil {
				t.Fatal(err)
			}
			if err := p.AddInsecureBypassPattern("/bypass/"); err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewServer(p.Handler(statusOK))
			defer ts.Close()
			cases := []struct {
				name, method, url, origin, secFetchSite string
				want                                    int
			}{
				{"cross-site", "POST", ts.URL, "https://attacker.example", "cross-site", http.StatusForbidden},
				{"same-origin", "POST", ts.URL, "", "same-origin", http.StatusOK},
				{"origin matches host", "POST", ts.URL, ts.URL, "", http.StatusOK},
				{"trusted origin", "POST", ts.URL, "https://trusted.example", "", http.StatusOK},
				{"untrusted origin", "POST", ts.URL, "https://attacker.example", "", http.StatusForbidden},
				{"bypass path", "POST", ts.URL + "/bypass/", "https://attacker.example", "", http.StatusOK},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					req, err := http.NewRequest(c.method, c.url, nil)
					if err != nil {
						t.Fatal(err)
					}
					if c.origin != "" {
						req.Header.Set("Origin", c.origin)
					}
					if c.secFetchSite != "" {
						req.Header.Set("Sec-Fetch-Site", c.secFetchSite)
					}
					res, err := ts.Client().Do(req)
					if err != nil {
						t.Fatal(err)
					}
					res.Body.Close()
					if res.StatusCode != c.want {
						t.Errorf("status %d, want %d", res.StatusCode, c.want)
					}
				})
			}
		})
	}
}
