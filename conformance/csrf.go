package conformance

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
	"github.com/session2/session2/stores/memstore"
)

// NewProtectedFunc builds the router under test of [TestCSRF]: cop in
// front of the adapter's session middleware for m (so that a refused
// request never reaches the store), csrf behind it, and every route of
// routes on the adapter's router.
type NewProtectedFunc func(t *testing.T, m *session.Manager[session.Map], cop *session.CrossOriginProtection, csrf *session.CSRF, routes Routes) http.Handler

// NetHTTPProtected is the NewProtectedFunc of the core's own net/http
// middlewares: cop.Handler, then m.Handler, then csrf.Handler, then an
// [http.ServeMux].
func NetHTTPProtected(t *testing.T, m *session.Manager[session.Map], cop *session.CrossOriginProtection, csrf *session.CSRF, routes Routes) http.Handler {
	mux := http.NewServeMux()
	for _, rt := range routes {
		mux.HandleFunc(rt.Method+" "+rt.Path, func(w http.ResponseWriter, r *http.Request) {
			rt.Handle(w, r, m.Get(r))
		})
	}
	return cop.Handler(m.Handler(csrf.Handler(mux)))
}

// TestCSRF checks that an adapter serves both layers of CSRF protection
// ([session.CrossOriginProtection] and [session.CSRF]) as the core
// defines them, with one named subtest per property:
//
//   - Tabs: a token rendered 100 page views earlier still submits.
//   - Htmx: a request with the token in the X-CSRF-Token header passes.
//   - CrossSite: a cross-site POST is refused with no store access.
//   - Anonymous: an anonymous GET of a page with a login form makes no
//     store call and sets no cookie, and the login form's POST, with no
//     token, passes.
//   - BrowserWithoutToken: a browser's POST of a logged-in session without
//     a token is refused; the handler does not run.
//   - ScriptWithoutToken: a POST with neither Origin nor Sec-Fetch-Site
//     nor a token passes.
//   - WrongToken: a POST with a wrong token is refused, even from a script.
//   - LoginRotates: the token rendered before SetUser no longer passes.
//   - BodyIntact: the handler reads the exact form body in which the check
//     found the token.
//   - BypassPatterns: a cross-site POST passes where a bypass pattern
//     ("POST /hooks/{provider}", "POST /login/") matches what ServeMux
//     would serve with the bypass itself, and only there: not
//     /hooks/github%2Frotate (an escaped slash, which some routers read
//     as two segments), nor POST /login (which ServeMux would redirect).
//   - AppHandlers: the application's own refusal handlers
//     (SetDenyHandler, CSRFOptions.ErrorHandler) answer, the handler does not
//     run, and the CSRF handler gets an error wrapping ErrCSRF.
//
// The routes, all answering 200 text/plain:
//
//	GET  /form           writes the session's CSRF token ("" when anonymous)
//	POST /login          SetUser(form field "user"), writes the new token
//	POST /set            sets form field "key" to "value", writes "ok"
//	POST /echo           writes the request's body back
//	POST /hooks/{provider}, /hooks/{provider}/rotate, /login/callback
//	                     write "ran " and the route's path
//
// Paths with a {name} wildcard are served on a router with another
// syntax through [ColonPattern].
func TestCSRF(t *testing.T, newHandler NewProtectedFunc) {
	t.Helper()
	if newHandler == nil {
		t.Fatal("conformance: TestCSRF: newHandler is nil")
	}
	for _, p := range csrfProperties {
		t.Run(p.name, func(t *testing.T) {
			a := &csrfApp{t: t, cop: session.NewCrossOriginProtection()}
			var opts *session.CSRFOptions
			if p.protect != nil {
				opts = p.protect(a)
			}
			p.test(t, startCSRFApp(a, newHandler, opts))
		})
	}
}

var csrfProperties = []struct {
	name string
	test func(t *testing.T, a *csrfApp)
	// protect, when not nil, sets up a.cop and returns the options of
	// the app's CSRF check.
	protect func(a *csrfApp) *session.CSRFOptions
}{
	{"Tabs", testCSRFTabs, nil},
	{"Htmx", testCSRFHtmx, nil},
	{"CrossSite", testCSRFCrossSite, nil},
	{"Anonymous", testCSRFAnonymous, nil},
	{"BrowserWithoutToken", testCSRFBrowserWithoutToken, nil},
	{"ScriptWithoutToken", testCSRFScriptWithoutToken, nil},
	{"WrongToken", testCSRFWrongToken, nil},
	{"LoginRotates", testCSRFLoginRotates, nil},
	{"BodyIntact", testCSRFBodyIntact, nil},
	{"BypassPatterns", testCSRFBypassPatterns, protectBypass},
	{"AppHandlers", testCSRFAppHandlers, protectAppHandlers},
}

