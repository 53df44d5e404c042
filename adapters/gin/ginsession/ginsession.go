// Package ginsession puts session2 sessions on a gin engine.
//
// One line installs it:
//
//	r := gin.New()
//	r.Use(gin.Recovery(), ginsession.Middleware(mgr))
//
// and in a handler, ginsession.Get[Data](c) returns the request's session.
// The helpers gin users expect are middleware too:
//
//	r.GET("/account", ginsession.RequireUser[Data]("/login"), account)
//	r.POST("/transfer", ginsession.CheckFormToken[Data](), transfer)
//
// The adapter holds no session logic: it maps gin's response writer onto
// the core's rule that a session is committed just before the response's
// header goes out, with the status being sent. gin's writer records the
// status on WriteHeader and sends it on the first Write, WriteString,
// WriteHeaderNow or Flush; the session is committed there, or when the
// middleware's chain returns without having written, whichever is first.
//
// A handler that panics saves nothing, whether the panic passes through
// the middleware to a gin.Recovery installed before it, or a gin.Recovery
// installed after it turns the panic into a 500. A response with a 5xx
// status (including c.AbortWithStatus(500)) saves nothing either.
package ginsession

import (
	"bufio"
	"errors"
	"net"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/session2/session2/core/session"
)

// DefaultFormTokenField is the form field, and DefaultFormTokenHeader the
// header, that CheckFormToken reads the token from.
const (
	DefaultFormTokenField  = session.FormTokenField
	DefaultFormTokenHeader = session.FormTokenHeader
)

// ErrDiscarded is returned by writes to the response after the session
// could not be committed: the manager's error handler answered instead. It
// is the core's [session.ErrDiscarded], which the chi and echo adapters
// return too.
var ErrDiscarded = session.ErrDiscarded

// An Option configures Middleware.
type Option func(*config)

type config struct {
	skipPaths map[string]bool
	skippers  []func(*gin.Context) bool
}

// WithSkipPaths makes the middleware leave alone the requests whose URL
// path, or whose route pattern as gin reports it with c.FullPath (such as
// "/static/*filepath"), equals one of paths. Those requests have no
// session: Lookup reports none and Get panics.
func WithSkipPaths(paths ...string) Option {
	return func(c *config) {
		if c.skipPaths == nil {
			c.skipPaths = make(map[string]bool, len(paths))
		}
		for _, p := range paths {
			c.skipPaths[p] = true
		}
	}
}

// WithSkipper makes the middleware leave alone the requests for which
// skip returns true, as WithSkipPaths does for paths. It may be given
// several times; a request is skipped when any of them says so.
func WithSkipper(skip func(c *gin.Context) bool) Option {
	return func(c *config) {
		if skip != nil {
			c.skippers = append(c.skippers, skip)
		}
	}
}

func (cfg *config) skip(c *gin.Context) bool {
	if len(cfg.skipPaths) > 0 {
		if cfg.skipPaths[c.Request.URL.Path] {
			return true
		}
		if fp := c.FullPath(); fp != "" && cfg.skipPaths[fp] {
			return true
		}
	}
	for _, f := range cfg.skippers {
		if f(c) {
			return true
		}
	}
	return false
}

// Middleware returns the session middleware of m for r.Use. Every handler
// behind it can get the request's session with Get.
//
// When the session cannot be loaded (the store fails), the manager's error
// handler answers, the error is added to c.Errors and the chain is
// aborted. It panics if m is nil, a setup mistake.
func Middleware[T any](m *session.Manager[T], opts ...Option) gin.HandlerFunc {
	if m == nil {
		panic("ginsession: Middleware of a nil manager")
	}
	var cfg config
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	return func(c *gin.Context) {
		if cfg.skip(c) {
			c.Next()
			return
		}
		x, r, err := m.Begin(c.Request)
		if err != nil {
			m.Error(c.Writer, c.Request, err)
			_ = c.Error(err)
			c.Abort()
			return
		}
		w := &writer[T]{ResponseWriter: c.Writer, x: x, c: c}
		c.Writer = w
		c.Request = r
		ok := false
		defer func() {
			if !ok {
				x.Abort() // the handler panicked: save nothing
			}
		}()
		c.Next()
		ok = true
		// gin sends the header of a response nobody wrote once the chain
		// has returned, with the status recorded so far.
		w.commit()
		x.Finish()
	}
}

// writer is a gin.ResponseWriter that commits the session just before the
// header goes out, with the status gin is about to send. The writer stays
// in c.Writer after the middleware returns, so that a recovery middleware
// installed before it writes through it too.
type writer[T any] struct {
	gin.ResponseWriter
	x         *session.Exchange[T]
	c         *gin.Context
	committed bool
	discard   bool
}

