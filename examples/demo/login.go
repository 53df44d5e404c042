package main

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/session2/session2/core/session"
)

// The pages of logging in and out: the home page, the login form and its
// POST, the welcome page, logout (of this session, or of every session of
// the user) and the goodbye page.

func (a *app) home(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
	user := s.User()
	if user == "" {
		a.render(w, http.StatusOK, homeAnonTmpl, "Home", nil)
		return
	}
	a.render(w, http.StatusOK, homeUserTmpl, "Home", struct {
		User    string
		Counter int
		CSRF    string
	}{user, counterOf(s.Data()), s.CSRFToken()})
}

func (a *app) loginForm(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
	// An anonymous visitor's form carries no token (CSRFToken is ""): it
	// is guarded by the cross-origin protection, and rendering it stores
	// nothing and sets no cookie.
	a.render(w, http.StatusOK, loginTmpl, "Log in", struct {
		CSRF   string
		User   string
		MaxLen int
	}{s.CSRFToken(), s.User(), maxNameLen})
}

func (a *app) login(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
	name := strings.TrimSpace(r.FormValue("name"))
	if msg := checkText("name", name, maxNameLen); msg != "" {
		a.fail(w, http.StatusBadRequest, msg)
		return
	}
	if err := s.SetUser(name); err != nil {
		a.internal(w, "could not renew the session token", err)
		return
	}
	// "Remember me": a persistent cookie, and a session of its own that
	// lasts 30 days through idle gaps longer than the -idle-timeout.
	if r.FormValue("remember") == "on" {
		s.Remember(rememberFor)
	}
	s.Data().Set(counterKey, 0)
	a.seeOther(w, "/welcome")
}

// rememberFor is how long a login with "remember me" checked lasts.
const rememberFor = 30 * 24 * time.Hour

func (a *app) welcome(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
	user := s.User()
	if user == "" {
		a.render(w, http.StatusOK, homeAnonTmpl, "Home", nil)
		return
	}
	a.render(w, http.StatusOK, welcomeTmpl, "Welcome", user)
}

// logout is GET /logout, kept for scripts: it logs out and shows the
// goodbye page at once.
func (a *app) logout(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
	s.Destroy()
	a.render(w, http.StatusOK, goodbyeTmpl, "Goodbye", nil)
}

func (a *app) logoutPost(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
	s.Destroy()
	a.seeOther(w, "/goodbye")
}

// goodbye shows the end of a logout, with the flash messages that
// followed it (a device signed out on /devices); with ?deleted=N, of a
// logout everywhere that deleted N sessions.
func (a *app) goodbye(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
	if raw := r.URL.Query().Get("deleted"); raw != "" {
		if n, err := strconv.Atoi(raw); err == nil && n >= 0 {
			a.render(w, http.StatusOK, logoutAllTmpl, "Logged out everywhere", n)
			return
		}
	}
	a.render(w, http.StatusOK, goodbyeTmpl, "Goodbye", s.TakeFlashes())
}

func (a *app) logoutAll(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
	user := s.User()
	if user == "" {
		a.fail(w, http.StatusForbidden, "Not logged in: log in first to log out everywhere.")
		return
	}
	// LogoutUser deletes every session of the user through the store's
	// user index, this request's among them, which it destroys as Destroy
	// would (its flashes stay for this response).
	n, err := a.mgr.LogoutUser(r.Context(), user)
	if err != nil {
		a.unavailable(w, "could not delete the sessions", err)
		return
	}
	a.seeOther(w, "/goodbye?deleted="+strconv.Itoa(n))
}
