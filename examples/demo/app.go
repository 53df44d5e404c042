package main

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

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
	a.csrf = session.NewCSRF()
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

// --- pages ---

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
	s.Data().Set(counterKey, 0)
	a.seeOther(w, "/welcome")
}

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

func (a *app) counter(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
	var n int
	full := false
	s.Update(func(m *session.Map) {
		n = counterOf(m)
		if n == math.MaxInt {
			full = true
			return
		}
		n++
		m.Set(counterKey, n)
	})
	if full {
		a.fail(w, http.StatusBadRequest, "The counter is at its maximum.")
		return
	}
	a.render(w, http.StatusOK, counterTmpl, "Counter", n)
}

func (a *app) check(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
	id := ""
	if !s.IsNew() || s.HasInfo() {
		id = s.ID()
	}
	n := s.FormTokenCount()
	a.text(w, http.StatusOK, fmt.Sprintf(
		"session_id: %s\nuser: %s\ncounter: %d\nhas_info: %t\nform_tokens_count: %d\nhas_form_tokens: %t\naccess_time: %s\n",
		id, s.User(), counterOf(s.Data()), s.HasInfo(), n, n > 0, s.AccessedAt().UTC().Format(time.RFC3339)))
}

func (a *app) createToken(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
	tok, ok := a.formToken(w, s)
	if !ok {
		return
	}
	a.render(w, http.StatusOK, tokenTmpl, "Form token", tok)
}

func (a *app) checkToken(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
	n := s.FormTokenCount()
	a.text(w, http.StatusOK, fmt.Sprintf("has_form_tokens: %t\nform_tokens_count: %d\n", n > 0, n))
}

func (a *app) set(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
	key, value := r.FormValue("key"), r.FormValue("value")
	if msg := checkText("key", key, maxKeyLen); msg != "" {
		a.fail(w, http.StatusBadRequest, msg)
		return
	}
	if len(value) > maxValueLen || !utf8.ValidString(value) {
		a.fail(w, http.StatusBadRequest, fmt.Sprintf("The value must be UTF-8 text of at most %d bytes.", maxValueLen))
		return
	}
	tooMany := false
	s.Update(func(m *session.Map) {
		if _, exists := m.Get(key); !exists && m.Len() >= maxKeys {
			tooMany = true
			return
		}
		m.Set(key, value)
	})
	if tooMany {
		a.fail(w, http.StatusBadRequest, fmt.Sprintf("The session already holds %d keys, the most this demo keeps.", maxKeys))
		return
	}
	a.seeOther(w, "/stored?key="+url.QueryEscape(key))
}

// stored shows a key that /set stored.
func (a *app) stored(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
	key := r.URL.Query().Get("key")
	v, ok := s.Data().Get(key)
	if key == "" || !ok {
		a.fail(w, http.StatusNotFound, "The session holds no such key.")
		return
	}
	value, isString := v.(string)
	if !isString {
		value = fmt.Sprint(v)
	}
	a.render(w, http.StatusOK, setTmpl, "Stored", struct{ Key, Value string }{key, value})
}

func (a *app) get(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
	key := r.URL.Query().Get("key")
	if key == "" {
		a.fail(w, http.StatusBadRequest, "Missing key: use /get?key=K.")
		return
	}
	v, ok := s.Data().Get(key)
	if !ok {
		a.text(w, http.StatusNotFound, "")
		return
	}
	if str, isString := v.(string); isString {
		a.text(w, http.StatusOK, str)
		return
	}
	a.text(w, http.StatusOK, fmt.Sprint(v))
}

func (a *app) showFlash(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
	msgs := s.Flashes()
	a.render(w, http.StatusOK, flashTmpl, "Flash", struct {
		Messages []string
		CSRF     string
		MaxLen   int
	}{msgs, s.CSRFToken(), maxFlashLen})
}

