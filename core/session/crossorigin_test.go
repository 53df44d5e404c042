package session_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/session2/session2/core/session"
)

func TestCrossOriginProtection(t *testing.T) {
	p := session.NewCrossOriginProtection()
	if err := p.AddTrustedOrigin("https://front.example.com"); err != nil {
		t.Fatal(err)
	}
	if err := p.AddInsecureBypassPattern("POST /hooks/"); err != nil {
		t.Fatal(err)
	}
	reached := 0
	h := p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached++ }))

	cases := []struct {
		name, method, path string
		headers            map[string]string
		want               int
	}{
		{"GET cross-site", "GET", "/", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, 200},
		{"HEAD cross-site", "HEAD", "/", map[string]string{"Sec-Fetch-Site": "cross-site"}, 200},
		{"OPTIONS cross-site", "OPTIONS", "/", map[string]string{"Sec-Fetch-Site": "cross-site"}, 200},
		{"POST same-origin", "POST", "/", map[string]string{"Sec-Fetch-Site": "same-origin"}, 200},
		{"POST typed URL", "POST", "/", map[string]string{"Sec-Fetch-Site": "none"}, 200},
		{"POST cross-site", "POST", "/", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, 403},
		{"POST same-site", "POST", "/", map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "https://sub.example.com"}, 403},
		{"DELETE cross-site", "DELETE", "/", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"POST trusted origin", "POST", "/", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://front.example.com"}, 200},
		{"POST trusted origin, other case", "POST", "/", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "HTTPS://FRONT.example.com"}, 200},
		{"POST bypassed", "POST", "/hooks/x", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, 200},
		{"PUT not bypassed", "PUT", "/hooks/x", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"old browser, own origin", "POST", "/", map[string]string{"Origin": "http://example.com"}, 200},
		{"old browser, other origin", "POST", "/", map[string]string{"Origin": "http://evil.example"}, 403},
		{"old browser, null origin", "POST", "/", map[string]string{"Origin": "null"}, 403},
		{"no headers (curl)", "POST", "/", nil, 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := reached
			r := httptest.NewRequest(c.method, "http://example.com"+c.path, nil)
			for k, v := range c.headers {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != c.want {
				t.Errorf("status %d, want %d", w.Code, c.want)
			}
			if got := reached - before; (c.want == 200) != (got == 1) {
				t.Errorf("the handler ran %d times for a %d answer", got, c.want)
			}
			if err := p.Check(r); (err != nil) != (c.want == 403) || err != nil && !errors.Is(err, session.ErrCrossOrigin) {
				t.Errorf("Check = %v", err)
			}
		})
	}
}

func TestCrossOriginProtectionConfig(t *testing.T) {
	p := session.NewCrossOriginProtection()
	for _, bad := range []string{"", "example.com", "https://example.com/path", "https://example.com?x", "https://u@example.com", "://x"} {
		if err := p.AddTrustedOrigin(bad); err == nil {
			t.Errorf("AddTrustedOrigin(%q) = nil, want an error", bad)
		}
	}
	if err := p.AddInsecureBypassPattern("POST /a/"); err != nil {
		t.Fatal(err)
	}
	if err := p.AddInsecureBypassPattern("POST /a/"); err == nil {
		t.Error("a conflicting bypass pattern gives no error")
	}
	if err := p.AddInsecureBypassPattern("/{unclosed"); err == nil {
		t.Error("an invalid bypass pattern gives no error")
	}
	p.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !errors.Is(p.Check(r), session.ErrCrossOrigin) {
			t.Error("the deny handler's Check is not ErrCrossOrigin")
		}
		w.WriteHeader(http.StatusTeapot)
	}))
	r := httptest.NewRequest("POST", "http://example.com/", nil)
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	w := httptest.NewRecorder()
	p.Handler(http.NotFoundHandler()).ServeHTTP(w, r)
	if w.Code != http.StatusTeapot {
		t.Errorf("deny handler not used: %d", w.Code)
	}
}

