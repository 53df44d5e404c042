package main

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/session2/session2/adapters/echo/echosession"
	"github.com/session2/session2/core/session"
)

// echoRouter serves the pages on echo through echosession.
func echoRouter(a *app) http.Handler {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		w, r := c.Response(), c.Request()
		switch status := echosession.ErrorStatus(err); {
		case status == http.StatusNotFound:
			a.notFound(w, r)
		case status == http.StatusMethodNotAllowed:
			a.methodNotAllowed(w, r)
		case status >= 500:
			a.internal(w, "the request failed", err)
		default:
			a.fail(w, status, http.StatusText(status)+".")
		}
	}
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisablePrintStack: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			return err // answered by the HTTPErrorHandler above, which logs it
		},
	}))
	// echo answers OPTIONS on every known path with 204 by itself; the
	// other routers answer 405, as the route table serves no OPTIONS.
	e.Pre(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if c.Request().Method == http.MethodOptions && a.allowed(c.Request().URL.Path) != "" {
				a.methodNotAllowed(c.Response(), c.Request())
				return nil
			}
			return next(c)
		}
	})
	e.Use(echosession.CrossOrigin(a.cop), echosession.Middleware(a.mgr))
	for _, rt := range a.routes() {
		p := rt.page
		e.Add(rt.method, rt.path, func(c echo.Context) error {
			p(c.Response(), c.Request(), echosession.Get[session.Map](c))
			return nil
		})
	}
	return e
}
