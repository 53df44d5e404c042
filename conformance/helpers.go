package conformance

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// Helpers describes an adapter's helpers for [TestHelpers], over the
// adapter's middleware type H (gin.HandlerFunc, echo.MiddlewareFunc,
// func(http.Handler) http.Handler). The helpers are the adapter's own
// functions, instantiated: RequireUser is ginsession.RequireUser[session.Map].
type Helpers[H any] struct {
	// Router returns the adapter's router: its session middleware for m,
	// leaving alone the requests whose URL path is in skip, then every
	// route behind the middleware of its Use, in order. A route's Handle
	// gets the session the adapter's Lookup returns: nil for a skipped
	// request. It installs no recovery middleware: the suite sees the
	// helpers' panics.
	Router func(t *testing.T, m *session.Manager[session.Map], routes []GuardedRoute[H], skip []string) http.Handler
	// RequireUser and CheckFormToken are the adapter's helpers for
	// session.Map.
	RequireUser    func(loginURL string, opts ...session.RequireOption) H
	CheckFormToken func() H
	// RequireAccount and CheckFormTokenAccount are the same helpers for
	// the type Account, which is not the manager's: they must panic naming
	// both types.
	RequireAccount        func(loginURL string, opts ...session.RequireOption) H
	CheckFormTokenAccount func() H
	// Skips says that Router honours skip; an adapter that cannot skip
	// routes (chi) leaves it false, and the SkippedRoutes subtest is
	// skipped.
	Skips bool
}

// A GuardedRoute is a route of [TestHelpers]' application, served behind
// the adapter middleware of Use, in order.
type GuardedRoute[H any] struct {
	Route
	Use []H
}

// NetHTTPHelpers is the Helpers of the core's own gates on an
// [http.ServeMux] behind [session.Manager.Handler].
var NetHTTPHelpers = Helpers[func(http.Handler) http.Handler]{
	Router: func(t *testing.T, m *session.Manager[session.Map], routes []GuardedRoute[func(http.Handler) http.Handler], skip []string) http.Handler {
		mux, direct := http.NewServeMux(), http.NewServeMux()
		for _, rt := range routes {
			var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s, _ := session.FromContext[session.Map](r.Context())
				rt.Handle(w, r, s)
			})
			for i := len(rt.Use) - 1; i >= 0; i-- {
				h = rt.Use[i](h)
			}
			mux.Handle(rt.Method+" "+rt.Path, h)
			direct.Handle(rt.Method+" "+rt.Path, h)
		}
		withSession := m.Handler(mux)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for _, p := range skip {
				if r.URL.Path == p {
					direct.ServeHTTP(w, r)
					return
				}
			}
			withSession.ServeHTTP(w, r)
		})
	},
	RequireUser: func(loginURL string, opts ...session.RequireOption) func(http.Handler) http.Handler {
		return session.RequireUser[session.Map](loginURL, opts...).Handler
	},
	CheckFormToken: func() func(http.Handler) http.Handler { return session.CheckFormToken[session.Map]().Handler },
	RequireAccount: func(loginURL string, opts ...session.RequireOption) func(http.Handler) http.Handler {
		return session.RequireUser[Account](loginURL, opts...).Handler
	},
	CheckFormTokenAccount: func() func(http.Handler) http.Handler { return session.CheckFormToken[Account]().Handler },
	Skips:                 true,
}

// TestHelpers checks the helpers an adapter gives its users, RequireUser
// and CheckFormToken, and its skipping of routes, with one named subtest
// per property:
//
//   - RequireUserRedirects: an anonymous browser is sent to the login
//     page (303), with the page asked for under ReturnParam.
//   - RequireUserChallenges: with no login URL, 401 and a
//     WWW-Authenticate challenge: the default, the Bearer one behind a
//     manager reading the Authorization header, or ChallengeWith's.
//   - RequireUserLetsUsersIn: a logged-in user reaches the handler.
//   - CheckFormToken: safe methods pass; an unsafe one needs one of its
//     session's form tokens, from the header or the form body (never the
//     URL), once.
//   - HelpersOfAnotherTypePanic: the helpers of a type that is not the
//     manager's panic naming both types, rather than sending a logged-in
//     user to the login page for ever.
//   - SkippedRoutes: a skipped request has no session, no store access
//     and no cookie.
//
// The application's routes, answering 200 text/plain:
//
//	POST /login?user=U  SetUser(U)
//	GET  /token         writes a new form token
//	GET  /account       behind RequireUser("/login-page"): "account of U"
//	GET  /cart          behind RequireUser("/login?lang=en", ReturnParam("next"))
//	GET  /api/me        behind RequireUser(""): writes the user
//	GET  /api/custom    behind RequireUser("", ChallengeWith(`Bearer realm="api"`))
//	GET, POST, DELETE /transfer  behind CheckFormToken: writes "done"
//	GET  /other-user    behind RequireAccount("/login-page")
//	POST /other-form    behind CheckFormTokenAccount
//	GET  /probe, /healthz  write "session", or "none" without one
func TestHelpers[H any](t *testing.T, kit Helpers[H]) {
	t.Helper()
	if kit.Router == nil || kit.RequireUser == nil || kit.CheckFormToken == nil ||
		kit.RequireAccount == nil || kit.CheckFormTokenAccount == nil {
		t.Fatal("conformance: TestHelpers: a field of Helpers is nil")
	}
	for _, p := range []struct {
		name string
		test func(t *testing.T, newApp func(opts ...session.Option) *helperApp)
	}{
		{"RequireUserRedirects", testRequireUserRedirects},
		{"RequireUserChallenges", testRequireUserChallenges},
		{"RequireUserLetsUsersIn", testRequireUserLetsUsersIn},
		{"CheckFormToken", testCheckFormToken},
		{"HelpersOfAnotherTypePanic", testHelpersOfAnotherTypePanic},
		{"SkippedRoutes", testSkippedRoutes},
	} {
		t.Run(p.name, func(t *testing.T) {
			if p.name == "SkippedRoutes" && !kit.Skips {
				t.Skip("the adapter does not skip routes (Helpers.Skips is false)")
			}
			p.test(t, func(opts ...session.Option) *helperApp { return startHelperApp(t, kit, opts) })
		})
	}
}

