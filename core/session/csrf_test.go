package session_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// csrfSite is a site behind both layers: /form renders the token, /login
// logs in, /renew renews, /post changes the session.
type csrfSite struct {
	t      *testing.T
	store  *sessiontest.Wrapper
	h      http.Handler
	cookie string
	// POST /hold sets "held", signals entered, and waits for release.
	entered, release chan struct{}
}

func newCSRFSite(t *testing.T, opts *session.CSRFOptions) *csrfSite {
	t.Helper()
	store := sessiontest.Wrap(sessiontest.NewStore())
	mgr, err := session.New[session.Map](store)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /form", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, mgr.Get(r).CSRFToken())
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if err := mgr.Get(r).SetUser(r.PostFormValue("name")); err != nil {
			t.Error(err)
		}
		_, _ = io.WriteString(w, mgr.Get(r).CSRFToken()) // after SetUser: the new one
	})
	mux.HandleFunc("POST /renew", func(w http.ResponseWriter, r *http.Request) {
		if err := mgr.Get(r).Renew(); err != nil {
			t.Error(err)
		}
	})
	c := &csrfSite{t: t, store: store, entered: make(chan struct{}), release: make(chan struct{})}
	mux.HandleFunc("POST /hold", func(w http.ResponseWriter, r *http.Request) {
		mgr.Get(r).Data().Set("held", true)
		c.entered <- struct{}{}
		<-c.release
	})
	mux.HandleFunc("POST /post", func(w http.ResponseWriter, r *http.Request) {
		mgr.Get(r).Data().Set("posted", true)
		_, _ = io.WriteString(w, "ok")
	})
	cop := session.NewCrossOriginProtection()
	csrf := session.NewCSRF(opts)
	c.h = cop.Handler(mgr.Handler(csrf.Handler(mux)))
	return c
}

// do sends a request with the site's cookie, keeps the cookie it sets, and
// returns the status and the body.
func (c *csrfSite) do(method, path string, form url.Values, header map[string]string) (int, string, *httptest.ResponseRecorder) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, "http://example.com"+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if c.cookie != "" {
		req.Header.Set("Cookie", c.cookie)
	}
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	for _, ck := range rec.Result().Cookies() {
		if ck.MaxAge < 0 {
			c.cookie = ""
		} else {
			c.cookie = ck.Name + "=" + ck.Value
		}
	}
	return rec.Code, rec.Body.String(), rec
}

// flip returns tok with its i-th character replaced by another.
func flip(tok string, i int) string {
	b := []byte(tok)
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

// respell returns tok with the unused low bits of its last character set:
// the same bytes to a lenient decoder, another token to the check.
func respell(tok string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	v := strings.IndexByte(alphabet, tok[len(tok)-1])
	return tok[:len(tok)-1] + string(alphabet[v|1])
}

var sameOrigin = map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "http://example.com"}

func (c *csrfSite) login(name string) string {
	c.t.Helper()
	code, tok, _ := c.do("POST", "/login", url.Values{"name": {name}}, sameOrigin)
	if code != http.StatusOK || tok == "" {
		c.t.Fatalf("login: %d %q", code, tok)
	}
	return tok
}

// Tabs: a token rendered 100 page views earlier still submits, and every
// render differs.
func TestCSRFTabs(t *testing.T) {
	c := newCSRFSite(t, nil)
	c.login("ann")
	_, first, _ := c.do("GET", "/form", nil, nil)
	seen := map[string]bool{first: true}
	for i := 0; i < 100; i++ {
		_, tok, _ := c.do("GET", "/form", nil, nil)
		if seen[tok] {
			t.Fatalf("render %d repeated a token", i)
		}
		seen[tok] = true
	}
	if code, _, _ := c.do("POST", "/post", url.Values{"csrf_token": {first}}, sameOrigin); code != http.StatusOK {
		t.Errorf("the form rendered 100 views earlier: %d, want 200", code)
	}
}

// htmx: the token in the X-CSRF-Token header passes, with any body.
func TestCSRFHeader(t *testing.T) {
	c := newCSRFSite(t, nil)
	tok := c.login("ann")
	h := map[string]string{"Sec-Fetch-Site": "same-origin", "X-CSRF-Token": tok, "HX-Request": "true"}
	if code, _, _ := c.do("POST", "/post", nil, h); code != http.StatusOK {
		t.Errorf("htmx request with the header: %d, want 200", code)
	}
	h["X-CSRF-Token"] = flip(tok, 20)
	if code, _, _ := c.do("POST", "/post", nil, h); code != http.StatusForbidden {
		t.Errorf("htmx request with a wrong header: %d, want 403", code)
	}
}