// crossSite is a browser's cross-site POST to path on example.com.
func crossSite(path string) *http.Request {
	r := httptest.NewRequest("POST", "http://example.com"+path, nil)
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	r.Header.Set("Origin", "https://evil.example")
	return r
}

// TestCrossOriginBypassRedirect: a bypass for an SSO callback under
// /login/ does not open POST /login, which ServeMux would only redirect
// to /login/, nor a path that cleans to one under /login/. Before the
// bypass compared the handler, a cross-site POST /login logged the victim
// in as the attacker.
func TestCrossOriginBypassRedirect(t *testing.T) {
	p := session.NewCrossOriginProtection()
	if err := p.AddInsecureBypassPattern("POST /login/"); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	loggedIn := false
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) { loggedIn = true })
	mux.HandleFunc("POST /login/", func(w http.ResponseWriter, r *http.Request) {})
	h := p.Handler(mux)
	for _, path := range []string{"/login", "/x/../login/callback", "//login/callback"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, crossSite(path))
		if w.Code != http.StatusForbidden || loggedIn {
			t.Errorf("cross-site POST %s: status %d, login handler ran: %v; want 403", path, w.Code, loggedIn)
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, crossSite("/login/callback"))
	if w.Code != http.StatusOK {
		t.Errorf("cross-site POST /login/callback (bypassed): status %d, want 200", w.Code)
	}
}

// TestCrossOriginBypassEscapedSlash: a path with an escaped slash never
// bypasses, whatever its case, since gin routes /hooks/github%2Frotate
// as /hooks/github/rotate while ServeMux sees one segment matching
// /hooks/{provider}. A literal "%2F" (sent as %252F) stays one segment
// for every router and still bypasses.
func TestCrossOriginBypassEscapedSlash(t *testing.T) {
	p := session.NewCrossOriginProtection()
	if err := p.AddInsecureBypassPattern("POST /hooks/{provider}"); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]int{
		"/hooks/github":            http.StatusOK,
		"/hooks/github%2Frotate":   http.StatusForbidden,
		"/hooks/github%2frotate":   http.StatusForbidden,
		"/hooks/%2F":               http.StatusForbidden,
		"/hooks/github%252Frotate": http.StatusOK,
	} {
		w := httptest.NewRecorder()
		p.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ServeHTTP(w, crossSite(path))
		if w.Code != want {
			t.Errorf("cross-site POST %s: status %d, want %d", path, w.Code, want)
		}
	}
}

// TestCrossOriginProtectionZero: a zero CrossOriginProtection takes
// trusted origins and bypass patterns, as the constructed one does.
func TestCrossOriginProtectionZero(t *testing.T) {
	var p session.CrossOriginProtection
	if err := p.AddTrustedOrigin("https://front.example.com"); err != nil {
		t.Fatal(err)
	}
	if err := p.AddInsecureBypassPattern("POST /hooks/"); err != nil {
		t.Fatal(err)
	}
	r := crossSite("/hooks/x")
	if err := p.Check(r); err != nil {
		t.Errorf("bypassed path: %v", err)
	}
	r = crossSite("/")
	if err := p.Check(r); !errors.Is(err, session.ErrCrossOrigin) {
		t.Errorf("cross-site POST: %v, want ErrCrossOrigin", err)
	}
	r.Header.Set("Origin", "https://front.example.com")
	if err := p.Check(r); err != nil {
		t.Errorf("trusted origin: %v", err)
	}
}

// TestAddBypassPatternDeprecated: the old name still adds a pattern.
func TestAddBypassPatternDeprecated(t *testing.T) {
	p := session.NewCrossOriginProtection()
	if err := p.AddBypassPattern("POST /hooks/"); err != nil {
		t.Fatal(err)
	}
	if err := p.Check(crossSite("/hooks/x")); err != nil {
		t.Errorf("bypassed path: %v", err)
	}
	if err := p.AddInsecureBypassPattern("POST /hooks/"); err == nil {
		t.Error("the pattern the old name added does not conflict with itself")
	}
}
