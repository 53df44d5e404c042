package echosession_test

import (
	"net/http"
	"testing"

	"github.com/session2/session2/adapters/echo/echosession"
	"github.com/session2/session2/conformance"
	"github.com/session2/session2/core/session"
)

// BenchmarkRequest measures one request through an echo server, with and
// without the session middleware (see conformance.BenchmarkAdapter).
func BenchmarkRequest(b *testing.B) {
	conformance.BenchmarkAdapter(b, func(m *session.Manager[session.Map], routes conformance.Routes) http.Handler {
		e := newEcho()
		if m != nil {
			e.Use(echosession.Middleware(m))
		}
		for _, rt := range routes {
			addLookup(e, rt)
		}
		return e
	})
}
