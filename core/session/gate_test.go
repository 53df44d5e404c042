package session_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

type other struct{ N int }

// gated serves ok behind the session middleware of m and g.
func gated(m *session.Manager[session.Map], g *session.Gate) http.Handler {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "in") })
	return m.Handler(g.Handler(ok))
}

// TestRequireUserDecides: a browser is redirected to the login page with
// the page asked for, an API client gets 401 with a challenge, a
// logged-in user goes through.
func TestRequireUserDecides(t *testing.T) {
	for _, tc := range []struct {
		name      string
		mgrOpts   []session.Option
		loginURL  string
		opts      []session.RequireOption
		status    int
		header    string // Location or WWW-Authenticate
		headerVal string
	}{
		{"browser", nil, "/login", nil, 303, "Location", "/login"},
		{"return-to", nil, "/login?lang=en", []session.RequireOption{session.ReturnParam("next")}, 303,
			"Location", "/login?lang=en&next=" + url.QueryEscape("/cart?x=1")},
		{"api", nil, "", nil, 401, "WWW-Authenticate", `Session realm="session"`},
		{"bearer", []session.Option{session.WithHeaderToken("Authorization")}, "", nil, 401,
			"WWW-Authenticate", `Bearer realm="session"`},
		{"challenge", nil, "", []session.RequireOption{session.ChallengeWith(`Bearer realm="api"`)}, 401,
			"WWW-Authenticate", `Bearer realm="api"`},
	} {
		m := sessiontest.NewManager[session.Map](t, tc.mgrOpts...)
		h := gated(m, session.RequireUser[session.Map](tc.loginURL, tc.opts...))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/cart?x=1", nil))
		if rec.Code != tc.status || rec.Header().Get(tc.header) != tc.headerVal || rec.Body.String() == "in" {
			t.Errorf("%s: %d, %s %q, body %q; want %d with %q", tc.name, rec.Code, tc.header,
				rec.Header().Get(tc.header), rec.Body, tc.status, tc.headerVal)
		}
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, sessiontest.WithSession(t, m, httptest.NewRequest("GET", "/cart", nil), "ann", nil))
		if rec.Code != 200 || rec.Body.String() != "in" {
			t.Errorf("%s, logged in: %d %q", tc.name, rec.Code, rec.Body)
		}
	}
}

// TestCheckFormTokenDecides: an unsafe request needs one of the session's
// form tokens, once; a safe one passes.
func TestCheckFormTokenDecides(t *testing.T) {
	m := sessiontest.NewManager[session.Map](t)
	h := gated(m, session.CheckFormToken[session.Map]())
	var tok string
	req := sessiontest.WithSession(t, m, httptest.NewRequest("POST", "/", nil), "", func(s *session.Session[session.Map]) {
		tok, _ = s.NewFormToken()
	})
	cookie := req.Header.Get("Cookie")
	for _, tc := range []struct {
		method, token string
		want          int
	}{
		{"GET", "", 200},
		{"POST", "", 403},
		{"POST", "forged", 403},
		{"POST", tok, 200},
		{"POST", tok, 403},
	} {
		req := httptest.NewRequest(tc.method, "/", nil)
		req.Header.Set("Cookie", cookie)
		req.Header.Set(session.FormTokenHeader, tc.token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Errorf("%s with token %q: %d %q, want %d", tc.method, tc.token, rec.Code, rec.Body, tc.want)
		}
		if tc.want == 403 && rec.Body.String() != "403 Forbidden: invalid or missing form token\n" {
			t.Errorf("refusal body %q", rec.Body)
		}
	}
}

// TestGatesOfAnotherTypePanic: RequireUser and CheckFormToken of a type
// that is not the manager's panic naming both types, instead of sending
// a logged-in user to the login page (or refusing every form) for ever.
func TestGatesOfAnotherTypePanic(t *testing.T) {
	m := sessiontest.NewManager[session.Map](t)
	for name, g := range map[string]*session.Gate{
		"RequireUser":    session.RequireUser[other]("/login"),
		"CheckFormToken": session.CheckFormToken[other](),
	} {
		msg := func() (msg string) {
			defer func() { msg = fmt.Sprint(recover()) }()
			req := sessiontest.WithSession(t, m, httptest.NewRequest("POST", "/", nil), "ann", nil)
			gated(m, g).ServeHTTP(httptest.NewRecorder(), req)
			return ""
		}()
		if !strings.Contains(msg, "session: "+name) || !strings.Contains(msg, "session.Map") || !strings.Contains(msg, "session_test.other") {
			t.Errorf("%s: panic %q; want one naming %s and both types", name, msg, name)
		}
	}
}

// checked returns what check says of r, behind the session middleware
// of m.
func checked(m *session.Manager[session.Map], r *http.Request, check func(*http.Request) error) (err error) {
	m.Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { err = check(r) })).
		ServeHTTP(httptest.NewRecorder(), r)
	return err
}

// TestRefusals: every check's refusal is a *Refusal whose cause errors.Is
// finds, carrying the application's own handler only when it set one.
func TestRefusals(t *testing.T) {
	m := sessiontest.NewManager[session.Map](t)
	cross := func() *http.Request {
		r := httptest.NewRequest("POST", "/", nil)
		r.Header.Set("Sec-Fetch-Site", "cross-site")
		return r
	}
	forged := func() *http.Request {
		r := sessiontest.WithSession(t, m, httptest.NewRequest("POST", "/", nil), "ann", nil)
		r.Header.Set(session.DefaultCSRFHeader, "forged")
		return r
	}
	anon := func() *http.Request { return httptest.NewRequest("GET", "/", nil) }
	custom := func(http.ResponseWriter, *http.Request, error) {}
	copCustom := session.NewCrossOriginProtection()
	copCustom.SetDenyHandler(http.NotFoundHandler())
	for _, tc := range []struct {
		name   string
		req    *http.Request
		check  func(*http.Request) error
		cause  error
		custom bool
	}{
		{"cross-origin", cross(), session.NewCrossOriginProtection().Check, session.ErrCrossOrigin, false},
		{"cross-origin, deny handler", cross(), copCustom.Check, session.ErrCrossOrigin, true},
		{"csrf", forged(), session.NewCSRF(nil).Check, session.ErrCSRF, false},
		{"csrf, error handler", forged(), session.NewCSRF(&session.CSRFOptions{ErrorHandler: custom}).Check, session.ErrCSRF, true},
		{"login", anon(), session.RequireUser[session.Map]("").Check, session.ErrLoginRequired, false},
		{"form token", forged(), session.CheckFormToken[session.Map]().Check, session.ErrFormToken, false},
	} {
		err := checked(m, tc.req, tc.check)
		var ref *session.Refusal
		if !errors.As(err, &ref) || !errors.Is(err, tc.cause) || (ref.Handler != nil) != tc.custom ||
			!strings.HasPrefix(err.Error(), tc.cause.Error()) {
			t.Errorf("%s: %#v; want a Refusal of %v, custom handler %v", tc.name, err, tc.cause, tc.custom)
		}
	}
}
