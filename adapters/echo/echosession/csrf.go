package echosession

import (
	"github.com/labstack/echo/v4"
	"github.com/session2/session2/core/session"
)

// CrossOrigin returns the first layer of CSRF protection, p, as echo
// middleware. Install it before Middleware, so that a refused cross-site
// request never reaches the store:
//
//	e.Use(echosession.CrossOrigin(session.NewCrossOriginProtection()),
//		echosession.Middleware(mgr), echosession.CSRF(session.NewCSRF(nil)))
//
// A refused request gets an [echo.HTTPError] with 403 Forbidden, whose
// Internal wraps [session.ErrCrossOrigin], for echo's HTTPErrorHandler to
// answer, or, when the application set one with p.SetDenyHandler, is
// answered by that handler. The route's handler does not run. It panics
// if p is nil, a setup mistake.
func CrossOrigin(p *session.CrossOriginProtection) echo.MiddlewareFunc {
	if p == nil {
		panic("echosession: CrossOrigin of a nil protection")
	}
	return guard(p.Check)
}

// CSRF returns the second layer of CSRF protection, the per-session token
// check p, as echo middleware. Install it after Middleware, whose session
// it reads; pages put s.CSRFToken() in their forms (field p.Field()) or
// their scripts' requests (header p.Header()). A refused request gets an
// [echo.HTTPError] with 403 Forbidden, whose Internal wraps
// [session.ErrCSRF], for echo's HTTPErrorHandler to answer, or, when the
// application set one with session.CSRFOptions.ErrorHandler, is answered by
// that handler. The route's handler does not run. It panics if p is nil.
func CSRF(p *session.CSRF) echo.MiddlewareFunc {
	if p == nil {
		panic("echosession: CSRF of a nil check")
	}
	return guard(p.Check)
}
