package session

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// OutagePolicy says what a request gets when the store fails to load its
// session.
type OutagePolicy int

const (
	// OutageError sends the request to the error handler (by default 503
	// Service Unavailable) without running the handler. It is the default.
	OutageError OutagePolicy = iota
	// OutageAnonymous runs the handler with a fresh, anonymous session and
	// writes nothing to the store for that request.
	OutageAnonymous
)

// ErrorHandler answers a request whose session could not be loaded or
// committed. It is called before any byte of the response was sent.
type ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)

// Defaults of the options.
const (
	DefaultCookieName    = "session"
	DefaultLifetime      = 24 * time.Hour // Expiry.Lifetime's default
	DefaultTouchInterval = time.Minute    // Expiry.TouchInterval's default
	DefaultMaxSize       = 64 << 10
	DefaultCommitTimeout = 10 * time.Second
	DefaultLoadTimeout   = 3 * time.Second
	maxMergeAttempts     = 64
)

type config struct {
	cookie        Cookie // WithCookie's, its defaults filled in by validate
	expiry        Expiry // WithExpiry's, its defaults filled in by validate
	maxSize       int
	commitTimeout time.Duration
	loadTimeout   time.Duration
	codec         Codec
	now           func() time.Time
	clockSet      bool // WithClock was given: now is not time.Now
	deviceInfo    bool // WithDeviceInfo
	maxPerUser    int  // WithMaxSessionsPerUser, 0 for no cap
	errorHandler  ErrorHandler
	outage        OutagePolicy
	logger        *slog.Logger
	onEvent       func(Event)

	tokenHeader    string // WithHeaderToken: the request header, "" for the cookie
	tokenHeaderSet bool

	importer *importConfig // WithImporter's, nil without (import.go)
}

// An Option configures a [Manager] in [New].
type Option func(*config)

// WithMaxSize caps the encoded size of a session in bytes (default 64 KiB).
// A larger session is not saved (the error handler answers, 500 by
// default, the stored record stays as it was, and the manager logs the
// size and the limit), and a larger stored record is not decoded.
func WithMaxSize(n int) Option { return func(c *config) { c.maxSize = n } }

// WithCommitTimeout bounds the store writes of one commit (default 10
// seconds), including the wait for a concurrent commit of the same session
// in this process. They run apart from the request's cancellation, so that
// a client that goes away cannot leave a logout or a renewal half done. d
// must be positive.
func WithCommitTimeout(d time.Duration) Option { return func(c *config) { c.commitTimeout = d } }

// WithLoadTimeout bounds the store Load of a request (default
// DefaultLoadTimeout, 3 seconds), so that a store that hangs cannot hang
// the requests that carry a session cookie. When it expires the request is
// treated as under any store failure: the error handler answers (503), or
// under OutageAnonymous the handler runs with an anonymous session and
// nothing is written. Requests without a session cookie never reach the
// store. d must be positive.
func WithLoadTimeout(d time.Duration) Option { return func(c *config) { c.loadTimeout = d } }

// WithCodec sets the codec of the session data (default [JSONCodec]).
func WithCodec(codec Codec) Option { return func(c *config) { c.codec = codec } }

// WithClock sets the function the manager takes the time from (default
// time.Now). Tests use it to move through idle and absolute expiry.
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.now, c.clockSet = now, true }
}

// WithErrorHandler sets the handler for requests whose session cannot be
// loaded or saved. The default answers 503 Service Unavailable (500 for a
// session over the size limit). Either way the manager has logged the
// failure once, through its logger, before the handler is called.
func WithErrorHandler(h ErrorHandler) Option { return func(c *config) { c.errorHandler = h } }

// WithOutagePolicy sets what happens when the store fails to load a session
// (default OutageError).
func WithOutagePolicy(p OutagePolicy) Option { return func(c *config) { c.outage = p } }

// WithLogger sets the logger of the manager (default slog.Default()): an
// error for each request its session fails (a store outage, a session over
// the size limit), logged once whatever answers the request; a warning for
// store failures a request survives and for events worth one; and a
// warning, once, for a Secure cookie sent over plain HTTP. Tokens are
// never logged.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithEventHook sets a function called for each session event (created,
// renewed, destroyed, undecodable, conflicts, store errors). It runs
// synchronously on the request's goroutine, with the session's lock held,
// and must be quick; it must not use the session.
func WithEventHook(f func(Event)) Option { return func(c *config) { c.onEvent = f } }

// WithDeviceInfo records, with each logged-in session, the client's
// User-Agent (at most 256 bytes) and the time of the login, for the user's
// device list ([Manager.UserSessions]). The remote address is kept in
// every case. Off by default: the User-Agent is personal data.
func WithDeviceInfo() Option { return func(c *config) { c.deviceInfo = true } }

// WithMaxSessionsPerUser caps the sessions one user may hold at once: a
// login that would make more than n signs out that user's oldest sessions
// (by the time of their login), as "log out everywhere" signs out all of
// them, never the session just logged in. 0, the default, sets no cap.
// See [Manager.UserSessions] for what is recorded.
func WithMaxSessionsPerUser(n int) Option { return func(c *config) { c.maxPerUser = n } }

// errorf is fmt.Errorf, for validation messages.
var errorf = fmt.Errorf

func defaultConfig() config {
	return config{
		maxSize:       DefaultMaxSize,
		commitTimeout: DefaultCommitTimeout,
		loadTimeout:   DefaultLoadTimeout,
		codec:         JSONCodec{},
		now:           time.Now,
		outage:        OutageError,
	}
}

func (c *config) validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(format, args...))
	}
	errs = append(errs, c.cookie.validate()...)
	errs = append(errs, c.expiry.validate()...)
	if c.commitTimeout <= 0 {
		bad("commit timeout must be positive, not %v", c.commitTimeout)
	}
	if c.loadTimeout <= 0 {
		bad("load timeout must be positive, not %v", c.loadTimeout)
	}
	if c.maxSize <= 0 {
		bad("max size must be positive, not %d", c.maxSize)
	}
	if c.codec == nil {
		bad("codec must not be nil")
	}
	if c.now == nil {
		bad("clock must not be nil")
	}
	if c.maxPerUser < 0 {
		bad("max sessions per user must not be negative, not %d", c.maxPerUser)
	}
	if c.outage != OutageError && c.outage != OutageAnonymous {
		bad("unknown OutagePolicy %d", c.outage)
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	errs = append(errs, c.validateHeaderToken()...)
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, errors.Join(errs...))
	}
	return nil
}
