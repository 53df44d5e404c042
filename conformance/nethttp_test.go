package conformance_test

import (
	"net/http"
	"testing"

	"github.com/session2/session2/conformance"
	"github.com/session2/session2/core/session"
)

// TestAdapterNetHTTP runs the adapter suite on the core's own net/http
// middleware, with no router but the standard library's.
func TestAdapterNetHTTP(t *testing.T) {
	conformance.TestAdapter(t, func(t *testing.T, m *session.Manager[session.Map], routes conformance.Routes) http.Handler {
		mux := http.NewServeMux()
		for _, rt := range routes {
			mux.HandleFunc(rt.Method+" "+rt.Path, func(w http.ResponseWriter, r *http.Request) {
				rt.Handle(w, r, m.Get(r))
			})
		}
		return m.Handler(mux)
	})
}