// csrfApp is the application TestCSRF drives, with one browser-like
// client: a cookie, and the headers a same-origin page's requests carry.
type csrfApp struct {
	t       *testing.T
	store   *sessiontest.Wrapper
	srv     *httptest.Server
	cookie  string
	handled int
	cop     *session.CrossOriginProtection
	refused error // what the application's CSRF error handler got
}

func startCSRFApp(a *csrfApp, newHandler NewProtectedFunc, opts *session.CSRFOptions) *csrfApp {
	t := a.t
	t.Helper()
	ms := memstore.New(memstore.WithSweepInterval(0))
	t.Cleanup(func() { ms.Close() })
	a.store = sessiontest.Wrap(ms)
	m, err := session.New[session.Map](a.store, session.WithLogger(discardLogger()))
	if err != nil {
		t.Fatal(err)
	}
	text := func(w http.ResponseWriter) { w.Header().Set("Content-Type", "text/plain; charset=utf-8") }
	routes := Routes{
		{"GET", "/form", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			text(w)
			io.WriteString(w, s.CSRFToken())
		}},
		{"POST", "/login", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			a.handled++
			if err := s.SetUser(r.PostFormValue("user")); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			text(w)
			io.WriteString(w, s.CSRFToken())
		}},
		{"POST", "/echo", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			a.handled++
			b, err := io.ReadAll(r.Body) // all of it before the response starts
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			text(w)
			w.Write(b)
		}},
		{"POST", "/set", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			a.handled++
			s.Data().Set(r.PostFormValue("key"), r.PostFormValue("value"))
			text(w)
			io.WriteString(w, "ok")
		}},
	}
	for _, path := range []string{"/hooks/{provider}", "/hooks/{provider}/rotate", "/login/callback"} {
		routes = append(routes, Route{"POST", path, func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			a.handled++
			text(w)
			io.WriteString(w, "ran "+path)
		}})
	}
	a.srv = httptest.NewUnstartedServer(newHandler(t, m, a.cop, session.NewCSRF(opts), routes))
	a.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	a.srv.Start()
	t.Cleanup(a.srv.Close)
	return a
}

// browser is what a same-origin page's POST carries.
func (a *csrfApp) browser() http.Header {
	return http.Header{"Sec-Fetch-Site": {"same-origin"}, "Origin": {a.srv.URL}}
}

// do sends a request with the app's cookie and keeps the cookie the
// response sets. form, when not nil, is the URL-encoded body.
func (a *csrfApp) do(method, path string, form url.Values, header http.Header) (int, string, http.Header) {
	a.t.Helper()
	if a.cookie != "" {
		header = header.Clone()
		if header == nil {
			header = http.Header{}
		}
		header.Set("Cookie", a.cookie)
	}
	res, b := send(a.t, a.srv.Client(), method, a.srv.URL+path, form, header)
	for _, ck := range res.Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			a.cookie = ""
		} else {
			a.cookie = ck.Name + "=" + ck.Value
		}
	}
	return res.StatusCode, b, res.Header
}

// login logs in from an anonymous session and returns the new token.
func (a *csrfApp) login(user string) string {
	a.t.Helper()
	code, tok, _ := a.do("POST", "/login", url.Values{"user": {user}}, a.browser())
	if code != http.StatusOK || tok == "" {
		a.t.Fatalf("login: status %d, token %q; want 200 and a token", code, tok)
	}
	return tok
}

func (a *csrfApp) expect(what string, got, want int) {
	a.t.Helper()
	if got != want {
		a.t.Errorf("%s: status %d, want %d", what, got, want)
	}
}

func testCSRFTabs(t *testing.T, a *csrfApp) {
	a.login("ann")
	_, first, _ := a.do("GET", "/form", nil, nil)
	seen := map[string]bool{first: true}
	for i := 0; i < 100; i++ {
		_, tok, _ := a.do("GET", "/form", nil, nil)
		if tok == "" || seen[tok] {
			t.Fatalf("page view %d: token empty or seen before", i)
		}
		seen[tok] = true
	}
	code, _, _ := a.do("POST", "/set", url.Values{"key": {"k"}, "value": {"v"}, "csrf_token": {first}}, a.browser())
	a.expect("a form rendered 100 page views earlier", code, http.StatusOK)
}

