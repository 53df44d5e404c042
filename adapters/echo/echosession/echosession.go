// Package echosession puts session2 sessions on an echo (v4) server.
//
// One line installs it:
//
//	e := echo.New()
//	e.Use(middleware.Recover(), echosession.Middleware(mgr))
//
// and in a handler, echosession.Get[Data](c) returns the request's session.
// The helpers echo users expect are middleware too:
//
//	e.GET("/account", account, echosession.RequireUser[Data]("/login"))
//	e.POST("/transfer", transfer, echosession.CheckFormToken[Data]())
//
// and routes are skipped with echo's Skipper convention:
//
//	e.Use(echosession.MiddlewareWithConfig(mgr, echosession.Config{
//		Skipper: func(c echo.Context) bool { return c.Path() == "/healthz" },
//	}))
//
// The adapter holds no session logic: it maps echo's response and error
// flow onto the core's request lifecycle. The session is committed just
// before the response's header goes out, with the status being sent,
// through a writer installed under c.Response(); that covers WriteHeader,
// Write, Flush and Hijack, including the response echo's HTTPErrorHandler
// writes after the middleware chain has returned an error.
//
// A handler that panics saves nothing, whether the panic passes through
// the middleware to a Recover middleware installed before it, or a Recover
// installed after it turns the panic into a 500. A handler that returns an
// error whose status is 5xx (an [echo.HTTPError] with such a code, or any
// other error, which echo answers with 500) saves nothing either; an error
// with a lower status, such as echo.ErrNotFound, commits the session when
// echo writes the error's response.
//
// Session errors are answered the echo way, through echo's
// HTTPErrorHandler, so that they look like the application's other
// errors: a session that cannot be loaded gets [LoadError] (503 Service
// Unavailable) and the route's handler does not run; one that cannot be
// saved gets [CommitError] (503, or 500 over the size limit) instead of
// the handler's response, once; CrossOrigin's and CSRF's refusals get an
// [echo.HTTPError] with 403 Forbidden, as do CheckFormToken's, and
// RequireUser without a login URL one with 401 Unauthorized. errors.Is sees through each to the
// core's error (session.ErrTooLarge, session.ErrCSRF, the store's). A
// handler the application set on the core instead
// (session.WithErrorHandler, session.CSRFOptions.ErrorHandler,
// CrossOriginProtection.SetDenyHandler) answers in its place. The manager
// logs each failed load or commit once, through its logger, whatever
// answers it.
package echosession

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/session2/session2/core/session"
)

// DefaultFormTokenField is the form field, and DefaultFormTokenHeader the
// header, that CheckFormToken reads the token from.
const (
	DefaultFormTokenField  = session.FormTokenField
	DefaultFormTokenHeader = session.FormTokenHeader
)

// Config configures MiddlewareWithConfig. Its zero value is the
// configuration of Middleware.
type Config struct {
	// Skipper, when not nil, selects requests the middleware leaves alone:
	// they have no session (Lookup reports none, Get panics). The default
	// skips nothing.
	Skipper middleware.Skipper

	// ErrorHandler, when not nil, is called when the session cannot be
	// loaded (the store fails), and the middleware returns what it
	// returns. The default returns LoadError(err), for echo's
	// HTTPErrorHandler to answer, or, when the manager has an error handler
	// of the application's (session.WithErrorHandler), lets that answer.
	// The route's handler does not run either way.
	//
	// A failure to commit, which happens while the handler writes its
	// response, is answered by echo's HTTPErrorHandler with CommitError
	// (or by the manager's session.WithErrorHandler, when set) whatever
	// this is.
	ErrorHandler func(c echo.Context, err error) error
}

// Middleware returns the session middleware of m for e.Use. Every handler
// behind it can get the request's session with Get. When the session cannot
// be loaded, echo's HTTPErrorHandler answers (see Config.ErrorHandler) and
// the handler does not run. It panics if m is nil, a setup mistake.
func Middleware[T any](m *session.Manager[T]) echo.MiddlewareFunc {
	return MiddlewareWithConfig(m, Config{})
}

