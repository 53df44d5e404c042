package ginsession_test

import (
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/session2/session2/adapters/gin/ginsession"
	"github.com/session2/session2/conformance"
	"github.com/session2/session2/core/session"
)

func init() { gin.SetMode(gin.TestMode) }

// quietRecovery is gin.Recovery without its log output.
func quietRecovery() gin.HandlerFunc { return gin.RecoveryWithWriter(io.Discard) }

// serve registers the conformance routes on r.
func serve(r *gin.Engine, routes conformance.Routes) {
	for _, rt := range routes {
		handle := rt.Handle
		r.Handle(rt.Method, conformance.ColonPattern(rt.Path), func(c *gin.Context) {
			handle(c.Writer, c.Request, ginsession.Get[session.Map](c))
		})
	}
}

// handleLookup registers rt on r behind use, with the session Lookup
// returns (nil on a skipped route).
func handleLookup(r gin.IRoutes, rt conformance.Route, use ...gin.HandlerFunc) {
	r.Handle(rt.Method, rt.Path, append(use[:len(use):len(use)], func(c *gin.Context) {
		s, _ := ginsession.Lookup[session.Map](c)
		rt.Handle(c.Writer, c.Request, s)
	})...)
}

func TestAdapter(t *testing.T) {
	t.Run("RecoveryOutside", func(t *testing.T) {
		conformance.TestAdapter(t, func(t *testing.T, m *session.Manager[session.Map], routes conformance.Routes) http.Handler {
			r := gin.New()
			r.Use(quietRecovery(), ginsession.Middleware(m))
			serve(r, routes)
			return r
		})
	})
	t.Run("RecoveryInside", func(t *testing.T) {
		conformance.TestAdapter(t, func(t *testing.T, m *session.Manager[session.Map], routes conformance.Routes) http.Handler {
			r := gin.New()
			r.Use(ginsession.Middleware(m), quietRecovery())
			serve(r, routes)
			return r
		})
	})
	t.Run("HeaderToken", func(t *testing.T) {
		conformance.TestAdapterHeaderToken(t, func(t *testing.T, m *session.Manager[session.Map], routes conformance.Routes) http.Handler {
			r := gin.New()
			r.Use(quietRecovery(), ginsession.Middleware(m))
			serve(r, routes)
			return r
		})
	})
	t.Run("NoRecovery", func(t *testing.T) {
		conformance.TestAdapter(t, func(t *testing.T, m *session.Manager[session.Map], routes conformance.Routes) http.Handler {
			r := gin.New()
			r.Use(ginsession.Middleware(m))
			serve(r, routes)
			return r
		})
	})
}

func TestHelpers(t *testing.T) {
	conformance.TestHelpers(t, conformance.Helpers[gin.HandlerFunc]{
		Router: func(t *testing.T, m *session.Manager[session.Map], routes []conformance.GuardedRoute[gin.HandlerFunc], skip []string) http.Handler {
			r := gin.New()
			r.Use(ginsession.Middleware(m, ginsession.WithSkipPaths(skip...)))
			for _, rt := range routes {
				handleLookup(r, rt.Route, rt.Use...)
			}
			return r
		},
		RequireUser:           ginsession.RequireUser[session.Map],
		CheckFormToken:        ginsession.CheckFormToken[session.Map],
		RequireAccount:        ginsession.RequireUser[conformance.Account],
		CheckFormTokenAccount: ginsession.CheckFormToken[conformance.Account],
		Skips:                 true,
	})
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
