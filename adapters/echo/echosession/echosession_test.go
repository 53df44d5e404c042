package echosession_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/session2/session2/adapters/echo/echosession"
	"github.com/session2/session2/conformance"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// newFixture serves the echo.Echo that build fills for the manager m, behind
// a harness of conformance.
func newFixture(t *testing.T, build func(e *echo.Echo, m *session.Manager[session.Map])) *conformance.Harness {
	return conformance.NewHarness(t, func(m *session.Manager[session.Map]) http.Handler {
		e := newEcho()
		build(e, m)
		return e
	})
}

// routes installs a small application: /set and /get a key.
func routes(e *echo.Echo) {
	e.GET("/set", func(c echo.Context) error {
		echosession.Get[session.Map](c).Data().Set(c.QueryParam("key"), c.QueryParam("value"))
		return c.String(http.StatusOK, "ok")
	})
	e.GET("/get", func(c echo.Context) error {
		v, _ := echosession.Get[session.Map](c).Data().GetString(c.QueryParam("key"))
		return c.String(http.StatusOK, v)
	})

}

// TestErrorFlow: errors returned by handlers reach echo's HTTPErrorHandler
// after the chain returned; 5xx saves nothing, lower statuses commit with
// the error's response.
func TestErrorFlow(t *testing.T) {
	f := newFixture(t, func(e *echo.Echo, m *session.Manager[session.Map]) {
		e.Use(echosession.Middleware(m))
		routes(e)
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
			e.GET(tc.path, func(c echo.Context) error {
				echosession.Get[session.Map](c).Data().Set(strings.TrimPrefix(c.Path(), "/"), "yes")
				return err
			})
		}
	})
	b := f.Browser()
	b.Get("/set?key=a&value=1")
	f.ExpectUnsaved(b, "/http503", "/plain", "/wrapped502")
	for _, k := range []string{"notfound", "teapot"} {
		res, body := b.Get("/" + k)
		if res.StatusCode >= 500 || !strings.Contains(body, "message") {
			t.Errorf("/%s: %d %q, want echo's JSON error", k, res.StatusCode, body)
		}
		if _, v := b.Get("/get?key=" + k); v != "yes" {
			t.Errorf("the change of a %d response was not saved: %q", res.StatusCode, v)
		}
	}
	// A new session is created by a 404 error's response, cookie included.
	anon := f.Browser()
	res, _ := anon.Get("/notfound")
	if res.StatusCode != http.StatusNotFound || !f.HasCookie(res) {
		t.Errorf("a new session on a 404 error: %d, cookies %v", res.StatusCode, res.Cookies())
	}
}

// TestErrorHandlerAnswering200: an HTTPErrorHandler that renders errors and
// panics with 200 still saves nothing for a 5xx error or a panic.
func TestErrorHandlerAnswering200(t *testing.T) {
	f := newFixture(t, func(e *echo.Echo, m *session.Manager[session.Map]) {
		e.HTTPErrorHandler = func(err error, c echo.Context) {
			if !c.Response().Committed {
				c.String(http.StatusOK, "sorry")
			}
		}
		e.Use(quietRecover(), echosession.Middleware(m))
		routes(e)
		e.GET("/panic", func(c echo.Context) error {
			echosession.Get[session.Map](c).Data().Set("p", "1")
			panic("deliberate")
		})
		e.GET("/boom", func(c echo.Context) error {
			echosession.Get[session.Map](c).Data().Set("b", "1")
			return errors.New("boom")
		})
	})
	b := f.Browser()
	b.Get("/set?key=a&value=1")
	saves := int64(f.Store.Calls(sessiontest.Save))
	for _, path := range []string{"/panic", "/boom"} {
		if res, body := b.Get(path); res.StatusCode != http.StatusOK || body != "sorry" {
			t.Errorf("%s: %d %q", path, res.StatusCode, body)
		}
	}
	if n := int64(f.Store.Calls(sessiontest.Save)) - saves; n != 0 {
		t.Errorf("a panic and a 5xx error made %d saves", n)
	}
	for _, k := range []string{"p", "b"} {
		if _, v := b.Get("/get?key=" + k); v != "" {
			t.Errorf("key %s was saved: %q", k, v)
		}
	}
}

