package chisession_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/session2/session2/adapters/chi/chisession"
	"github.com/session2/session2/conformance"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// frontApp is an application with a login that can remember the user and
// send them back, a page behind RequireUser, and "log out everywhere".
func frontApp(m *session.Manager[conformance.Account]) http.Handler {
	r := chi.NewRouter()
	r.Use(chisession.Middleware(m))
	r.Post("/login", func(w http.ResponseWriter, r *http.Request) {
		s := chisession.Get[conformance.Account](r)
		if err := s.SetUser(r.FormValue("user")); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		s.SetPersistent(r.FormValue("remember") == "on")
		http.Redirect(w, r, session.ReturnTo(r, "next", "/"), http.StatusSeeOther)
	})
	r.With(chisession.RequireUser[conformance.Account]("/login", chisession.ReturnTo("next"))).Get("/account", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "balance %d", chisession.Get[conformance.Account](r).Data().Balance)
	})
	r.Post("/deposit", func(w http.ResponseWriter, r *http.Request) {
		chisession.Get[conformance.Account](r).Data().Balance += 10
	})
	r.Post("/logout-everywhere", func(w http.ResponseWriter, r *http.Request) {
		s := chisession.Get[conformance.Account](r)
		n, err := m.LogoutUser(r.Context(), s.User())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		s.AddFlashKind(session.FlashSuccess, fmt.Sprintf("logged out of %d sessions", n))
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	return r
}

// TestFrontEnds runs the conformance suite's front-end scenario (the test
// kit, RequireUser's return-to, remember-me, log out everywhere) on
// frontApp, with cookies and with header tokens.
func TestFrontEnds(t *testing.T) {
	conformance.TestFrontEnds(t, func(t *testing.T, m *session.Manager[conformance.Account]) http.Handler {
		return frontApp(m)
	})
}

func TestGetNamesBothTypes(t *testing.T) {
	m := sessiontest.NewManager[account](t)
	var msg string
	h := chisession.Middleware(m)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { msg = fmt.Sprint(recover()) }()
		chisession.Get[session.Map](r)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if !strings.Contains(msg, "session.Map") || !strings.Contains(msg, "chisession_test.account") {
		t.Errorf("panic %q does not name both types", msg)
	}
}
