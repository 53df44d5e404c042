package ginsession_test

import (
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/session2/session2/adapters/gin/ginsession"
	"github.com/session2/session2/conformance"
	"github.com/session2/session2/core/session"
)

// BenchmarkRequest measures one request through a gin engine, with and
// without the session middleware (see conformance.BenchmarkAdapter).
func BenchmarkRequest(b *testing.B) {
	conformance.BenchmarkAdapter(b, func(m *session.Manager[session.Map], routes conformance.Routes) http.Handler {
		r := gin.New()
		if m != nil {
			r.Use(ginsession.Middleware(m))
		}
		for _, rt := range routes {
			handleLookup(r, rt)
		}
		return r
	})
}
