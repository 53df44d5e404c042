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
	"github.com/session2/session2/conformance/storetest"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/memstore"
)

// fixture is an echo server behind a real HTTP server, with a manager of
// session.Map on a memstore.
type fixture struct {
	t     *testing.T
	store *storetest.Store
	mgr   *session.Manager[session.Map]
	e     *echo.Echo
	srv   *httptest.Server
}

func newFixture(t *testing.T, build func(f *fixture)) *fixture {
	t.Helper()
	ms := memstore.New(memstore.WithSweepInterval(0))
	t.Cleanup(func() { ms.Close() })
	f := &fixture{t: t, store: storetest.Wrap(ms)}
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
	saves := int64(f.store.Calls(storetest.Save))
	for _, path := range []string{"/http503", "/plain", "/wrapped502"} {
		res, _ := f.get(b, path)
		if res.StatusCode < 500 || hasSessionCookie(res, f.mgr.CookieName()) {
			t.Errorf("%s: %d, cookies %v", path, res.StatusCode, res.Cookies())
		}
	}
	if n := int64(f.store.Calls(storetest.Save)) - saves; n != 0 {
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
	saves := int64(f.store.Calls(storetest.Save))
	for _, path := range []string{"/panic", "/boom"} {
		if res, body := f.get(b, path); res.StatusCode != http.StatusOK || body != "sorry" {
			t.Errorf("%s: %d %q", path, res.StatusCode, body)
		}
	}
	if n := int64(f.store.Calls(storetest.Save)) - saves; n != 0 {
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

	f.store.Fail(storetest.Save, storetest.ErrInjected)
	res, body := f.get(b, "/write")
	f.store.Fail(storetest.Save, nil)
	if res.StatusCode != http.StatusServiceUnavailable || strings.Contains(body, "handler body") {
		t.Errorf("failed commit: %d %q, want the error handler's 503", res.StatusCode, body)
	}
	if s := seenStatus.Load(); s != http.StatusServiceUnavailable {
		t.Errorf("c.Response().Status after a failed commit = %d, want 503", s)
	}

	f.store.Fail(storetest.Load, storetest.ErrInjected)
	runs := handlerRuns.Load()
	res, _ = f.get(b, "/write")
	f.store.Fail(storetest.Load, nil)
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
	f.store.Fail(storetest.Load, storetest.ErrInjected)
	res, body := f.get(b, "/count")
	f.store.Fail(storetest.Load, nil)
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
