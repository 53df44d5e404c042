package session

import (
	"errors"
	"net/http"
	"strconv"
)

// ErrLoginRequired is the cause of [RequireUser]'s refusal: the request's
// session has no user.
var ErrLoginRequired = errors.New("session: login required")

// ErrFormToken is the cause of [CheckFormToken]'s refusal: an unsafe
// request without one of its session's form tokens.
var ErrFormToken = errors.New("session: invalid or missing form token")

// A Refusal is the error a check returns for a request it turns away, and
// the answer that request gets: every Check of the core ([Gate.Check],
// [CSRF.Check], [CrossOriginProtection.Check]) returns one. The policy
// (who is redirected, who gets 401 and which challenge, who gets 403) is
// decided by the check; its net/http middleware answers with ServeHTTP,
// and an adapter whose framework has its own error handling (echo's
// HTTPErrorHandler) answers the error statuses there, from Status,
// Message and Header, unless Handler is set. errors.Is sees through it to
// Err.
type Refusal struct {
	// Status is the answer's status: 303 See Other (a redirect to the
	// login page), 401 Unauthorized or 403 Forbidden.
	Status int
	// Message says why, in a few lower-case words ("" for a 401 or a
	// redirect); the default body of an error status is
	// "403 Forbidden: " followed by it.
	Message string
	// Header holds the headers the answer carries: Location for a
	// redirect, WWW-Authenticate for a 401.
	Header http.Header
	// Err is the cause: ErrLoginRequired, ErrFormToken, or an error
	// wrapping ErrCSRF or ErrCrossOrigin.
	Err error
	// Handler, when not nil, is the application's own answer
	// (CrossOriginProtection.SetDenyHandler, CSRFOptions.ErrorHandler), which
	// every adapter serves in place of its own.
	Handler http.Handler
}

// Error returns the cause's message.
func (e *Refusal) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *Refusal) Unwrap() error { return e.Err }

// ServeHTTP answers the refused request r: through Handler when set, else
// with Header and a redirect to Location or a short plain-text body.
func (e *Refusal) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if e.Handler != nil {
		e.Handler.ServeHTTP(w, r)
		return
	}
	h := w.Header()
	for k, v := range e.Header {
		h[k] = v
	}
	if e.Status >= 300 && e.Status < 400 {
		http.Redirect(w, r, e.Header.Get("Location"), e.Status)
		return
	}
	body := strconv.Itoa(e.Status) + " " + http.StatusText(e.Status)
	if e.Message != "" {
		body += ": " + e.Message
	}
	http.Error(w, body, e.Status)
}

// guard returns next behind check: a request check refuses is answered
// by its Refusal and never reaches next.
func guard(check func(*http.Request) error, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := check(r); err != nil {
			refuse(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// refuse answers r, refused with err: by its Refusal, or 403 Forbidden
// for an error that carries none.
func refuse(w http.ResponseWriter, r *http.Request, err error) {
	var ref *Refusal
	if !errors.As(err, &ref) {
		ref = &Refusal{Status: http.StatusForbidden, Err: err}
	}
	ref.ServeHTTP(w, r)
}

// A Gate lets through the requests its check accepts: [RequireUser]'s
// and [CheckFormToken]'s. Handler is its net/http middleware; an adapter
// runs Check in its framework's chain and answers the [Refusal] it
// returns. A Gate never changes after it is made.
type Gate struct {
	check func(*http.Request) error
}

// Check returns nil for a request that may go on, and a *[Refusal] for
// one to turn away.
func (g *Gate) Check(r *http.Request) error { return g.check(r) }

// Handler returns next behind the gate: a refused request gets the
// Refusal's answer and never reaches next.
func (g *Gate) Handler(next http.Handler) http.Handler {
	if next == nil {
		panic("session: Gate.Handler of a nil http.Handler")
	}
	return guard(g.check, next)
}

// A RequireOption configures [RequireUser].
type RequireOption func(*requireConfig)

type requireConfig struct{ returnParam, challenge string }

// ReturnParam makes RequireUser's redirect carry the page asked for, its
// path and query, in the login URL's query parameter param:
// "/login?next=%2Fcart" (see [LoginRedirect]). The login handler sends
// the user back there with [ReturnTo], which accepts only a local path.
func ReturnParam(param string) RequireOption {
	return func(c *requireConfig) { c.returnParam = param }
}

// ChallengeWith sets the WWW-Authenticate header of RequireUser's 401
// answer (when it has no login URL), such as `Bearer realm="api"`. The
// default is [Challenge]'s.
func ChallengeWith(value string) RequireOption {
	return func(c *requireConfig) { c.challenge = value }
}

// RequireUser returns the gate that lets a request through only when its
// session has a user. A browser's request (when loginURL is not empty) is
// redirected to loginURL with 303 See Other, carrying the page asked for
// under [ReturnParam]; with no login URL, for an API, the answer is 401
// Unauthorized with a WWW-Authenticate challenge ([Challenge], or
// [ChallengeWith]'s), as RFC 9110 requires. On net/http:
//
//	mux.Handle("GET /account", session.RequireUser[Data]("/login").Handler(account))
//
// and each adapter's RequireUser is this gate in its framework's chain.
//
// Its Check panics, naming both types, when the request has no session
// of type T: no session middleware in front of it (or one that skips the
// route), or a manager whose session type is not T. Either would
// otherwise send a logged-in user to the login page for ever.
func RequireUser[T any](loginURL string, opts ...RequireOption) *Gate {
	var cfg requireConfig
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	return &Gate{check: func(r *http.Request) error {
		if mustSession[T](r, "RequireUser").User() != "" {
			return nil
		}
		if loginURL != "" {
			loc := LoginRedirect(loginURL, cfg.returnParam, r)
			return &Refusal{Status: http.StatusSeeOther, Header: http.Header{"Location": {loc}}, Err: ErrLoginRequired}
		}
		challenge := cfg.challenge
		if challenge == "" {
			challenge = Challenge(r)
		}
		return &Refusal{Status: http.StatusUnauthorized, Header: http.Header{"Www-Authenticate": {challenge}}, Err: ErrLoginRequired}
	}}
}

// CheckFormToken returns the gate of single-use form tokens: on unsafe
// methods (anything but GET, HEAD, OPTIONS and TRACE) it requires one of
// the session's form tokens in the header [FormTokenHeader] or the form
// field [FormTokenField], and consumes it ([Session.CheckRequest]). A
// request without a valid one is refused with 403 Forbidden. Like
// RequireUser's, its Check panics when the request has no session of
// type T.
func CheckFormToken[T any]() *Gate {
	return &Gate{check: func(r *http.Request) error {
		if mustSession[T](r, "CheckFormToken").CheckRequest(r) {
			return nil
		}
		return &Refusal{Status: http.StatusForbidden, Message: "invalid or missing form token", Err: ErrFormToken}
	}}
}

// mustSession returns r's session of type T for the helper fn, or panics
// naming the type asked for and the one the request has, if any.
func mustSession[T any](r *http.Request, fn string) *Session[T] {
	s, ok := FromContext[T](r.Context())
	if !ok {
		panic("session: " + fn + ": " + Missing[T](r.Context()))
	}
	return s
}