// helperApp is the application TestHelpers drives.
type helperApp struct {
	*Harness
	h       http.Handler
	reached atomic.Int64 // runs of /transfer
}

func startHelperApp[H any](t *testing.T, kit Helpers[H], opts []session.Option) *helperApp {
	t.Helper()
	a := &helperApp{}
	a.Harness = NewHarness(t, func(m *session.Manager[session.Map]) http.Handler {
		a.h = kit.Router(t, m, helperRoutes(a, kit), []string{"/healthz"})
		return a.h
	}, opts...)
	return a
}

// helperRoutes returns the application's routes, with kit's helpers.
func helperRoutes[H any](a *helperApp, kit Helpers[H]) []GuardedRoute[H] {
	type S = *session.Session[session.Map]
	write := func(w http.ResponseWriter, s string) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, s)
	}
	user := func(w http.ResponseWriter, r *http.Request, s S) { write(w, s.User()) }
	probe := func(w http.ResponseWriter, r *http.Request, s S) {
		if s == nil {
			write(w, "none")
			return
		}
		write(w, "session")
	}
	transfer := func(w http.ResponseWriter, r *http.Request, s S) {
		a.reached.Add(1)
		write(w, "done")
	}
	route := func(method, path string, handle func(http.ResponseWriter, *http.Request, S), use ...H) GuardedRoute[H] {
		return GuardedRoute[H]{Route{method, path, handle}, use}
	}
	return []GuardedRoute[H]{
		route("POST", "/login", func(w http.ResponseWriter, r *http.Request, s S) {
			if err := s.SetUser(r.URL.Query().Get("user")); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
			}
		}),
		route("GET", "/token", func(w http.ResponseWriter, r *http.Request, s S) {
			tok, err := s.NewFormToken()
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			write(w, tok)
		}),
		route("GET", "/account", func(w http.ResponseWriter, r *http.Request, s S) { write(w, "account of "+s.User()) },
			kit.RequireUser("/login-page")),
		route("GET", "/cart", user, kit.RequireUser("/login?lang=en", session.ReturnParam("next"))),
		route("GET", "/api/me", user, kit.RequireUser("")),
		route("GET", "/api/custom", user, kit.RequireUser("", session.ChallengeWith(`Bearer realm="api"`))),
		route("GET", "/transfer", transfer, kit.CheckFormToken()),
		route("POST", "/transfer", transfer, kit.CheckFormToken()),
		route("DELETE", "/transfer", transfer, kit.CheckFormToken()),
		route("GET", "/other-user", user, kit.RequireAccount("/login-page")),
		route("POST", "/other-form", user, kit.CheckFormTokenAccount()),
		route("GET", "/probe", probe),
		route("GET", "/healthz", probe),
	}
}

func testRequireUserRedirects(t *testing.T, newApp func(opts ...session.Option) *helperApp) {
	a := newApp()
	b := a.Browser()
	for path, want := range map[string]string{
		"/account":  "/login-page",
		"/cart?x=1": "/login?lang=en&next=" + url.QueryEscape("/cart?x=1"),
	} {
		res, body := b.Get(path)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want {
			t.Errorf("anonymous %s: %d to %q, want 303 to %q", path, res.StatusCode, res.Header.Get("Location"), want)
		}
		if strings.Contains(body, "account of") {
			t.Errorf("anonymous %s reached the handler: %q", path, body)
		}
	}
}