func testCSRFHtmx(t *testing.T, a *csrfApp) {
	tok := a.login("ann")
	h := a.browser()
	h.Set("HX-Request", "true")
	h.Set(session.DefaultCSRFHeader, tok)
	code, _, _ := a.do("POST", "/set", url.Values{"key": {"k"}, "value": {"v"}}, h)
	a.expect("htmx request with X-CSRF-Token", code, http.StatusOK)
	h.Set(session.DefaultCSRFHeader, "forged")
	code, _, _ = a.do("POST", "/set", url.Values{"key": {"k"}, "value": {"w"}}, h)
	a.expect("htmx request with a forged X-CSRF-Token", code, http.StatusForbidden)
}

func testCSRFCrossSite(t *testing.T, a *csrfApp) {
	tok := a.login("ann")
	before := a.store.Calls()
	evil := http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}}
	code, _, _ := a.do("POST", "/set", url.Values{"key": {"k"}, "value": {"v"}, "csrf_token": {tok}}, evil)
	a.expect("cross-site POST", code, http.StatusForbidden)
	old := http.Header{"Origin": {"https://evil.example"}} // an older browser
	code, _, _ = a.do("POST", "/login", url.Values{"user": {"eve"}}, old)
	a.expect("cross-origin POST of an older browser", code, http.StatusForbidden)
	if n := a.store.Calls() - before; n != 0 {
		t.Errorf("refused cross-site POSTs made %d store calls, want 0", n)
	}
	if a.handled != 1 {
		t.Errorf("handlers ran %d times, want 1 (the login)", a.handled)
	}
}

func testCSRFAnonymous(t *testing.T, a *csrfApp) {
	code, tok, h := a.do("GET", "/form", nil, nil)
	a.expect("anonymous GET of a form", code, http.StatusOK)
	if tok != "" {
		t.Errorf("anonymous session got a token")
	}
	if n := a.store.Calls(); n != 0 {
		t.Errorf("anonymous GET made %d store calls, want 0", n)
	}
	if sc := h.Values("Set-Cookie"); len(sc) != 0 {
		t.Errorf("anonymous GET set cookies %q", sc)
	}
	a.login("ann") // the login form's POST: no token, same origin
}

func testCSRFBrowserWithoutToken(t *testing.T, a *csrfApp) {
	a.login("ann")
	code, _, _ := a.do("POST", "/set", url.Values{"key": {"k"}, "value": {"v"}}, a.browser())
	a.expect("browser POST without a token", code, http.StatusForbidden)
	if a.handled != 1 {
		t.Errorf("handlers ran %d times, want 1 (the login)", a.handled)
	}
}

func testCSRFScriptWithoutToken(t *testing.T, a *csrfApp) {
	code, _, _ := a.do("POST", "/login", url.Values{"user": {"ann"}}, nil)
	a.expect("script login", code, http.StatusOK)
	code, body, _ := a.do("POST", "/set", url.Values{"key": {"k"}, "value": {"v"}}, nil)
	a.expect("script POST without a token", code, http.StatusOK)
	if body != "ok" {
		t.Errorf("body %q, want ok", body)
	}
}

func testCSRFWrongToken(t *testing.T, a *csrfApp) {
	otherTok := a.login("bob") // another visitor's session
	a.cookie = ""
	tok := a.login("ann")
	for _, bad := range []string{"forged", tok[:len(tok)-1], strings.Repeat("A", len(tok)), otherTok} {
		code, _, _ := a.do("POST", "/set", url.Values{"key": {"k"}, "value": {"v"}, "csrf_token": {bad}}, nil)
		a.expect("script POST with a wrong token", code, http.StatusForbidden)
	}
}

func testCSRFLoginRotates(t *testing.T, a *csrfApp) {
	old := a.login("ann")
	code, _, _ := a.do("POST", "/login", url.Values{"user": {"bob"}, "csrf_token": {old}}, a.browser())
	a.expect("second login with the token", code, http.StatusOK)
	code, _, _ = a.do("POST", "/set", url.Values{"key": {"k"}, "value": {"v"}, "csrf_token": {old}}, a.browser())
	a.expect("POST with the token from before SetUser", code, http.StatusForbidden)
}

// testCSRFBodyIntact: the handler reads the exact body in which the check
// found the token (a webhook verifying a signature over it).
func testCSRFBodyIntact(t *testing.T, a *csrfApp) {
	tok := a.login("ann")
	form := url.Values{"a": {"1 2"}, "csrf_token": {tok}, "z": {strings.Repeat("z", 10000)}}
	code, body, _ := a.do("POST", "/echo", form, a.browser())
	a.expect("POST with the token in its form", code, http.StatusOK)
	if body != form.Encode() {
		t.Errorf("the handler read %d bytes of the body, want the %d sent, unchanged", len(body), len(form.Encode()))
	}
}
