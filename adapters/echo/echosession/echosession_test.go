package echosession_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/session2/session2/adapters/echo/echosession"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
	"github.com/session2/session2/stores/memstore"
)

// fixture is an echo server behind a real HTTP server, with a manager of
// session.Map on a memstore.
type fixture struct {
	t     *testing.T
	store *sessiontest.Wrapper
	mgr   *session.Manager[session.Map]
	e     *echo.Echo
	srv   *httptest.Server
}

func newFixture(t *testing.T, build func(f *fixture)) *fixture {
	t.Helper()
	ms := memstore.New(memstore.WithSweepInterval(0))
	t.Cleanup(func() { ms.Close() })
	f := &fixture{t: t, store: sessiontest.Wrap(ms)}
	m, err := session.New[session.Map](f.store, session.WithLogger(discardLogger()))
	if err != nil {
		t.Fatal(err)
	}
	f.mgr = m
	f.e = newEcho()
	build(f)
	f.srv = httptest.NewServer(f.e)
	t.Cleanup(f.srv.Close)
	return f
}

// browser is a client with a cookie jar that does not follow redirects.
func (f *fixture) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func (f *fixture) do(c *http.Client, req *http.Request) (*http.Response, string) {
	f.t.Helper()
	res, err := c.Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return res, string(b)
}

func (f *fixture) get(c *http.Client, path string) (*http.Response, string) {
	f.t.Helper()
	req, _ := http.NewRequest("GET", f.srv.URL+path, nil)
	return f.do(c, req)
}

func (f *fixture) postForm(c *http.Client, path string, form url.Values, header http.Header) (*http.Response, string) {
	f.t.Helper()
	req, _ := http.NewRequest("POST", f.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	return f.do(c, req)
}

// routes installs a small application: /set and /get a key, /login a
// user, /token a form token.
func routes(e *echo.Echo) {
	e.GET("/set", func(c echo.Context) error {
		echosession.Get[session.Map](c).Data().Set(c.QueryParam("key"), c.QueryParam("value"))
		return c.String(http.StatusOK, "ok")
	})
	e.GET("/get", func(c echo.Context) error {
		v, _ := echosession.Get[session.Map](c).Data().GetString(c.QueryParam("key"))
		return c.String(http.StatusOK, v)
	})
	e.GET("/login", func(c echo.Context) error {
		if err := echosession.Get[session.Map](c).SetUser(c.QueryParam("user")); err != nil {
			return err
		}
		return c.String(http.StatusOK, "ok")
	})
	e.GET("/token", func(c echo.Context) error {
		tok, err := echosession.Get[session.Map](c).NewFormToken()
		if err != nil {
			return err
		}
		return c.String(http.StatusOK, tok)
	})
}

func hasSessionCookie(res *http.Response, name string) bool {
	for _, c := range res.Cookies() {
		if c.Name == name {
			return true
		}
	}
	return false
}

func TestRequireUser(t *testing.T) {
	f := newFixture(t, func(f *fixture) {
		f.e.Use(echosession.Middleware(f.mgr))
		routes(f.e)
		f.e.GET("/account", func(c echo.Context) error {
			return c.String(http.StatusOK, "account of "+echosession.Get[session.Map](c).User())
		}, echosession.RequireUser[session.Map]("/login-page"))
		api := f.e.Group("/api", echosession.RequireUser[session.Map](""))
		api.GET("/me", func(c echo.Context) error {
			return c.String(http.StatusOK, echosession.Get[session.Map](c).User())
		})
	})
	b := f.browser()
	res, body := f.get(b, "/account")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login-page" {
		t.Errorf("anonymous /account: %d to %q, want 303 to /login-page", res.StatusCode, res.Header.Get("Location"))
	}
	if strings.Contains(body, "account of") {
		t.Errorf("anonymous /account reached the handler: %q", body)
	}
	res, body = f.get(b, "/api/me")
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Unauthorized") {
		t.Errorf("anonymous /api/me: %d %q, want echo's 401", res.StatusCode, body)
	}
	f.get(b, "/login?user=ann")
	if res, body = f.get(b, "/account"); res.StatusCode != http.StatusOK || body != "account of ann" {
		t.Errorf("logged-in /account: %d %q", res.StatusCode, body)
	}
	if res, body = f.get(b, "/api/me"); res.StatusCode != http.StatusOK || body != "ann" {
		t.Errorf("logged-in /api/me: %d %q", res.StatusCode, body)
	}
}