func TestCSRFPolicy(t *testing.T) {
	c := newCSRFSite(t, nil)
	tok := c.login("ann")
	other := newCSRFSite(t, nil)
	otherTok := other.login("bob")
	cases := []struct {
		name   string
		form   url.Values
		header map[string]string
		want   int
	}{
		{"browser, token", url.Values{"csrf_token": {tok}}, sameOrigin, 200},
		{"browser, no token", url.Values{}, sameOrigin, 403},
		{"browser, empty token", url.Values{"csrf_token": {""}}, sameOrigin, 403},
		{"old browser with Origin, no token", url.Values{}, map[string]string{"Origin": "http://example.com"}, 403},
		{"script, no token", url.Values{}, nil, 200},
		{"script, wrong token", url.Values{"csrf_token": {"forged"}}, nil, 403},
		{"script, another session's token", url.Values{"csrf_token": {otherTok}}, nil, 403},
		{"script, an unmasked secret's shape", url.Values{"csrf_token": {strings.Repeat("A", 86)}}, nil, 403},
		{"script, one character changed", url.Values{"csrf_token": {flip(tok, 50)}}, nil, 403},
		{"script, another spelling of the token", url.Values{"csrf_token": {respell(tok)}}, nil, 403},
		{"token in the URL only", nil, sameOrigin, 403},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := "/post"
			if tc.form == nil {
				path += "?csrf_token=" + url.QueryEscape(tok)
			}
			if code, _, _ := c.do("POST", path, tc.form, tc.header); code != tc.want {
				t.Errorf("status %d, want %d", code, tc.want)
			}
		})
	}
}

func TestCSRFStrict(t *testing.T) {
	c := newCSRFSite(t, &session.CSRFOptions{Strict: true})
	tok := c.login("ann") // anonymous: no token needed, even strict
	if code, _, _ := c.do("POST", "/post", url.Values{}, nil); code != http.StatusForbidden {
		t.Errorf("strict, script without a token: %d, want 403", code)
	}
	if code, _, _ := c.do("POST", "/post", url.Values{"csrf_token": {tok}}, nil); code != http.StatusOK {
		t.Errorf("strict, script with the token: %d, want 200", code)
	}
}

// Rotation: SetUser and Renew retire every token given out before.
func TestCSRFRotation(t *testing.T) {
	c := newCSRFSite(t, nil)
	old := c.login("ann")
	code, newer, _ := c.do("POST", "/login", url.Values{"name": {"ann2"}, "csrf_token": {old}}, sameOrigin)
	if code != http.StatusOK {
		t.Fatalf("second login: %d", code)
	}
	if code, _, _ := c.do("POST", "/post", url.Values{"csrf_token": {old}}, sameOrigin); code != http.StatusForbidden {
		t.Errorf("token from before SetUser: %d, want 403", code)
	}
	if code, _, _ := c.do("POST", "/renew", url.Values{"csrf_token": {newer}}, sameOrigin); code != http.StatusOK {
		t.Fatalf("renew: %d", code)
	}
	if code, _, _ := c.do("POST", "/post", url.Values{"csrf_token": {newer}}, sameOrigin); code != http.StatusForbidden {
		t.Errorf("token from before Renew: %d, want 403", code)
	}
	_, fresh, _ := c.do("GET", "/form", nil, nil)
	if code, _, _ := c.do("POST", "/post", url.Values{"csrf_token": {fresh}}, sameOrigin); code != http.StatusOK {
		t.Errorf("token after Renew: %d, want 200", code)
	}
}

// A request in flight when the session is renewed cannot bring the old
// token back: the secret follows the cookie's token, which its merge does
// not restore.
func TestCSRFRenewRacesRequest(t *testing.T) {
	c := newCSRFSite(t, nil)
	old := c.login("ann")
	oldCookie := c.cookie
	done := make(chan struct{})
	go func() {
		defer close(done)
		req := httptest.NewRequest("POST", "http://example.com/hold", strings.NewReader("csrf_token="+url.QueryEscape(old)))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Cookie", oldCookie)
		c.h.ServeHTTP(httptest.NewRecorder(), req)
	}()
	<-c.entered // the held request passed the check with the old token
	if code, _, _ := c.do("POST", "/renew", url.Values{"csrf_token": {old}}, sameOrigin); code != http.StatusOK {
		t.Fatalf("renew: %d", code)
	}
	close(c.release)
	<-done
	if code, _, _ := c.do("POST", "/post", url.Values{"csrf_token": {old}}, sameOrigin); code != http.StatusForbidden {
		t.Errorf("the old token on the renewed session: %d, want 403", code)
	}
	newCookie := c.cookie
	c.cookie = oldCookie
	// The old cookie names no session with info any more: its form body
	// is not read (it would be served as anonymous), so the token goes in
	// the header, which is checked whatever the session.
	oldHeader := map[string]string{"Sec-Fetch-Site": "same-origin", "X-CSRF-Token": old}
	if code, _, _ := c.do("POST", "/post", nil, oldHeader); code != http.StatusForbidden {
		t.Errorf("the old token with the old cookie: %d, want 403", code)
	}
	c.cookie = newCookie
	_, fresh, _ := c.do("GET", "/form", nil, nil)
	if code, _, _ := c.do("POST", "/post", url.Values{"csrf_token": {fresh}}, sameOrigin); code != http.StatusOK {
		t.Errorf("the new token: %d, want 200", code)
	}
}