// commit commits the session once, with the recorded status, through the
// core's Respond: on failure the manager's error handler replaces the
// response and later writes are discarded. It reports whether the
// response may go on.
func (w *writer[T]) commit() bool {
	if w.committed {
		return !w.discard
	}
	w.committed = true
	if err := w.x.Respond(w.ResponseWriter, w.ResponseWriter.Status()); err != nil {
		w.discard = true
		_ = w.c.Error(err)
		return false
	}
	return true
}

// WriteHeader records the status, as gin's own writer does.
func (w *writer[T]) WriteHeader(code int) {
	if w.discard {
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

// WriteHeaderNow commits the session, then sends the header.
func (w *writer[T]) WriteHeaderNow() {
	if !w.commit() {
		return
	}
	w.ResponseWriter.WriteHeaderNow()
}

// Write commits the session, then writes b.
func (w *writer[T]) Write(b []byte) (int, error) {
	if !w.commit() {
		return 0, ErrDiscarded
	}
	return w.ResponseWriter.Write(b)
}

// WriteString commits the session, then writes s.
func (w *writer[T]) WriteString(s string) (int, error) {
	if !w.commit() {
		return 0, ErrDiscarded
	}
	return w.ResponseWriter.WriteString(s)
}

// Flush commits the session, then flushes.
func (w *writer[T]) Flush() {
	if !w.commit() {
		return
	}
	w.ResponseWriter.Flush()
}

// Hijack commits the session, then hands over the connection.
func (w *writer[T]) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if !w.commit() {
		return nil, nil, ErrDiscarded
	}
	return w.ResponseWriter.Hijack()
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *writer[T]) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Get returns the request's session. It panics when the request did not
// pass through Middleware for a manager of T, a setup mistake.
func Get[T any](c *gin.Context) *session.Session[T] { return mustLookup[T](c, "Get") }

// mustLookup returns the request's session for fn, or panics naming the
// session type asked for and the one the request has, if any.
func mustLookup[T any](c *gin.Context, fn string) *session.Session[T] {
	s, ok := Lookup[T](c)
	if !ok {
		msg := "no session in the request"
		if c != nil && c.Request != nil {
			msg = session.Missing[T](c.Request.Context())
		}
		panic("ginsession: " + fn + ": " + msg + " (r.Use(ginsession.Middleware(mgr)))")
	}
	return s
}

// Lookup returns the request's session and whether there is one.
func Lookup[T any](c *gin.Context) (*session.Session[T], bool) {
	if c == nil || c.Request == nil {
		return nil, false
	}
	return session.FromContext[T](c.Request.Context())
}

// A RequireOption configures RequireUser: the core's
// [session.RequireOption].
type RequireOption = session.RequireOption

// ReturnTo makes RequireUser's redirect carry the page asked for in the
// login URL's query parameter param ([session.ReturnParam]).
func ReturnTo(param string) RequireOption { return session.ReturnParam(param) }

// Challenge sets the WWW-Authenticate header of RequireUser's 401 answer
// ([session.ChallengeWith]).
func Challenge(value string) RequireOption { return session.ChallengeWith(value) }

// RequireUser is the core's [session.RequireUser] as gin middleware: a
// request whose session has no user is redirected to loginURL (303 See
// Other), or answered 401 Unauthorized with a WWW-Authenticate challenge
// when loginURL is empty, and the chain is aborted.
//
// It panics, naming both types, when the request has no session of type
// T: Middleware is not installed in front of it (or skips the route), or
// its manager's session type is not T.
func RequireUser[T any](loginURL string, opts ...RequireOption) gin.HandlerFunc {
	return guard(session.RequireUser[T](loginURL, opts...).Check, false)
}

// CheckFormToken is the core's [session.CheckFormToken] as gin
// middleware: an unsafe request without one of the session's form tokens
// ("X-Form-Token" header or "form_token" field), which it consumes, is
// answered 403 Forbidden and the chain is aborted. Like RequireUser, it
// panics when the request has no session of type T.
func CheckFormToken[T any]() gin.HandlerFunc {
	return guard(session.CheckFormToken[T]().Check, false)
}

// guard runs one of the core's checks in gin's chain: a request it
// refuses gets the core's answer ([session.Refusal]), with the refusal in
// c.Errors when report is set, and the chain is aborted.
func guard(check func(*http.Request) error, report bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		err := check(c.Request)
		if err == nil {
			c.Next()
			return
		}
		c.Abort()
		var ref *session.Refusal
		if !errors.As(err, &ref) {
			ref = &session.Refusal{Status: http.StatusForbidden, Err: err}
		}
		ref.ServeHTTP(c.Writer, c.Request)
		if report {
			_ = c.Error(err)
		}
	}
}