func TestCheckFormToken(t *testing.T) {
	var reached atomic.Int64
	f := newFixture(t, func(f *fixture) {
		f.e.Use(echosession.Middleware(f.mgr))
		routes(f.e)
		h := func(c echo.Context) error {
			reached.Add(1)
			return c.String(http.StatusOK, "done")
		}
		g := f.e.Group("", echosession.CheckFormToken[session.Map]())
		g.GET("/transfer", h)
		g.POST("/transfer", h)
		g.DELETE("/transfer", h)
	})
	b := f.browser()
	if res, _ := f.get(b, "/transfer"); res.StatusCode != http.StatusOK {
		t.Errorf("GET /transfer without a token: %d, want 200 (safe method)", res.StatusCode)
	}
	reached.Store(0)

	_, tok := f.get(b, "/token")
	cases := []struct {
		name string
		path string
		form url.Values
		want int
	}{
		{"no token", "/transfer", url.Values{}, http.StatusForbidden},
		{"wrong token", "/transfer", url.Values{"form_token": {otherToken(tok)}}, http.StatusForbidden},
		{"token in the URL", "/transfer?form_token=" + url.QueryEscape(tok), url.Values{}, http.StatusForbidden},
		{"form field", "/transfer", url.Values{"form_token": {tok}}, http.StatusOK},
		{"used twice", "/transfer", url.Values{"form_token": {tok}}, http.StatusForbidden},
	}
	for _, tc := range cases {
		res, body := f.postForm(b, tc.path, tc.form, nil)
		if res.StatusCode != tc.want {
			t.Errorf("%s: %d %q, want %d", tc.name, res.StatusCode, body, tc.want)
		}
	}
	if n := reached.Load(); n != 1 {
		t.Errorf("the handler ran %d times, want once", n)
	}
	_, tok2 := f.get(b, "/token")
	req, _ := http.NewRequest("DELETE", f.srv.URL+"/transfer", nil)
	req.Header.Set("X-Form-Token", tok2)
	if res, body := f.do(b, req); res.StatusCode != http.StatusOK {
		t.Errorf("DELETE with a header token: %d %q", res.StatusCode, body)
	}
	if res, _ := f.postForm(f.browser(), "/transfer", url.Values{"form_token": {tok}}, nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("a token from another browser: %d, want 403", res.StatusCode)
	}
}

func TestSkipper(t *testing.T) {
	f := newFixture(t, func(f *fixture) {
		f.e.Use(echosession.MiddlewareWithConfig(f.mgr, echosession.Config{
			Skipper: func(c echo.Context) bool {
				return c.Path() == "/healthz" || strings.HasPrefix(c.Request().URL.Path, "/static/")
			},
		}))
		routes(f.e)
		probe := func(c echo.Context) error {
			if _, ok := echosession.Lookup[session.Map](c); ok {
				return c.String(http.StatusOK, "session")
			}
			return c.String(http.StatusOK, "none")
		}
		f.e.GET("/healthz", probe)
		f.e.GET("/static/*", probe)
		f.e.GET("/probe", probe)
	})
	b := f.browser()
	f.get(b, "/set?key=a&value=1")
	loads := int64(f.store.Calls(sessiontest.Load))
	for _, path := range []string{"/healthz", "/static/app.css"} {
		res, body := f.get(b, path)
		if body != "none" || hasSessionCookie(res, f.mgr.CookieName()) {
			t.Errorf("%s: %q, cookies %v; want it skipped", path, body, res.Cookies())
		}
	}
	if n := int64(f.store.Calls(sessiontest.Load)) - loads; n != 0 {
		t.Errorf("skipped requests made %d store loads", n)
	}
	if _, body := f.get(b, "/probe"); body != "session" {
		t.Errorf("/probe: %q, want a session", body)
	}
}