// Anonymous: rendering a form makes no store call and sets no cookie; its
// POST relies on the first layer.
func TestCSRFAnonymous(t *testing.T) {
	c := newCSRFSite(t, nil)
	code, tok, rec := c.do("GET", "/form", nil, nil)
	if code != http.StatusOK || tok != "" {
		t.Errorf("anonymous form: %d, token %q, want 200 and none", code, tok)
	}
	if n := c.store.Calls(); n != 0 {
		t.Errorf("anonymous form: %d store calls, want 0", n)
	}
	if sc := rec.Header().Values("Set-Cookie"); len(sc) != 0 {
		t.Errorf("anonymous form set a cookie: %q", sc)
	}
	// Cross-site: refused by the first layer before the session loads.
	c.cookie = "session=" + strings.Repeat("A", 43) // a well-formed cookie would cost a Load
	evil := map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}
	if code, _, _ := c.do("POST", "/login", url.Values{"name": {"eve"}}, evil); code != http.StatusForbidden {
		t.Errorf("cross-site login: %d, want 403", code)
	}
	if n := c.store.Calls(); n != 0 {
		t.Errorf("cross-site POST: %d store calls, want 0", n)
	}
	c.cookie = ""
	// Same-origin anonymous login without a token passes; a token in the
	// header of an anonymous request cannot be valid. A form field is not
	// read for a session without info: the request is one without a
	// token, which passes.
	anonToken := map[string]string{"Sec-Fetch-Site": "same-origin", "X-CSRF-Token": "x"}
	if code, _, _ := c.do("POST", "/login", url.Values{"name": {"ann"}}, anonToken); code != http.StatusForbidden {
		t.Errorf("anonymous POST with a token in the header: %d, want 403", code)
	}
	if code, _, _ := c.do("POST", "/post", url.Values{"csrf_token": {"x"}}, sameOrigin); code != http.StatusOK {
		t.Errorf("anonymous POST with a stale form field: %d, want 200", code)
	}
	c.cookie = ""
	c.login("ann")
}

func TestCSRFOptions(t *testing.T) {
	var got error
	c := newCSRFSite(t, &session.CSRFOptions{Header: "X-Token", Field: "tok",
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			got = err
			w.WriteHeader(http.StatusTeapot)
		}})
	tok := c.login("ann")
	if code, _, _ := c.do("POST", "/post", url.Values{"tok": {tok}}, sameOrigin); code != http.StatusOK {
		t.Errorf("custom field: %d", code)
	}
	if code, _, _ := c.do("POST", "/post", nil, map[string]string{"X-Token": tok, "Sec-Fetch-Site": "same-origin"}); code != http.StatusOK {
		t.Errorf("custom header: %d", code)
	}
	code, body, _ := c.do("POST", "/post", url.Values{"csrf_token": {tok}}, sameOrigin)
	if code != http.StatusTeapot || !errors.Is(got, session.ErrCSRF) {
		t.Errorf("default field under a custom name: %d, err %v; want 418 and ErrCSRF", code, got)
	}
	if strings.Contains(got.Error(), tok) || strings.Contains(body, tok) {
		t.Error("the error or the answer shows the token")
	}
	p := session.NewCSRF(nil)
	if p.Header() != session.DefaultCSRFHeader || p.Field() != session.DefaultCSRFField {
		t.Errorf("defaults %q %q", p.Header(), p.Field())
	}
}

// Without a session middleware in front, unsafe requests are refused.
func TestCSRFWithoutSession(t *testing.T) {
	h := session.NewCSRF(nil).Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/", nil))
	if rec.Code != http.StatusForbidden {
		t.Errorf("status %d, want 403", rec.Code)
	}
	var s *session.Session[session.Map]
	if s.CSRFToken() != "" {
		t.Error("a nil session has a token")
	}
}

// BenchmarkCSRF measures a read-only request with a session (baseline),
// the same request rendering a token, and a POST whose token is checked.
func BenchmarkCSRF(b *testing.B) {
	mgr, err := session.New[session.Map](sessiontest.NewStore())
	if err != nil {
		b.Fatal(err)
	}
	var tok string
	render := false
	h := mgr.Handler(session.NewCSRF(nil).Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := mgr.Get(r)
		if s.User() == "" {
			_ = s.SetUser("bench")
		}
		if render {
			tok = s.CSRFToken()
		}
	})))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	cookie := rec.Result().Cookies()[0]
	run := func(name, method string, withToken bool) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				r := httptest.NewRequest(method, "/", nil)
				r.AddCookie(cookie)
				if withToken {
					r.Header.Set(session.DefaultCSRFHeader, tok)
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
	run("get", "GET", false)
	render = true
	run("render", "GET", false)
	render = false
	run("check", "POST", true)
}
