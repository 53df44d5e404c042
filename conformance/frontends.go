package conformance

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// Account is the session data of the application TestFrontEnds drives.
type Account struct {
	Balance int `json:"balance"`
}

// NewFrontEndFunc builds the application TestFrontEnds drives, on the
// adapter's router behind its session middleware for m:
//
//	POST /login?user=U&remember=on&next=P   SetUser(U); SetPersistent(remember == "on");
//	                                        303 to session.ReturnTo(r, "next", "/")
//	GET  /account                           behind the adapter's RequireUser("/login")
//	                                        with ReturnTo("next"); writes "balance N"
//	POST /deposit                           adds 10 to Balance
//	POST /logout-everywhere                 n, _ := m.LogoutUser(ctx, user);
//	                                        AddFlashKind(FlashSuccess, "logged out of N sessions");
//	                                        303 to /
type NewFrontEndFunc func(t *testing.T, m *session.Manager[Account]) http.Handler

// TestFrontEnds checks, through the adapter's router, what a front end
// builds on: the test kit (a request carrying a session, the session a
// response left), RequireUser's way back to the page asked for (and no
// way out to another site), remember-me, and Manager.LogoutUser with the
// request's own flash surviving. It runs once with cookies and once with
// header tokens (session.WithHeaderToken("Authorization")).
func TestFrontEnds(t *testing.T, newHandler NewFrontEndFunc) {
	t.Helper()
	for _, mode := range []string{"cookie", "header"} {
		t.Run(mode, func(t *testing.T) {
			var opts []session.Option
			if mode == "header" {
				opts = append(opts, session.WithHeaderToken("Authorization"))
			}
			m := sessiontest.NewManager[Account](t, opts...)
			h := newHandler(t, m)
			do := func(r *http.Request) *http.Response {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, r)
				return rec.Result()
			}

			// The test kit: a request with a session, the session after.
			req := sessiontest.WithSession(t, m, httptest.NewRequest("POST", "/deposit", nil), "ann",
				func(s *session.Session[Account]) { s.Data().Balance = 5 })
			st := sessiontest.SessionAfter(t, m, req, do(req))
			if !st.Found || st.User != "ann" || st.Data.Balance != 15 {
				t.Fatalf("after a deposit: %+v", st)
			}

			// RequireUser sends an anonymous visitor to the login page with
			// the way back, and the login returns there, remembered.
			res := do(httptest.NewRequest("GET", "/account?tab=2", nil))
			if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/login?next=%2Faccount%3Ftab%3D2" {
				t.Fatalf("anonymous /account: %d %q", res.StatusCode, loc)
			}
			login := httptest.NewRequest("POST", "/login?user=ann&remember=on&next=%2Faccount%3Ftab%3D2", nil)
			res = do(login)
			if loc := res.Header.Get("Location"); loc != "/account?tab=2" {
				t.Errorf("login went to %q, want back to /account?tab=2", loc)
			}
			st = sessiontest.SessionAfter(t, m, login, res)
			if !st.Persistent || st.User != "ann" {
				t.Errorf("remembered login: %+v", st)
			}
			if mode == "cookie" && !strings.Contains(res.Header.Get("Set-Cookie"), "Max-Age=") {
				t.Errorf("remember-me cookie %q has no Max-Age", res.Header.Get("Set-Cookie"))
			}
			evil := httptest.NewRequest("POST", "/login?user=ann&next=//evil.example", nil)
			if loc := do(evil).Header.Get("Location"); loc != "/" {
				t.Errorf("login with next=//evil.example went to %q", loc)
			}

			// Log out everywhere: every session of the user goes (the five
			// made above), and a fresh anonymous session carries the flash
			// to the next page.
			other := sessiontest.WithSession(t, m, httptest.NewRequest("GET", "/account", nil), "ann", nil)
			here := sessiontest.WithSession(t, m, httptest.NewRequest("POST", "/logout-everywhere", nil), "ann", nil)
			res = do(here)
			st = sessiontest.SessionAfter(t, m, here, res)
			if !st.Found || st.User != "" || len(st.Flashes) != 1 || st.Flashes[0].Text != "logged out of 5 sessions" {
				t.Errorf("after logging out everywhere: %+v", st)
			}
			if res := do(other); res.StatusCode != http.StatusSeeOther {
				t.Errorf("another session of the user still opens /account: %d", res.StatusCode)
			}
		})
	}
}