// TestErrorFlow: errors returned by handlers reach echo's HTTPErrorHandler
// after the chain returned; 5xx saves nothing, lower statuses commit with
// the error's response.
func TestErrorFlow(t *testing.T) {
	f := newFixture(t, func(f *fixture) {
		f.e.Use(echosession.Middleware(f.mgr))
		routes(f.e)
		for _, tc := range []struct {
			path string
			err  error
		}{
			{"/http503", echo.NewHTTPError(http.StatusServiceUnavailable, "down")},
			{"/plain", errors.New("boom")},
			{"/wrapped502", fmt.Errorf("calling upstream: %w", echo.NewHTTPError(http.StatusBadGateway))},
			{"/notfound", echo.ErrNotFound},
			{"/teapot", echo.NewHTTPError(http.StatusTeapot).SetInternal(errors.New("why"))},
		} {
			err := tc.err
			f.e.GET(tc.path, func(c echo.Context) error {
				echosession.Get[session.Map](c).Data().Set(strings.TrimPrefix(c.Path(), "/"), "yes")
				return err
			})
		}
	})
	b := f.browser()
	f.get(b, "/set?key=a&value=1")
	saves := int64(f.store.Calls(sessiontest.Save))
	for _, path := range []string{"/http503", "/plain", "/wrapped502"} {
		res, _ := f.get(b, path)
		if res.StatusCode < 500 || hasSessionCookie(res, f.mgr.CookieName()) {
			t.Errorf("%s: %d, cookies %v", path, res.StatusCode, res.Cookies())
		}
	}
	if n := int64(f.store.Calls(sessiontest.Save)) - saves; n != 0 {
		t.Errorf("5xx errors made %d saves", n)
	}
	for _, k := range []string{"http503", "plain", "wrapped502"} {
		if _, v := f.get(b, "/get?key="+k); v != "" {
			t.Errorf("key %s of a 5xx error was saved: %q", k, v)
		}
	}
	for _, k := range []string{"notfound", "teapot"} {
		res, body := f.get(b, "/"+k)
		if res.StatusCode >= 500 || !strings.Contains(body, "message") {
			t.Errorf("/%s: %d %q, want echo's JSON error", k, res.StatusCode, body)
		}
		if _, v := f.get(b, "/get?key="+k); v != "yes" {
			t.Errorf("the change of a %d response was not saved: %q", res.StatusCode, v)
		}
	}
	// A new session is created by a 404 error's response, cookie included.
	anon := f.browser()
	res, _ := f.get(anon, "/notfound")
	if res.StatusCode != http.StatusNotFound || !hasSessionCookie(res, f.mgr.CookieName()) {
		t.Errorf("a new session on a 404 error: %d, cookies %v", res.StatusCode, res.Cookies())
	}
}

// TestErrorHandlerAnswering200: an HTTPErrorHandler that renders errors and
// panics with 200 still saves nothing for a 5xx error or a panic.
func TestErrorHandlerAnswering200(t *testing.T) {
	f := newFixture(t, func(f *fixture) {
		f.e.HTTPErrorHandler = func(err error, c echo.Context) {
			if !c.Response().Committed {
				c.String(http.StatusOK, "sorry")
			}
		}
		f.e.Use(quietRecover(), echosession.Middleware(f.mgr))
		routes(f.e)
		f.e.GET("/panic", func(c echo.Context) error {
			echosession.Get[session.Map](c).Data().Set("p", "1")
			panic("deliberate")
		})
		f.e.GET("/boom", func(c echo.Context) error {
			echosession.Get[session.Map](c).Data().Set("b", "1")
			return errors.New("boom")
		})
	})
	b := f.browser()
	f.get(b, "/set?key=a&value=1")
	saves := int64(f.store.Calls(sessiontest.Save))
	for _, path := range []string{"/panic", "/boom"} {
		if res, body := f.get(b, path); res.StatusCode != http.StatusOK || body != "sorry" {
			t.Errorf("%s: %d %q", path, res.StatusCode, body)
		}
	}
	if n := int64(f.store.Calls(sessiontest.Save)) - saves; n != 0 {
		t.Errorf("a panic and a 5xx error made %d saves", n)
	}
	for _, k := range []string{"p", "b"} {
		if _, v := f.get(b, "/get?key="+k); v != "" {
			t.Errorf("key %s was saved: %q", k, v)
		}
	}
}

func TestStoreErrors(t *testing.T) {
	var handlerRuns atomic.Int64
	var seenStatus atomic.Int64
	f := newFixture(t, func(f *fixture) {
		f.e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
			return func(c echo.Context) error {
				// What an outer middleware (a logger) sees: the status
				// sent, or the error echo's HTTPErrorHandler will answer.
				err := next(c)
				if err != nil {
					seenStatus.Store(int64(echosession.ErrorStatus(err)))
				} else {
					seenStatus.Store(int64(c.Response().Status))
				}
				return err
			}
		}, echosession.Middleware(f.mgr))
		routes(f.e)
		f.e.GET("/write", func(c echo.Context) error {
			handlerRuns.Add(1)
			echosession.Get[session.Map](c).Data().Set("w", "1")
			return c.String(http.StatusOK, "handler body")
		})
	})
	b := f.browser()
	f.get(b, "/set?key=a&value=1")

	f.store.Fail(sessiontest.Save, sessiontest.ErrInjected)
	res, body := f.get(b, "/write")
	f.store.Fail(sessiontest.Save, nil)
	if res.StatusCode != http.StatusServiceUnavailable || strings.Contains(body, "handler body") {
		t.Errorf("failed commit: %d %q, want the error handler's 503", res.StatusCode, body)
	}
	if s := seenStatus.Load(); s != http.StatusServiceUnavailable {
		t.Errorf("c.Response().Status after a failed commit = %d, want 503", s)
	}

	f.store.Fail(sessiontest.Load, sessiontest.ErrInjected)
	runs := handlerRuns.Load()
	res, _ = f.get(b, "/write")
	f.store.Fail(sessiontest.Load, nil)
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("failed load: %d, want 503", res.StatusCode)
	}
	if s := seenStatus.Load(); s != http.StatusServiceUnavailable {
		t.Errorf("status seen after a failed load = %d, want 503", s)
	}
	if handlerRuns.Load() != runs {
		t.Error("the handler ran although the session could not be loaded")
	}
	if _, v := f.get(b, "/get?key=a"); v != "1" {
		t.Errorf("after the failures: %q, want 1", v)
	}
}

