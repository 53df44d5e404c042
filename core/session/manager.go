package session

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"sync/atomic"
)

// Manager loads, saves and expires sessions of type T in a [Store]. Build it
// once with [New]; it is safe for concurrent use and does not change after.
// Its Handler method is the net/http middleware; the adapters for other
// routers use Begin and [Exchange].
type Manager[T any] struct {
	store Store
	cfg   config
	// locks serialises the compare-and-set saves of one session within
	// this process, so concurrent requests of a session merge one after
	// the other instead of retrying against each other. Across processes,
	// compare-and-set and merging alone keep updates.
	locks keyLocks
	// insecureNoted is set once the manager has logged that its Secure
	// cookie went to a browser on plain HTTP (see noteInsecureCookie).
	insecureNoted atomic.Bool
}

// New returns a manager for sessions of type T kept in store. T is the
// application's own type (a struct whose exported fields are saved) or
// [Map]. Options override the defaults; an invalid combination is an error
// wrapping [ErrInvalidConfig].
func New[T any](store Store, opts ...Option) (*Manager[T], error) {
	if store == nil {
		return nil, fmt.Errorf("%w: store is nil", ErrInvalidConfig)
	}
	if v := reflect.ValueOf(store); v.Kind() == reflect.Pointer && v.IsNil() {
		return nil, fmt.Errorf("%w: store is a nil %T (did its constructor fail?)", ErrInvalidConfig, store)
	}
	cfg := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if err := checkImporter[T](&cfg); err != nil {
		return nil, err
	}
	return &Manager[T]{store: store, cfg: cfg, locks: keyLocks{m: map[string]*keyLock{}}}, nil
}

// CookieName returns the name of the session cookie.
func (m *Manager[T]) CookieName() string { return m.cfg.cookie.Name }

// fromContext returns the session this manager's middleware put in ctx
// (not another manager's of the same type: see [FromContext]).
func (m *Manager[T]) fromContext(ctx context.Context) (*Session[T], bool) {
	s, ok := ctx.Value(m).(*Session[T])
	return s, ok
}

// Get returns the session of a request that went through the manager's
// middleware. It panics when there is none: the middleware is not installed
// in front of this handler, which is a setup mistake.
func (m *Manager[T]) Get(r *http.Request) *Session[T] {
	s, ok := m.fromContext(r.Context())
	if !ok {
		panic("session: Get on a request without this manager's session: " + Missing[T](r.Context()))
	}
	return s
}

// Error answers r with the manager's error handler. Adapters call it when
// Begin fails; a failed commit is answered by [Exchange.Respond]. A request
// that carried a session cookie gets Vary: Cookie first. Error does not log:
// Begin and the commit logged the failure when it happened.
func (m *Manager[T]) Error(w http.ResponseWriter, r *http.Request, err error) {
	if m.requestToken(r.Header) != "" {
		m.vary(w.Header())
	}
	if m.cfg.errorHandler != nil {
		m.cfg.errorHandler(w, r, err)
		return
	}
	status := http.StatusServiceUnavailable
	if errors.Is(err, ErrTooLarge) || errors.Is(err, ErrUnencodable) {
		status = http.StatusInternalServerError
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, http.StatusText(status), status)
}

// ErrorHandler returns the handler set with [WithErrorHandler], nil when
// the manager answers failures with its default (503, or 500 for a session
// over the size limit). An adapter whose framework has its own error
// handling sends failures there when this is nil.
func (m *Manager[T]) ErrorHandler() ErrorHandler { return m.cfg.errorHandler }

// failed logs err, which fails r: its session could not be loaded or
// committed. Each failure is logged once, here, whatever answers it (the
// default error handler, the application's, or a framework's).
func (m *Manager[T]) failed(r *http.Request, err error) {
	m.cfg.logger.Error("session: request failed", "err", err, "method", r.Method, "path", r.URL.Path)
}

// storeWarning reports a store failure the request survives (a touch, the
// deletion of a retired record, a load under OutageAnonymous): an
// EventStoreError and a warning. A failure that fails the request is
// reported with event alone; Begin or the commit logs it (see failed).
func (m *Manager[T]) storeWarning(r *http.Request, key string, err error) {
	m.event(r, EventStoreError, key, "", err)
	m.cfg.logger.Warn("session: store-error", "err", err, "method", r.Method, "path", r.URL.Path)
}

// tooLarge is the error of an encoded session of n bytes, over the limit.
func (m *Manager[T]) tooLarge(n int) error {
	return fmt.Errorf("%w: %d bytes, over the limit of %d bytes; keep less in the session, or raise the limit with session.WithMaxSize",
		ErrTooLarge, n, m.cfg.maxSize)
}

func (m *Manager[T]) event(r *http.Request, kind EventKind, key, oldKey string, err error) {
	if m.cfg.onEvent != nil {
		m.cfg.onEvent(Event{Kind: kind, Key: key, OldKey: oldKey, Err: err, Request: r})
	}
	switch kind {
	case EventUndecodable:
		m.cfg.logger.Warn("session: "+kind.String(), "err", err)
	case EventLateChange:
		m.cfg.logger.Warn("session: a change after the response started was not saved; change the session before writing the response",
			"method", r.Method, "path", r.URL.Path)
	}
}

// writeContext returns the context of the store writes of a commit: the
// request's values without its cancellation, so that a client that goes
// away cannot leave a logout or a renewal half done, bounded by the commit
// timeout. The timeout covers the wait for the session's lock too.
func (m *Manager[T]) writeContext(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(r.Context()), m.cfg.commitTimeout)
}
