// Package chisession puts session2 sessions on a chi router.
//
// chi routes plain net/http handlers, so the adapter is the core manager's
// own middleware plus the helpers chi users expect:
//
//	r := chi.NewRouter()
//	r.Use(chisession.Middleware(mgr))
//	r.With(chisession.RequireUser[Data]("/login")).Get("/account", account)
//	r.With(chisession.CheckFormToken[Data]()).Post("/transfer", transfer)
//
// and in a handler, chisession.Get[Data](r) returns the request's session.
package chisession

import (
	"net/http"

	"github.com/session2/session2/core/session"
)

// DefaultFormTokenField is the form field, and DefaultFormTokenHeader the
// header, that CheckFormToken reads the token from.
const (
	DefaultFormTokenField  = session.FormTokenField
	DefaultFormTokenHeader = session.FormTokenHeader
)

// Middleware returns the session middleware of m for r.Use. Every handler
// behind it can get the request's session with Get. It panics if m is nil.
func Middleware[T any](m *session.Manager[T]) func(http.Handler) http.Handler {
	if m == nil {
		panic("chisession: Middleware of a nil manager")
	}
	return m.Handler
}

// Get returns the request's session. It panics when the request did not
// pass through Middleware for a manager of T, a setup mistake.
func Get[T any](r *http.Request) *session.Session[T] { return mustLookup[T](r, "Get") }

// mustLookup returns the request's session for fn, or panics naming the
// session type asked for and the one the request has, if any.
func mustLookup[T any](r *http.Request, fn string) *session.Session[T] {
	s, ok := session.FromContext[T](r.Context())
	if !ok {
		panic("chisession: " + fn + ": " + session.Missing[T](r.Context()) + " (r.Use(chisession.Middleware(mgr)))")
	}
	return s
}

// Lookup returns the request's session and whether there is one.
func Lookup[T any](r *http.Request) (*session.Session[T], bool) {
	return session.FromContext[T](r.Context())
}

// A RequireOption configures RequireUser.
type RequireOption func(*requireConfig)

type requireConfig struct{ returnParam, challenge string }

// ReturnTo makes RequireUser's redirect carry the page asked for, its path
// and query, in the login URL's query parameter param:
// "/login?next=%2Fcart". The login handler sends the user back there with
// [session.ReturnTo], which accepts only a local path.
func ReturnTo(param string) RequireOption {
	return func(c *requireConfig) { c.returnParam = param }
}

// Challenge sets the WWW-Authenticate header of RequireUser's 401 answer
// (when it has no login URL), such as `Bearer realm="api"`. The default is
// [session.Challenge]'s: `Session realm="session"`, or `Bearer
// realm="session"` behind a manager that reads the Authorization header.
func Challenge(value string) RequireOption {
	return func(c *requireConfig) { c.challenge = value }
}

// RequireUser returns middleware that lets a request through only when its
// session has a user. Others are redirected to loginURL with 303 See Other
// (with the ReturnTo option, carrying the page asked for), or answered 401
// Unauthorized with a WWW-Authenticate challenge (see Challenge) when
// loginURL is empty.
//
// It panics, naming both types, when the request has no session of type T:
// Middleware is not installed in front of it, or its manager's session
// type is not T. Either would otherwise send a logged-in user to the login
// page for ever.
func RequireUser[T any](loginURL string, opts ...RequireOption) func(http.Handler) http.Handler {
	var cfg requireConfig
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if mustLookup[T](r, "RequireUser").User() != "" {
				next.ServeHTTP(w, r)
				return
			}
			if loginURL == "" {
				challenge := cfg.challenge
				if challenge == "" {
					challenge = session.Challenge(r)
				}
				w.Header().Set("WWW-Authenticate", challenge)
				http.Error(w, http.StatusText(http.StatusUnauthorized), http.StatusUnauthorized)
				return
			}
			http.Redirect(w, r, session.LoginRedirect(loginURL, cfg.returnParam, r), http.StatusSeeOther)
		})
	}
}

// CheckFormToken returns middleware that, on unsafe methods (anything but
// GET, HEAD, OPTIONS and TRACE), requires one of the session's form tokens
// in the form field "form_token" or the header "X-Form-Token", and consumes
// it. A request without a valid token is answered 403 Forbidden and does
// not reach the handler. Like RequireUser, it panics when the request has
// no session of type T.
func CheckFormToken[T any]() func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !mustLookup[T](r, "CheckFormToken").CheckRequest(r) {
				http.Error(w, "invalid or missing form token", http.StatusForbidden)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