func TestConfigErrorHandler(t *testing.T) {
	var handlerRuns atomic.Int64
	f := newFixture(t, func(f *fixture) {
		f.e.Use(echosession.MiddlewareWithConfig(f.mgr, echosession.Config{
			ErrorHandler: func(c echo.Context, err error) error {
				return echo.NewHTTPError(http.StatusServiceUnavailable, "sessions are down").SetInternal(err)
			},
		}))
		routes(f.e)
		f.e.GET("/count", func(c echo.Context) error {
			handlerRuns.Add(1)
			return c.NoContent(http.StatusOK)
		})
	})
	b := f.browser()
	f.get(b, "/set?key=a&value=1")
	f.store.Fail(sessiontest.Load, sessiontest.ErrInjected)
	res, body := f.get(b, "/count")
	f.store.Fail(sessiontest.Load, nil)
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "sessions are down") {
		t.Errorf("failed load: %d %q, want echo's JSON 503", res.StatusCode, body)
	}
	if handlerRuns.Load() != 0 {
		t.Error("the handler ran although the session could not be loaded")
	}
}

// TestFlushFirst: a handler that flushes before writing gets its cookie, and
// echo's Response knows the header went out.
func TestFlushFirst(t *testing.T) {
	var committed atomic.Bool
	f := newFixture(t, func(f *fixture) {
		f.e.Use(echosession.Middleware(f.mgr))
		routes(f.e)
		f.e.GET("/flush", func(c echo.Context) error {
			echosession.Get[session.Map](c).Data().Set("f", "1")
			c.Response().Flush()
			committed.Store(c.Response().Committed)
			_, err := c.Response().Write([]byte("flushed"))
			return err
		})
	})
	b := f.browser()
	res, body := f.get(b, "/flush")
	if body != "flushed" || !hasSessionCookie(res, f.mgr.CookieName()) {
		t.Errorf("/flush: %q, cookies %v", body, res.Cookies())
	}
	if !committed.Load() {
		t.Error("c.Response().Committed is false after a Flush")
	}
	if _, v := f.get(b, "/get?key=f"); v != "1" {
		t.Errorf("the flushing request's change: %q", v)
	}
}

func TestHijack(t *testing.T) {
	f := newFixture(t, func(f *fixture) {
		f.e.Use(echosession.Middleware(f.mgr))
		routes(f.e)
		f.e.GET("/hijack", func(c echo.Context) error {
			echosession.Get[session.Map](c).Data().Set("h", "1")
			conn, rw, err := c.Response().Hijack()
			if err != nil {
				return err
			}
			defer conn.Close()
			rw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked")
			return rw.Flush()
		})
	})
	b := f.browser()
	f.get(b, "/set?key=a&value=1")
	if _, body := f.get(b, "/hijack"); body != "hijacked" {
		t.Errorf("/hijack: %q", body)
	}
	if _, v := f.get(b, "/get?key=h"); v != "1" {
		t.Errorf("the hijacking request's change: %q, want it saved", v)
	}
}

func TestErrorStatus(t *testing.T) {
	cases := []struct {
		err  error
		want int
	}{
		{errors.New("x"), 500},
		{echo.ErrNotFound, 404},
		{echo.NewHTTPError(503), 503},
		{fmt.Errorf("wrapped: %w", echo.ErrForbidden), 403},
		{echo.NewHTTPError(500).SetInternal(echo.ErrBadRequest), 400},
	}
	for _, tc := range cases {
		if got := echosession.ErrorStatus(tc.err); got != tc.want {
			t.Errorf("ErrorStatus(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

func TestSetupMistakes(t *testing.T) {
	mustPanic := func(name string, fn func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s did not panic", name)
			}
		}()
		fn()
	}
	mustPanic("Middleware(nil)", func() { echosession.Middleware[session.Map](nil) })
	e := newEcho()
	c := e.NewContext(httptest.NewRequest("GET", "/", nil), httptest.NewRecorder())
	mustPanic("Get without the middleware", func() { echosession.Get[session.Map](c) })
	if _, ok := echosession.Lookup[session.Map](c); ok {
		t.Error("Lookup found a session without the middleware")
	}
}

// otherToken returns a token of the same shape as tok that differs from it
// in its first character, whatever that character is.
func otherToken(tok string) string {
	if tok[0] == 'x' {
		return "y" + tok[1:]
	}
	return "x" + tok[1:]
}
