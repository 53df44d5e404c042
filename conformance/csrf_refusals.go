package conformance

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/session2/session2/core/session"
)

// The properties of TestCSRF that set up the protections themselves:
// bypass patterns, and the application's own refusal handlers.

// protectBypass opens two bypasses: a webhook per provider, and every
// path below /login/.
func protectBypass(a *csrfApp) *session.CSRFOptions {
	for _, p := range []string{"POST /hooks/{provider}", "POST /login/"} {
		if err := a.cop.AddInsecureBypassPattern(p); err != nil {
			a.t.Fatal(err)
		}
	}
	return nil
}

func testCSRFBypassPatterns(t *testing.T, a *csrfApp) {
	evil := http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}}
	for _, c := range []struct {
		path, want string // want: the route that ran, or "" for a refusal
	}{
		{"/hooks/github", "/hooks/{provider}"},
		{"/hooks/github%2Frotate", ""},
		{"/hooks/github%2frotate", ""},
		{"/login", ""},
		{"/login/callback", "/login/callback"},
	} {
		code, body, _ := a.do("POST", c.path, nil, evil)
		if c.want == "" && (code != http.StatusForbidden || strings.HasPrefix(body, "ran ")) {
			t.Errorf("cross-site POST %s: %d %q; want 403, no handler", c.path, code, body)
		}
		if c.want != "" && (code != http.StatusOK || body != "ran "+c.want) {
			t.Errorf("cross-site POST %s: %d %q; want 200 from %s", c.path, code, body, c.want)
		}
	}
}

// protectAppHandlers sets the application's refusal handlers: 418 for a
// cross-origin request, 451 for a CSRF refusal, whose error it keeps.
func protectAppHandlers(a *csrfApp) *session.CSRFOptions {
	a.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	}))
	return &session.CSRFOptions{ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
		a.refused = err
		w.WriteHeader(http.StatusUnavailableForLegalReasons)
	}}
}

func testCSRFAppHandlers(t *testing.T, a *csrfApp) {
	tok := a.login("ann")
	code, _, _ := a.do("POST", "/set", nil, http.Header{"Sec-Fetch-Site": {"cross-site"}})
	a.expect("cross-site POST", code, http.StatusTeapot)
	h := a.browser()
	h.Set(session.DefaultCSRFHeader, "forged"+tok[6:])
	code, _, _ = a.do("POST", "/set", nil, h)
	a.expect("POST with a forged token", code, http.StatusUnavailableForLegalReasons)
	if !errors.Is(a.refused, session.ErrCSRF) {
		t.Errorf("the CSRF error handler got %v, want an error wrapping ErrCSRF", a.refused)
	}
	if a.handled != 1 {
		t.Errorf("handlers ran %d times, want 1 (the login)", a.handled)
	}
}
