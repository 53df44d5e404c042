package echosession_test

import (
	"io"
	"log/slog"
	"net/http"
	"slices"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/session2/session2/adapters/echo/echosession"
	"github.com/session2/session2/conformance"
	"github.com/session2/session2/core/session"
)

// newEcho returns a quiet echo server.
func newEcho() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Logger.SetOutput(io.Discard)
	return e
}

// quietRecover is echo's Recover middleware without its log output.
func quietRecover() echo.MiddlewareFunc {
	return middleware.RecoverWithConfig(middleware.RecoverConfig{DisablePrintStack: true})
}

// serve registers the conformance routes on e.
func serve(e *echo.Echo, routes conformance.Routes) {
	for _, rt := range routes {
		handle := rt.Handle
		e.Add(rt.Method, conformance.ColonPattern(rt.Path), func(c echo.Context) error {
			handle(c.Response(), c.Request(), echosession.Get[session.Map](c))
			return nil
		})
	}
}

// addLookup adds rt to e behind use, with the session Lookup returns
// (nil on a skipped route).
func addLookup(e *echo.Echo, rt conformance.Route, use ...echo.MiddlewareFunc) {
	e.Add(rt.Method, rt.Path, func(c echo.Context) error {
		s, _ := echosession.Lookup[session.Map](c)
		rt.Handle(c.Response(), c.Request(), s)
		return nil
	}, use...)
}

func TestAdapter(t *testing.T) {
	build := func(mw ...echo.MiddlewareFunc) conformance.NewAdapterFunc {
		return func(t *testing.T, m *session.Manager[session.Map], routes conformance.Routes) http.Handler {
			e := newEcho()
			for _, f := range mw {
				if f == nil {
					f = echosession.Middleware(m)
				}
				e.Use(f)
			}
			serve(e, routes)
			return e
		}
	}
	// nil stands for the session middleware.
	t.Run("RecoverOutside", func(t *testing.T) { conformance.TestAdapter(t, build(quietRecover(), nil)) })
	t.Run("RecoverInside", func(t *testing.T) { conformance.TestAdapter(t, build(nil, quietRecover())) })
	t.Run("RecoverInsideReturningError", func(t *testing.T) {
		conformance.TestAdapter(t, build(nil, middleware.RecoverWithConfig(middleware.RecoverConfig{
			DisablePrintStack: true, DisableErrorHandler: true,
		})))
	})
	t.Run("NoRecover", func(t *testing.T) { conformance.TestAdapter(t, build(nil)) })
	t.Run("HeaderToken", func(t *testing.T) { conformance.TestAdapterHeaderToken(t, build(quietRecover(), nil)) })
}

func TestHelpers(t *testing.T) {
	conformance.TestHelpers(t, conformance.Helpers[echo.MiddlewareFunc]{
		Router: func(t *testing.T, m *session.Manager[session.Map], routes []conformance.GuardedRoute[echo.MiddlewareFunc], skip []string) http.Handler {
			e := newEcho()
			e.Use(echosession.MiddlewareWithConfig(m, echosession.Config{Skipper: func(c echo.Context) bool {
				return slices.Contains(skip, c.Request().URL.Path)
			}}))
			for _, rt := range routes {
				addLookup(e, rt.Route, rt.Use...)
			}
			return e
		},
		RequireUser:           echosession.RequireUser[session.Map],
		CheckFormToken:        echosession.CheckFormToken[session.Map],
		RequireAccount:        echosession.RequireUser[conformance.Account],
		CheckFormTokenAccount: echosession.CheckFormToken[conformance.Account],
		Skips:                 true,
	})
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