func testRequireUserChallenges(t *testing.T, newApp func(opts ...session.Option) *helperApp) {
	for _, tc := range []struct {
		opts       []session.Option
		path, want string
	}{
		{nil, "/api/me", `Session realm="session"`},
		{nil, "/api/custom", `Bearer realm="api"`},
		{[]session.Option{session.WithHeaderToken("Authorization")}, "/api/me", `Bearer realm="session"`},
	} {
		a := newApp(tc.opts...)
		res, body := a.Browser().Get(tc.path)
		if res.StatusCode != http.StatusUnauthorized || res.Header.Get("WWW-Authenticate") != tc.want {
			t.Errorf("anonymous %s (%d manager options): %d %q, WWW-Authenticate %q; want 401 with %q",
				tc.path, len(tc.opts), res.StatusCode, body, res.Header.Get("WWW-Authenticate"), tc.want)
		}
	}
}

func testRequireUserLetsUsersIn(t *testing.T, newApp func(opts ...session.Option) *helperApp) {
	a := newApp()
	b := a.Browser()
	b.Send("POST", "/login?user=ann", nil, nil)
	for path, want := range map[string]string{"/account": "account of ann", "/api/me": "ann", "/cart": "ann"} {
		if res, body := b.Get(path); res.StatusCode != http.StatusOK || body != want {
			t.Errorf("logged-in %s: %d %q, want 200 %q", path, res.StatusCode, body, want)
		}
	}
}

func testCheckFormToken(t *testing.T, newApp func(opts ...session.Option) *helperApp) {
	a := newApp()
	b := a.Browser()
	if res, _ := b.Get("/transfer"); res.StatusCode != http.StatusOK {
		t.Errorf("GET /transfer without a token: %d, want 200 (a safe method)", res.StatusCode)
	}
	_, tok := b.Get("/token")
	for _, tc := range []struct {
		name string
		path string
		form url.Values
		want int
	}{
		{"no token", "/transfer", url.Values{}, http.StatusForbidden},
		{"wrong token", "/transfer", url.Values{session.FormTokenField: {otherToken(tok)}}, http.StatusForbidden},
		{"token in the URL", "/transfer?" + session.FormTokenField + "=" + url.QueryEscape(tok), url.Values{}, http.StatusForbidden},
		{"form field", "/transfer", url.Values{session.FormTokenField: {tok}}, http.StatusOK},
		{"used twice", "/transfer", url.Values{session.FormTokenField: {tok}}, http.StatusForbidden},
	} {
		if res, body := b.Send("POST", tc.path, tc.form, nil); res.StatusCode != tc.want {
			t.Errorf("POST, %s: %d %q, want %d", tc.name, res.StatusCode, body, tc.want)
		}
	}
	_, tok2 := b.Get("/token")
	if res, body := b.Send("DELETE", "/transfer", nil, http.Header{session.FormTokenHeader: {tok2}}); res.StatusCode != http.StatusOK {
		t.Errorf("DELETE with the token in the header: %d %q, want 200", res.StatusCode, body)
	}
	_, tok3 := b.Get("/token")
	if res, _ := a.Browser().Send("POST", "/transfer", url.Values{session.FormTokenField: {tok3}}, nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("another browser with this session's token: %d, want 403", res.StatusCode)
	}
	if n := a.reached.Load(); n != 3 {
		t.Errorf("the handler ran %d times, want 3 (GET, the form field, the header)", n)
	}
}

func testHelpersOfAnotherTypePanic(t *testing.T, newApp func(opts ...session.Option) *helperApp) {
	a := newApp()
	for _, tc := range []struct{ method, path, helper string }{
		{"GET", "/other-user", "RequireUser"},
		{"POST", "/other-form", "CheckFormToken"},
	} {
		req := sessiontest.WithSession(t, a.Manager, httptest.NewRequest(tc.method, tc.path, nil), "ann", nil)
		msg := func() (msg string) {
			defer func() { msg = fmt.Sprint(recover()) }()
			a.h.ServeHTTP(httptest.NewRecorder(), req)
			return "no panic"
		}()
		if !strings.Contains(msg, tc.helper) || !strings.Contains(msg, "session.Map") || !strings.Contains(msg, "conformance.Account") {
			t.Errorf("%s %s: panic %q; want a panic of %s naming session.Map and conformance.Account", tc.method, tc.path, msg, tc.helper)
		}
	}
}

func testSkippedRoutes(t *testing.T, newApp func(opts ...session.Option) *helperApp) {
	a := newApp()
	b := a.Browser()
	b.Send("POST", "/login?user=ann", nil, nil)
	loads := a.Store.Calls(sessiontest.Load)
	res, body := b.Get("/healthz")
	if body != "none" || len(res.Header.Values("Set-Cookie")) != 0 {
		t.Errorf("/healthz, skipped: %q, Set-Cookie %q; want no session and no cookie", body, res.Header.Values("Set-Cookie"))
	}
	if n := a.Store.Calls(sessiontest.Load) - loads; n != 0 {
		t.Errorf("a skipped request made %d store loads", n)
	}
	if _, body := b.Get("/probe"); body != "session" {
		t.Errorf("/probe: %q, want a session", body)
	}
}

// otherToken returns a token of the same shape as tok that differs from it
// in its first character, whatever that character is.
func otherToken(tok string) string {
	if tok == "" || tok[0] == 'x' {
		return "y" + tok[min(1, len(tok)):]
	}
	return "x" + tok[1:]
}