func (a *app) setFlash(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
	msg := strings.TrimSpace(r.FormValue("message"))
	if msg := checkText("message", msg, maxFlashLen); msg != "" {
		a.fail(w, http.StatusBadRequest, msg)
		return
	}
	queued := s.Flashes() // there is no way to count them without taking them
	for _, m := range queued {
		s.AddFlash(m)
	}
	if len(queued) >= maxFlashes {
		a.fail(w, http.StatusBadRequest, fmt.Sprintf("%d flash messages are already waiting: show them first.", len(queued)))
		return
	}
	s.AddFlash(msg)
	a.seeOther(w, "/flash_set?message="+url.QueryEscape(msg))
}

// flashSet confirms a flash message set by POST /flash.
func (a *app) flashSet(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
	msg := r.URL.Query().Get("message")
	if m := checkText("message", msg, maxFlashLen); m != "" {
		a.fail(w, http.StatusBadRequest, m)
		return
	}
	a.render(w, http.StatusOK, flashSetTmpl, "Flash set", msg)
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

// --- helpers ---

// counterOf reads the counter: an int, or a string holding one (after a
// /set of the key "counter"); anything else counts as 0.
func counterOf(m *session.Map) int {
	if n, ok := m.GetInt(counterKey); ok {
		return n
	}
	if str, ok := m.GetString(counterKey); ok {
		if n, err := strconv.Atoi(strings.TrimSpace(str)); err == nil {
			return n
		}
	}
	return 0
}

// checkText validates a short text field, returning a message for the
// visitor when it is unusable.
func checkText(field, v string, max int) string {
	if v == "" {
		return "Missing " + field + "."
	}
	if len(v) > max {
		return fmt.Sprintf("The %s is too long: at most %d bytes.", field, max)
	}
	if !utf8.ValidString(v) {
		return "The " + field + " is not valid UTF-8."
	}
	if strings.IndexFunc(v, unicode.IsControl) >= 0 {
		return "The " + field + " must not contain control characters."
	}
	return ""
}

// formToken creates a form token, answering 500 when it cannot.
func (a *app) formToken(w http.ResponseWriter, s *session.Session[session.Map]) (string, bool) {
	tok, err := s.NewFormToken()
	if err != nil {
		a.internal(w, "could not create a form token", err)
		return "", false
	}
	return tok, true
}

// setHeaders sets what every page carries: no caching of personal pages,
// no sniffing, no framing, no scripts.
func setHeaders(h http.Header, contentType string) {
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
}

// render executes a page template inside the layout and writes it.
func (a *app) render(w http.ResponseWriter, status int, t *template.Template, title string, data any) {
	var buf bytes.Buffer
	ld := layoutData{Title: title, Data: data, Admin: a.admin}
	if u, ok := a.store.(interface{ Unreachable() string }); ok {
		ld.StoreDown = u.Unreachable()
	}
	if err := t.ExecuteTemplate(&buf, "layout", ld); err != nil {
		a.log.Error("rendering a page", "title", title, "err", err)
		setHeaders(w.Header(), "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte("Internal error while rendering the page.\n"))
		return
	}
	setHeaders(w.Header(), "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// text writes a text/plain answer.
func (a *app) text(w http.ResponseWriter, status int, body string) {
	setHeaders(w.Header(), "text/plain; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// fail answers with an error page.
func (a *app) fail(w http.ResponseWriter, status int, msg string) {
	title := cmp.Or(http.StatusText(status), "Error")
	a.render(w, status, errorTmpl, title, struct{ Status, Message string }{title, msg})
}

// internal logs err and answers 500.
func (a *app) internal(w http.ResponseWriter, what string, err error) {
	a.log.Error("demo: "+what, "err", err)
	a.fail(w, http.StatusInternalServerError, "Internal error: "+what+".")
}

// unavailable logs a store error and answers 503.
func (a *app) unavailable(w http.ResponseWriter, what string, err error) {
	a.log.Error("demo: "+what, "err", err)
	a.fail(w, http.StatusServiceUnavailable, "The session store failed: "+what+". Try again in a moment.")
}