// MiddlewareWithConfig is Middleware with a Config. It panics if m is nil.
func MiddlewareWithConfig[T any](m *session.Manager[T], cfg Config) echo.MiddlewareFunc {
	if m == nil {
		panic("echosession: Middleware of a nil manager")
	}
	skipper := cfg.Skipper
	if skipper == nil {
		skipper = middleware.DefaultSkipper
	}
	onError := cfg.ErrorHandler
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if skipper(c) {
				return next(c)
			}
			x, r, err := m.Begin(c.Request())
			if err != nil {
				if onError != nil {
					return onError(c, err)
				}
				if m.ErrorHandler() != nil {
					m.Error(c.Response(), c.Request(), err)
					return nil
				}
				h := c.Response().Header()
				if m.RequestToken(c.Request()) != "" {
					vary := m.TokenHeader()
					if vary == "" {
						vary = "Cookie"
					}
					h.Add("Vary", vary)
				}
				h.Set("Cache-Control", "no-store")
				return LoadError(err)
			}
			res := c.Response()
			// The wrapped writer stays in place after the chain returns:
			// echo's HTTPErrorHandler writes through it.
			res.Writer = x.Wrap(&sentWriter{ResponseWriter: res.Writer, res: res})
			c.SetRequest(r)
			// A failed commit is answered by echo's HTTPErrorHandler (or
			// the application's session.WithErrorHandler), once: the
			// handler's writes after it return session.ErrDiscarded, which
			// the middleware then does not pass on to be handled (and
			// logged) again. The manager logs the failure itself.
			var commitFailed bool
			x.SetErrorResponder(func(w http.ResponseWriter, r *http.Request, err error) {
				commitFailed = true
				if h := m.ErrorHandler(); h != nil {
					h(w, r, err)
					return
				}
				c.Echo().HTTPErrorHandler(CommitError(err), c)
			})
			ok := false
			defer func() {
				if !ok {
					x.Abort() // the handler panicked: save nothing
				}
			}()
			err = next(c)
			ok = true
			if commitFailed {
				return nil // answered; err is the discarded write's
			}
			if err != nil {
				if ErrorStatus(err) >= 500 {
					x.Abort()
				}
				// Otherwise the session is committed when echo's error
				// handler writes the error's response.
				return err
			}
			x.Finish()
			return nil
		}
	}
}

// CommitError returns the error echo's HTTPErrorHandler gets when the
// session cannot be committed: an *echo.HTTPError with 503 Service
// Unavailable, or 500 for a session over the size limit
// ([session.ErrTooLarge]), whose Internal is err. errors.Is sees through it
// to the store's error.
func CommitError(err error) *echo.HTTPError {
	code := http.StatusServiceUnavailable
	if errors.Is(err, session.ErrTooLarge) {
		code = http.StatusInternalServerError
	}
	return echo.NewHTTPError(code).SetInternal(err)
}

// LoadError returns the error echo's HTTPErrorHandler gets when the
// session cannot be loaded (the store fails): an *echo.HTTPError with 503
// Service Unavailable whose Internal is err.
func LoadError(err error) *echo.HTTPError {
	return echo.NewHTTPError(http.StatusServiceUnavailable).SetInternal(err)
}

// ErrorStatus returns the status an error handler answers err with: the
// code of the [echo.HTTPError] err is or wraps (or of the HTTPError that
// one wraps), else 500 Internal Server Error. echo's default handler looks
// only at an unwrapped *echo.HTTPError, so for a wrapped one it answers 500
// where ErrorStatus says otherwise; the session is then still not saved,
// since the status actually written decides.
func ErrorStatus(err error) int {
	var he *echo.HTTPError
	if !errors.As(err, &he) {
		return http.StatusInternalServerError
	}
	if inner, ok := he.Internal.(*echo.HTTPError); ok {
		he = inner
	}
	return he.Code
}

