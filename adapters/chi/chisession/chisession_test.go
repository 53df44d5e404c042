package chisession_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/session2/session2/adapters/chi/chisession"
	"github.com/session2/session2/conformance"
	"github.com/session2/session2/core/session"
)

func chiRouter(m *session.Manager[session.Map], routes conformance.Routes, recoverInside bool) http.Handler {
	r := chi.NewRouter()
	if !recoverInside {
		r.Use(middleware.Recoverer)
	}
	r.Use(chisession.Middleware(m))
	if recoverInside {
		r.Use(middleware.Recoverer)
	}
	for _, rt := range routes {
		r.MethodFunc(rt.Method, rt.Path, func(w http.ResponseWriter, r *http.Request) {
			rt.Handle(w, r, chisession.Get[session.Map](r))
		})
	}
	return r
}

func TestAdapter(t *testing.T) {
	t.Run("RecovererOutside", func(t *testing.T) {
		conformance.TestAdapter(t, func(t *testing.T, m *session.Manager[session.Map], routes conformance.Routes) http.Handler {
			return chiRouter(m, routes, false)
		})
	})
	t.Run("RecovererInside", func(t *testing.T) {
		conformance.TestAdapter(t, func(t *testing.T, m *session.Manager[session.Map], routes conformance.Routes) http.Handler {
			return chiRouter(m, routes, true)
		})
	})
	t.Run("HeaderToken", func(t *testing.T) {
		conformance.TestAdapterHeaderToken(t, func(t *testing.T, m *session.Manager[session.Map], routes conformance.Routes) http.Handler {
			return chiRouter(m, routes, false)
		})
	})
}

type account struct {
	Balance int
}

func TestHelpers(t *testing.T) {
	conformance.TestHelpers(t, conformance.Helpers[func(http.Handler) http.Handler]{
		Router: func(t *testing.T, m *session.Manager[session.Map], routes []conformance.GuardedRoute[func(http.Handler) http.Handler], _ []string) http.Handler {
			r := chi.NewRouter()
			r.Use(chisession.Middleware(m))
			for _, rt := range routes {
				r.With(rt.Use...).MethodFunc(rt.Method, rt.Path, func(w http.ResponseWriter, r *http.Request) {
					s, _ := chisession.Lookup[session.Map](r)
					rt.Handle(w, r, s)
				})
			}
			return r
		},
		RequireUser:           chisession.RequireUser[session.Map],
		CheckFormToken:        chisession.CheckFormToken[session.Map],
		RequireAccount:        chisession.RequireUser[conformance.Account],
		CheckFormTokenAccount: chisession.CheckFormToken[conformance.Account],
	})
}

func TestGetWithoutMiddlewarePanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "chisession.Middleware") {
			t.Fatalf("recover() = %v, want a panic naming the missing middleware", r)
		}
	}()
	chisession.Get[account](httptest.NewRequest("GET", "/", nil))
}
