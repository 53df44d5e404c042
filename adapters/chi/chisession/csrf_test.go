package chisession_test

import (
	"net/http"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/session2/session2/adapters/chi/chisession"
	"github.com/session2/session2/conformance"
	"github.com/session2/session2/core/session"
)

// TestCSRF: chi takes the core's net/http middlewares as they are.
func TestCSRF(t *testing.T) {
	conformance.TestCSRF(t, func(t *testing.T, m *session.Manager[session.Map], cop *session.CrossOriginProtection, csrf *session.CSRF, routes conformance.Routes) http.Handler {
		r := chi.NewRouter()
		r.Use(middleware.Recoverer, cop.Handler, chisession.Middleware(m), csrf.Handler)
		for _, rt := range routes {
			r.MethodFunc(rt.Method, rt.Path, func(w http.ResponseWriter, r *http.Request) {
				rt.Handle(w, r, chisession.Get[session.Map](r))
			})
		}
		return r
	})
}