// sentWriter is the writer under the session's: it keeps c.Response()'s
// Status and Committed true to what was actually sent, which differs from
// what echo asked for when the session's error handler answered instead,
// or when the header went out on a Flush.
type sentWriter struct {
	http.ResponseWriter
	res *echo.Response
}

func (w *sentWriter) WriteHeader(code int) {
	if code >= 200 || code == http.StatusSwitchingProtocols {
		w.res.Status = code
		w.res.Committed = true
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *sentWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Get returns the request's session. It panics when the request did not
// pass through Middleware for a manager of T, a setup mistake.
func Get[T any](c echo.Context) *session.Session[T] { return mustLookup[T](c, "Get") }

// mustLookup returns the request's session for fn, or panics naming the
// session type asked for and the one the request has, if any.
func mustLookup[T any](c echo.Context, fn string) *session.Session[T] {
	s, ok := Lookup[T](c)
	if !ok {
		msg := "no session in the request"
		if c != nil && c.Request() != nil {
			msg = session.Missing[T](c.Request().Context())
		}
		panic("echosession: " + fn + ": " + msg + " (e.Use(echosession.Middleware(mgr)))")
	}
	return s
}

// Lookup returns the request's session and whether there is one.
func Lookup[T any](c echo.Context) (*session.Session[T], bool) {
	if c == nil || c.Request() == nil {
		return nil, false
	}
	return session.FromContext[T](c.Request().Context())
}

// A RequireOption configures RequireUser: the core's
// [session.RequireOption].
type RequireOption = session.RequireOption

// ReturnTo makes RequireUser's redirect carry the page asked for, in the
// login URL's query parameter param; see [session.ReturnParam].
func ReturnTo(param string) RequireOption { return session.ReturnParam(param) }

// Challenge sets the WWW-Authenticate header of RequireUser's 401; see
// [session.ChallengeWith].
func Challenge(value string) RequireOption { return session.ChallengeWith(value) }

// RequireUser is the core's [session.RequireUser] as echo middleware: a
// request whose session has no user is redirected to loginURL (303 See
// Other), or, when loginURL is empty, gets an [echo.HTTPError] with 401
// Unauthorized for echo's HTTPErrorHandler to answer, with a
// WWW-Authenticate challenge in the response's header.
//
// It panics, naming both types, when the request has no session of type
// T: Middleware is not installed in front of it (or skips the route), or
// its manager's session type is not T.
func RequireUser[T any](loginURL string, opts ...RequireOption) echo.MiddlewareFunc {
	return guard(session.RequireUser[T](loginURL, opts...).Check)
}

// CheckFormToken is the core's [session.CheckFormToken] as echo
// middleware: an unsafe request without one of the session's form tokens
// ("X-Form-Token" header or "form_token" field), which it consumes, gets
// an [echo.HTTPError] with 403 Forbidden and does not reach the handler.
// Like RequireUser, it panics when the request has no session of type T.
func CheckFormToken[T any]() echo.MiddlewareFunc {
	return guard(session.CheckFormToken[T]().Check)
}

// guard runs one of the core's checks in echo's chain. A refusal with an
// error status ([session.Refusal]) becomes an [echo.HTTPError] for echo's
// HTTPErrorHandler, its headers set on the response, unless the
// application set its own handler for it; a redirect, or the
// application's handler, answers at once.
func guard(check func(*http.Request) error) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			err := check(c.Request())
			if err == nil {
				return next(c)
			}
			var ref *session.Refusal
			if !errors.As(err, &ref) {
				return echo.NewHTTPError(http.StatusForbidden).SetInternal(err)
			}
			if ref.Handler != nil || ref.Status < 400 {
				ref.ServeHTTP(c.Response(), c.Request())
				return nil
			}
			h := c.Response().Header()
			for k, v := range ref.Header {
				h[k] = v
			}
			he := echo.NewHTTPError(ref.Status)
			if ref.Message != "" {
				he.Message = ref.Message
			}
			return he.SetInternal(err)
		}
	}
}