func TestStoreErrors(t *testing.T) {
	var handlerRuns atomic.Int64
	var seenStatus atomic.Int64
	f := newFixture(t, func(e *echo.Echo, m *session.Manager[session.Map]) {
		e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
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
		}, echosession.Middleware(m))
		routes(e)
		e.GET("/write", func(c echo.Context) error {
			handlerRuns.Add(1)
			echosession.Get[session.Map](c).Data().Set("w", "1")
			return c.String(http.StatusOK, "handler body")
		})
	})
	b := f.Browser()
	b.Get("/set?key=a&value=1")

	f.Store.Fail(sessiontest.Save, sessiontest.ErrInjected)
	res, body := b.Get("/write")
	f.Store.Fail(sessiontest.Save, nil)
	if res.StatusCode != http.StatusServiceUnavailable || strings.Contains(body, "handler body") {
		t.Errorf("failed commit: %d %q, want the error handler's 503", res.StatusCode, body)
	}
	if s := seenStatus.Load(); s != http.StatusServiceUnavailable {
		t.Errorf("c.Response().Status after a failed commit = %d, want 503", s)
	}

	f.Store.Fail(sessiontest.Load, sessiontest.ErrInjected)
	runs := handlerRuns.Load()
	res, _ = b.Get("/write")
	f.Store.Fail(sessiontest.Load, nil)
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("failed load: %d, want 503", res.StatusCode)
	}
	if s := seenStatus.Load(); s != http.StatusServiceUnavailable {
		t.Errorf("status seen after a failed load = %d, want 503", s)
	}
	if handlerRuns.Load() != runs {
		t.Error("the handler ran although the session could not be loaded")
	}
	if _, v := b.Get("/get?key=a"); v != "1" {
		t.Errorf("after the failures: %q, want 1", v)
	}
}

func TestConfigErrorHandler(t *testing.T) {
	var handlerRuns atomic.Int64
	f := newFixture(t, func(e *echo.Echo, m *session.Manager[session.Map]) {
		e.Use(echosession.MiddlewareWithConfig(m, echosession.Config{
			ErrorHandler: func(c echo.Context, err error) error {
				return echo.NewHTTPError(http.StatusServiceUnavailable, "sessions are down").SetInternal(err)
			},
		}))
		routes(e)
		e.GET("/count", func(c echo.Context) error {
			handlerRuns.Add(1)
			return c.NoContent(http.StatusOK)
		})
	})
	b := f.Browser()
	b.Get("/set?key=a&value=1")
	f.Store.Fail(sessiontest.Load, sessiontest.ErrInjected)
	res, body := b.Get("/count")
	f.Store.Fail(sessiontest.Load, nil)
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
	f := newFixture(t, func(e *echo.Echo, m *session.Manager[session.Map]) {
		e.Use(echosession.Middleware(m))
		routes(e)
		e.GET("/flush", func(c echo.Context) error {
			echosession.Get[session.Map](c).Data().Set("f", "1")
			c.Response().Flush()
			committed.Store(c.Response().Committed)
			_, err := c.Response().Write([]byte("flushed"))
			return err
		})
	})
	b := f.Browser()
	res, body := b.Get("/flush")
	if body != "flushed" || !f.HasCookie(res) {
		t.Errorf("/flush: %q, cookies %v", body, res.Cookies())
	}
	if !committed.Load() {
		t.Error("c.Response().Committed is false after a Flush")
	}
	if _, v := b.Get("/get?key=f"); v != "1" {
		t.Errorf("the flushing request's change: %q", v)
	}
}

func TestHijack(t *testing.T) {
	f := newFixture(t, func(e *echo.Echo, m *session.Manager[session.Map]) {
		e.Use(echosession.Middleware(m))
		routes(e)
		e.GET("/hijack", func(c echo.Context) error {
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
	b := f.Browser()
	b.Get("/set?key=a&value=1")
	if _, body := b.Get("/hijack"); body != "hijacked" {
		t.Errorf("/hijack: %q", body)
	}
	if _, v := b.Get("/get?key=h"); v != "1" {
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
