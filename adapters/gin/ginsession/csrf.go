package ginsession

import (
	"github.com/gin-gonic/gin"
	"github.com/session2/session2/core/session"
)

// CrossOrigin returns the first layer of CSRF protection, p, as gin
// middleware. Install it before Middleware, so that a refused cross-site
// request never reaches the store:
//
//	r.Use(ginsession.CrossOrigin(session.NewCrossOriginProtection()),
//		ginsession.Middleware(mgr), ginsession.CSRF(session.NewCSRF(nil)))
//
// A refused request is answered by p's deny handler and the chain is
// aborted. It panics if p is nil, a setup mistake.
func CrossOrigin(p *session.CrossOriginProtection) gin.HandlerFunc {
	if p == nil {
		panic("ginsession: CrossOrigin of a nil protection")
	}
	return guard(p.Check, false)
}

// CSRF returns the second layer of CSRF protection, the per-session token
// check p, as gin middleware. Install it after Middleware, whose session
// it reads; pages put s.CSRFToken() in their forms (field p.Field()) or
// their scripts' requests (header p.Header()). A refused request is
// answered by p's error handler (by default 403) and the chain is
// aborted, with the refusal in c.Errors. It panics if p is nil.
func CSRF(p *session.CSRF) gin.HandlerFunc {
	if p == nil {
		panic("ginsession: CSRF of a nil check")
	}
	return guard(p.Check, true)
}
