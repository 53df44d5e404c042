package main

import (
	"fmt"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/session2/session2/adapters/gin/ginsession"
	"github.com/session2/session2/core/session"
)

// ginRouter serves the pages on gin through ginsession.
func ginRouter(a *app) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	// Answer like the other routers: no redirects for a trailing slash,
	// 405 for a known path with another method.
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.HandleMethodNotAllowed = true
	r.Use(gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, v any) {
		a.internal(c.Writer, "a page panicked", fmt.Errorf("panic: %v", v))
		c.Abort()
	}))
	r.Use(ginsession.CrossOrigin(a.cop), ginsession.Middleware(a.mgr))
	for _, rt := range a.routes() {
		p := rt.page
		r.Handle(rt.method, rt.path, func(c *gin.Context) {
			p(c.Writer, c.Request, ginsession.Get[session.Map](c))
		})
	}
	r.NoRoute(func(c *gin.Context) { a.notFound(c.Writer, c.Request) })
	r.NoMethod(func(c *gin.Context) { a.methodNotAllowed(c.Writer, c.Request) })
	return r
}
