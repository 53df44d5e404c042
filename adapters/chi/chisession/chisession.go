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

// A RequireOption configures RequireUser: the core's
// [session.RequireOption].
type RequireOption = session.RequireOption

// ReturnTo makes RequireUser's redirect carry the page asked for in the
// login URL's query parameter param: [session.ReturnParam].
func ReturnTo(param string) RequireOption { return session.ReturnParam(param) }

// Challenge sets the WWW-Authenticate header of RequireUser's 401
// answer: [session.ChallengeWith].
func Challenge(value string) RequireOption { return session.ChallengeWith(value) }

// RequireUser returns the core's [session.RequireUser] middleware: a
// request whose session has no user is redirected to loginURL with 303
// See Other, or answered 401 Unauthorized with a WWW-Authenticate
// challenge when loginURL is empty. It panics, naming both types, when
// the request has no session of type T.
func RequireUser[T any](loginURL string, opts ...RequireOption) func(http.Handler) http.Handler {
	return session.RequireUser[T](loginURL, opts...).Handler
}

// CheckFormToken returns the core's [session.CheckFormToken] middleware:
// an unsafe request without one of the session's form tokens, which it
// consumes, is answered 403 Forbidden. Like RequireUser, it panics when
// the request has no session of type T.
func CheckFormToken[T any]() func(http.Handler) http.Handler {
	return session.CheckFormToken[T]().Handler
}
