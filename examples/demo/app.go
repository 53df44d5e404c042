package main

import (
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/session2/session2/core/session"
)

// Limits on what a visitor can put in a session, so that no input makes the
// session exceed the manager's size limit (which would be a 500).
const (
	maxBody        = 64 << 10  // bytes of a POST body
	maxNameLen     = 64        // bytes of a user name
	maxKeyLen      = 64        // bytes of a key of /set
	maxValueLen    = 1024      // bytes of a value of /set
	maxKeys        = 32        // keys in one session
	maxFlashLen    = 500       // bytes of a flash message
	maxFlashes     = 10        // flash messages queued in one session
	counterKey     = "counter" // the session key of the counter
	formTokenField = "form_token"
	timeLayout     = "2006-01-02 15:04:05 UTC"
)

// app is the demo's page logic, shared by every router: a page is a
// function of the request and its session, so the routers cannot differ.
type app struct {
	mgr   *session.Manager[session.Map]
	store session.Store
	log   *slog.Logger
	now   func() time.Time
	extra []route // more pages, for tests
	// admin serves the admin pages (-admin-local; see admin.go).
	admin bool
	// metrics, under -metrics, feeds the sessions page's live counts.
	metrics *metrics
	// cop and csrf are the two layers of CSRF protection (see protect).
	cop  *session.CrossOriginProtection
	csrf *session.CSRF
	// maxSessions is -max-sessions-per-user, shown by /devices.
	maxSessions int
}

// page is one page of the demo.
type page func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map])

// route binds a page to a method and path.
type route struct {
	method string
	path   string
	page   page
}

// routes is the demo's whole site. Every router serves exactly this table.
func (a *app) routes() []route {
	return append([]route{
		{http.MethodGet, "/", a.home},
		{http.MethodGet, "/login", a.loginForm},
		{http.MethodPost, "/login", a.post(a.login)},
		{http.MethodGet, "/welcome", a.welcome},
		{http.MethodGet, "/logout", a.logout},
		{http.MethodPost, "/logout", a.post(a.logoutPost)},
		{http.MethodGet, "/goodbye", a.goodbye},
		{http.MethodPost, "/logout_all", a.post(a.logoutAll)},
		{http.MethodGet, "/counter", a.counter},
		{http.MethodGet, "/check", a.check},
		{http.MethodGet, "/create_token", a.createToken},
		{http.MethodGet, "/check_token", a.checkToken},
		{http.MethodPost, "/set", a.post(a.set)},
		{http.MethodGet, "/stored", a.stored},
		{http.MethodGet, "/get", a.get},
		{http.MethodGet, "/flash", a.showFlash},
		{http.MethodPost, "/flash", a.post(a.setFlash)},
		{http.MethodGet, "/flash_set", a.flashSet},
		{http.MethodGet, "/devices", a.devices},
		{http.MethodPost, "/devices/revoke", a.post(a.revokeDevice)},
	}, append(a.adminRoutes(), a.extra...)...)
}

// protect sets up the two layers of CSRF protection every router
// installs: cross-origin protection in front of the session middleware,
// the defence (a cross-site POST is refused before its session is
// loaded), and the per-session token, for defence in depth and old
// browsers, checked by post once the body is read. Single-use form tokens
// are only for one-shot actions (/create_token).
func (a *app) protect() {
	if a.cop != nil {
		return
	}
	a.cop = session.NewCrossOriginProtection()
	a.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.fail(w, http.StatusForbidden, "Cross-site form submission refused.")
	}))
	a.csrf = session.NewCSRF(nil)
}

// post guards a page that changes state: it limits and parses the body,
// then checks the CSRF token (session.CSRF's policy: a token, when sent,
// must be the session's; a browser's request of a session with info must
// send one; scripts, which send neither Origin nor Sec-Fetch-Site, may post
// without), and, when the form carries a single-use form token (the
// opt-in of /create_token), requires it to be one of the session's and
// consumes it. Cross-site browser requests never get here: the
// cross-origin protection in front of the session refused them.
//
// The token is checked here rather than by the adapters' CSRF middleware
// so that the body limit applies before anything reads the body.
func (a *app) post(next page) page {
	return func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		if err := parseForm(r); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				a.fail(w, http.StatusBadRequest, fmt.Sprintf("The request body is larger than %d KiB.", maxBody>>10))
				return
			}
			a.fail(w, http.StatusBadRequest, "The form could not be read: "+err.Error())
			return
		}
		if r.MultipartForm != nil {
			defer func() { _ = r.MultipartForm.RemoveAll() }()
		}
		if a.csrf.Check(r) != nil {
			a.fail(w, http.StatusForbidden, "Invalid or missing CSRF token: reload the page and try again.")
			return
		}
		if toks, ok := r.PostForm[formTokenField]; ok {
			if len(toks) != 1 || !s.CheckFormToken(toks[0]) {
				a.fail(w, http.StatusForbidden, "Invalid or already used form token: reload the form and try again.")
				return
			}
		}
		next(w, r, s)
	}
}

// parseForm parses a URL-encoded or multipart body into r.PostForm, so
// that the token checks see every field the page will read.
func parseForm(r *http.Request) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		return r.ParseMultipartForm(maxBody)
	}
	return r.ParseForm()
}

// seeOther ends a successful POST (post/redirect/get): 303 to the page
// that shows its result, so that a reload does not post again.
func (a *app) seeOther(w http.ResponseWriter, target string) {
	setHeaders(w.Header(), "text/plain; charset=utf-8")
	w.Header().Set("Location", target)
	w.WriteHeader(http.StatusSeeOther)
}

// notFound and methodNotAllowed are the routers' answers for unknown
// paths and methods.
func (a *app) notFound(w http.ResponseWriter, r *http.Request) {
	a.fail(w, http.StatusNotFound, "There is no page at this address.")
}

func (a *app) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	if allow := a.allowed(r.URL.Path); allow != "" {
		w.Header().Set("Allow", allow) // the same on every router
	}
	a.fail(w, http.StatusMethodNotAllowed, "This page does not answer "+r.Method+" requests.")
}

// allowed lists the methods the route table serves at path, as an Allow
// header does; "" for a path it does not serve.
func (a *app) allowed(path string) string {
	var methods []string
	for _, rt := range a.routes() {
		if rt.path == path {
			methods = append(methods, rt.method)
		}
	}
	sort.Strings(methods)
	return strings.Join(methods, ", ")
}

// sessionError is the manager's error handler: the store failed to load or
// save the session. The manager has logged the failure already.
func (a *app) sessionError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, session.ErrTooLarge) {
		a.fail(w, http.StatusInternalServerError, "The session grew too large to be saved.")
		return
	}
	a.fail(w, http.StatusServiceUnavailable, "The session store is unavailable. Try again in a moment.")
}
