package chisession_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/session2/session2/adapters/chi/chisession"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// TestHelpersOfAnotherTypePanic: RequireUser and CheckFormToken of a type
// that is not the manager's panic naming both types, instead of sending a
// logged-in user to the login page (or refusing every form) for ever.
func TestHelpersOfAnotherTypePanic(t *testing.T) {
	m := sessiontest.NewManager[account](t)
	var msg string
	r := chi.NewRouter()
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if v := recover(); v != nil {
					msg = fmt.Sprint(v)
					w.WriteHeader(http.StatusInternalServerError)
				}
			}()
			next.ServeHTTP(w, r)
		})
	})
	r.Use(chisession.Middleware(m))
	ok := func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "in") }
	r.With(chisession.RequireUser[session.Map]("/login")).Get("/account", ok)
	r.With(chisession.CheckFormToken[session.Map]()).Post("/deposit", ok)
	for _, tc := range []struct{ method, path, helper string }{
		{"GET", "/account", "RequireUser"},
		{"POST", "/deposit", "CheckFormToken"},
	} {
		msg = ""
		req := sessiontest.WithSession(t, m, httptest.NewRequest(tc.method, tc.path, nil), "ann", nil)
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		if rec.Code != http.StatusInternalServerError || !strings.Contains(msg, tc.helper) ||
			!strings.Contains(msg, "session.Map") || !strings.Contains(msg, "chisession_test.account") {
			t.Errorf("%s: %d, panic %q; want a panic of %s naming both types", tc.path, rec.Code, msg, tc.helper)
		}
	}
}

// TestRequireUser401Challenge: RequireUser without a login URL answers 401
// with a WWW-Authenticate challenge, as RFC 9110 requires.
func TestRequireUser401Challenge(t *testing.T) {
	for _, tc := range []struct {
		opts []session.Option
		req  []chisession.RequireOption
		want string
	}{
		{nil, nil, `Session realm="session"`},
		{[]session.Option{session.WithHeaderToken("Authorization")}, nil, `Bearer realm="session"`},
		{nil, []chisession.RequireOption{chisession.Challenge(`Bearer realm="api"`)}, `Bearer realm="api"`},
	} {
		m := sessiontest.NewManager[account](t, tc.opts...)
		r := chi.NewRouter()
		r.Use(chisession.Middleware(m))
		r.With(chisession.RequireUser[account]("", tc.req...)).Get("/api", func(http.ResponseWriter, *http.Request) {})
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, httptest.NewRequest("GET", "/api", nil))
		if rec.Code != http.StatusUnauthorized || rec.Header().Get("WWW-Authenticate") != tc.want {
			t.Errorf("%d, WWW-Authenticate %q; want 401 with %q", rec.Code, rec.Header().Get("WWW-Authenticate"), tc.want)
		}
	}
}
