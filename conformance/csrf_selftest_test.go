package conformance_test

import (
	"net/http"
	"os"
	"testing"

	"github.com/session2/session2/conformance"
	"github.com/session2/session2/core/session"
)

// TestBrokenCSRFNoToken: the second layer left out, so tokens are never
// checked.
func TestBrokenCSRFNoToken(t *testing.T) {
	brokenOnly(t)
	conformance.TestCSRF(t, func(t *testing.T, m *session.Manager[session.Map], cop *session.CrossOriginProtection, csrf *session.CSRF, routes conformance.Routes) http.Handler {
		return cop.Handler(m.Handler(serveRoutes(m, routes)))
	})
}

// TestBrokenCSRFSessionFirst: the first layer behind the session
// middleware, so a refused cross-site request has loaded its session.
func TestBrokenCSRFSessionFirst(t *testing.T) {
	brokenOnly(t)
	conformance.TestCSRF(t, func(t *testing.T, m *session.Manager[session.Map], cop *session.CrossOriginProtection, csrf *session.CSRF, routes conformance.Routes) http.Handler {
		return m.Handler(cop.Handler(csrf.Handler(serveRoutes(m, routes))))
	})
}

// TestSuiteCatchesBrokenCSRF runs each TestBrokenCSRF* test in a child
// process and checks that it fails where it is broken, and only there.
func TestSuiteCatchesBrokenCSRF(t *testing.T) {
	if os.Getenv(brokenEnv) != "" {
		t.Skip("already in a child process")
	}
	cases := []struct {
		test     string
		wantFail []string
		wantPass []string
	}{
		{
			test:     "TestBrokenCSRFNoToken",
			wantFail: []string{"BrowserWithoutToken", "WrongToken", "LoginRotates"},
			wantPass: []string{"Tabs", "CrossSite", "Anonymous", "ScriptWithoutToken"},
		},
		{
			test:     "TestBrokenCSRFSessionFirst",
			wantFail: []string{"CrossSite"},
			wantPass: []string{"Tabs", "Htmx", "Anonymous", "BrowserWithoutToken", "ScriptWithoutToken", "WrongToken", "LoginRotates"},
		},
	}
	for _, c := range cases {
		t.Run(c.test, func(t *testing.T) {
			t.Parallel()
			checkBrokenChild(t, c.test, c.wantFail, c.wantPass)
		})
	}
}
