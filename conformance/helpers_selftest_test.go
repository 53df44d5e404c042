package conformance_test

import (
	"net/http"
	"os"
	"testing"

	"github.com/session2/session2/conformance"
	"github.com/session2/session2/core/session"
)

type netHTTPMiddleware = func(http.Handler) http.Handler

// TestBrokenHelpersOpenDoor: helpers that let every request through.
func TestBrokenHelpersOpenDoor(t *testing.T) {
	brokenOnly(t)
	open := func(next http.Handler) http.Handler { return next }
	kit := conformance.NetHTTPHelpers
	kit.RequireUser = func(string, ...session.RequireOption) netHTTPMiddleware { return open }
	kit.RequireAccount = kit.RequireUser
	kit.CheckFormToken = func() netHTTPMiddleware { return open }
	kit.CheckFormTokenAccount = kit.CheckFormToken
	conformance.TestHelpers(t, kit)
}

// TestBrokenHelpersNoSkip: a router that claims to skip routes but does
// not.
func TestBrokenHelpersNoSkip(t *testing.T) {
	brokenOnly(t)
	kit := conformance.NetHTTPHelpers
	router := kit.Router
	kit.Router = func(t *testing.T, m *session.Manager[session.Map], routes []conformance.GuardedRoute[netHTTPMiddleware], skip []string) http.Handler {
		return router(t, m, routes, nil)
	}
	conformance.TestHelpers(t, kit)
}

// TestSuiteCatchesBrokenHelpers runs each TestBrokenHelpers* test in a
// child process and checks that it fails where it is broken, and only
// there.
func TestSuiteCatchesBrokenHelpers(t *testing.T) {
	if os.Getenv(brokenEnv) != "" {
		t.Skip("already in a child process")
	}
	for _, c := range []struct {
		test               string
		wantFail, wantPass []string
	}{
		{
			test:     "TestBrokenHelpersOpenDoor",
			wantFail: []string{"RequireUserRedirects", "RequireUserChallenges", "CheckFormToken", "HelpersOfAnotherTypePanic"},
			wantPass: []string{"RequireUserLetsUsersIn", "SkippedRoutes"},
		},
		{
			test:     "TestBrokenHelpersNoSkip",
			wantFail: []string{"SkippedRoutes"},
			wantPass: []string{"RequireUserRedirects", "RequireUserChallenges", "RequireUserLetsUsersIn", "CheckFormToken", "HelpersOfAnotherTypePanic"},
		},
	} {
		t.Run(c.test, func(t *testing.T) {
			t.Parallel()
			checkBrokenChild(t, c.test, c.wantFail, c.wantPass)
		})
	}
}
