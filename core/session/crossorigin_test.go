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
	if err := p.AddBypassPattern("POST /hooks/"); err != nil {
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
	if err := p.AddBypassPattern("POST /a/"); err != nil {
		t.Fatal(err)
	}
	if err := p.AddBypassPattern("POST /a/"); err == nil {
		t.Error("a conflicting bypass pattern gives no error")
	}
	if err := p.AddBypassPattern("/{unclosed"); err == nil {
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
