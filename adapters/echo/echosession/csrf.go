package echosession

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/session2/session2/core/session"
)

// CrossOrigin returns the first layer of CSRF protection, p, as echo
// middleware. Install it before Middleware, so that a refused cross-site
// request never reaches the store:
//
//	e.Use(echosession.CrossOrigin(session.NewCrossOriginProtection()),
//		echosession.Middleware(mgr), echosession.CSRF(session.NewCSRF()))
//
// A refused request is answered by p's deny handler and the route's
// handler does not run. It panics if p is nil, a setup mistake.
func CrossOrigin(p *session.CrossOriginProtection) echo.MiddlewareFunc {
	if p == nil {
		panic("echosession: CrossOrigin of a nil protection")
	}
	// p's deny handler is reached through p.Handler, which checks again:
	// only a refused request pays for that.
	deny := p.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if p.Check(c.Request()) != nil {
				deny.ServeHTTP(c.Response(), c.Request())
				return nil
			}
			return next(c)
		}
	}
}

// CSRF returns the second layer of CSRF protection, the per-session token
// check p, as echo middleware. Install it after Middleware, whose session
// it reads; pages put s.CSRFToken() in their forms (field p.Field()) or
// their scripts' requests (header p.Header()). A refused request is
// answered by p's error handler (by default 403; set one with
// session.WithCSRFErrorHandler) and the route's handler does not run. It
// panics if p is nil.
func CSRF(p *session.CSRF) echo.MiddlewareFunc {
	if p == nil {
		panic("echosession: CSRF of a nil check")
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if err := p.Check(c.Request()); err != nil {
				p.Refuse(c.Response(), c.Request(), err)
				return nil
			}
			return next(c)
		}
	}
}
