package session

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// Exchange is the session's part in one request, from Begin to the commit:
// it carries the session in the request's context and commits it before
// the response's first byte. The net/http middleware uses it internally;
// adapters for other routers call Begin, then Respond from their response
// hooks (or Finish when the handler returned without writing), or Abort
// when the handler panicked.
type Exchange[T any] struct {
	context.Context // the request's context; Value finds the session

	m    *Manager[T]
	r    *http.Request
	sess Session[T]
	done bool // committed or aborted, guarded by sess.mu
	err  error
	rw   responseWriter[T]
	req  http.Request   // the request passed on, whose context is the exchange
	lctx boundedContext // the Load's
	wctx boundedContext // the commit's writes'
	tm   boundTimer     // times lctx, then wctx
	vary [1]string      // the response's Vary header, when the commit adds it first
	read atomic.Bool    // the session was looked up: the response depends on it

	onError func(w http.ResponseWriter, r *http.Request, err error) // SetErrorResponder's
	imp     *importState                                            // what WithImporter's importer read (import.go)
}

// Begin starts the session part of a request: it reads the cookie and, when
// it holds a well-formed token, loads the session with one store call,
// bounded by the load timeout. It returns the exchange and the request to
// pass on, whose context carries the session. A store failure under
// OutageError is returned as an error: answer it with m.Error and do not
// run the handler.
func (m *Manager[T]) Begin(r *http.Request) (*Exchange[T], *http.Request, error) {
	x := &Exchange[T]{Context: r.Context(), m: m, r: r}
	s := &x.sess
	s.m, s.req = m, r
	if err := x.load(); err != nil {
		m.failed(r, err)
		return nil, r, err
	}
	// The request passed on is a field of the exchange rather than a heap
	// object of its own: WithContext's copy, made here, does not escape.
	x.req = *r.WithContext(x)
	return x, &x.req, nil
}

// load fills the session from the record of the request's cookie.
func (x *Exchange[T]) load() error {
	m, r, s := x.m, x.r, &x.sess
	token := m.requestToken(r.Header)
	if token == "" {
		s.remote = remoteHost(r)
		if m.cfg.importer != nil {
			x.importOld(time.Time{}) // another library's cookie, perhaps
		}
		return nil // no store access at all
	}
	var text requestText // the key and the record's strings, one allocation
	key := text.key(token)
	s.base.presented = key
	start := time.Now()
	x.lctx.start(r.Context(), start.Add(m.cfg.loadTimeout), false, &x.tm)
	rec, err := m.store.Load(&x.lctx, key)
	x.lctx.stop()
	switch {
	case errors.Is(err, ErrNotFound):
		s.remote = remoteHost(r)
		if m.cfg.importer != nil {
			x.importOld(start) // another library's token, perhaps
		}
		return nil
	case err != nil:
		err = fmt.Errorf("session: load: %w", err)
		if m.cfg.outage == OutageAnonymous {
			m.storeWarning(r, key, err)
			s.remote = remoteHost(r)
			s.readOnly = true
			return nil
		}
		m.event(r, EventStoreError, key, "", err) // Begin logs it
		return err
	}
	// Expiry is judged at the load's start, which spares a clock read on
	// every request: a record expiring during the load still counts, as
	// it would for a request a moment sooner (the store judged it too).
	now := start
	if m.cfg.clockSet {
		now = m.cfg.now()
	}
	if isTombstone(rec) {
		s.remote = remoteHost(r)
		return nil
	}
	var env envelope
	if len(rec.Data) > m.cfg.maxSize {
		// Not decoded: treated as undecodable, so that a lowered limit
		// cannot lock its users out with an error on every request.
		err = m.tooLarge(len(rec.Data))
	} else {
		env, err = decodeEnvelopeText(rec.Data, text.record(rec.Data))
	}
	// The session's own lifetime and idle timeout are in its envelope;
	// one that does not decode is judged by the manager's.
	if !m.alive(rec, env.settings, now) {
		s.remote = remoteHost(r)
		return nil
	}
	if err == nil {
		err = decodeData(m.cfg.codec, env, &s.data)
	}
	if err != nil {
		var zero T
		s.data = zero
		m.event(r, EventUndecodable, key, "", err)
		ctx, cancel := m.writeContext(r)
		defer cancel()
		if derr := m.store.Delete(ctx, key); derr != nil {
			m.storeWarning(r, key, fmt.Errorf("session: delete undecodable record: %w", derr))
		}
		s.remote = remoteHost(r)
		return nil
	}
	s.token, s.key = token, key
	s.user = rec.User
	s.created, s.accessed, s.expires = rec.Created, rec.Accessed, rec.Expires
	s.remote = env.remote
	s.tokens, s.flashes = env.tokens, env.flashes
	s.settings = env.settings
	s.base.set(key, rec)
	return nil
}

// typeKey[T] finds the innermost session of type T in a context.
type typeKey[T any] struct{}

// Value implements context.Context: the manager is the key of its session,
// and typeKey[T] finds it by type. Finding the session (Manager.Get, an
// adapter's getter, the CSRF check) marks the response as depending on
// the cookie: see Commit.
func (x *Exchange[T]) Value(key any) any {
	switch k := key.(type) {
	case *Manager[T]:
		if k == x.m {
			x.read.Store(true)
			return &x.sess
		}
	case typeKey[T]:
		x.read.Store(true)
		return &x.sess
	case sessionTypeKey:
		return typeName[T]()
	case tokenHeaderKey:
		return x.m.cfg.tokenHeader
	case csrfKey:
		x.read.Store(true)
		return csrfSource(&x.sess)
	}
	return x.Context.Value(key)
}

// FromContext returns the session of type T that a manager's middleware put
// in ctx: the innermost one, should several managers of T be stacked. The
// adapters' getters are built on it.
func FromContext[T any](ctx context.Context) (*Session[T], bool) {
	s, ok := ctx.Value(typeKey[T]{}).(*Session[T])
	return s, ok
}

// Session returns the request's session, marking the response as
// depending on the cookie, as a lookup through the context does.
func (x *Exchange[T]) Session() *Session[T] {
	x.read.Store(true)
	return &x.sess
}

// Respond commits the session just before a response with the given
// status goes out through w: call it from the router's hook that sends the
// header. When the commit fails it replaces the response: it clears every
// header the handler set (a Location, the handler's own cookies, caching
// headers), and answers with the manager's error handler. It returns the
// commit's error, after which the caller must send nothing more. Only the
// first call does anything; later ones return the first one's error.
func (x *Exchange[T]) Respond(w http.ResponseWriter, status int) error {
	if x.doneCommit() {
		return x.err
	}
	h := w.Header()
	if err := x.Commit(h, status); err != nil {
		x.err = err
		clear(h) // none of the handler's headers belong on the error response
		x.answerError(w, err)
		return err
	}
	return nil
}

func (x *Exchange[T]) doneCommit() bool {
	x.sess.mu.Lock()
	defer x.sess.mu.Unlock()
	return x.done
}

// SetErrorResponder makes f answer a failed commit of this exchange instead
// of the manager's error handler, for an adapter whose framework has its
// own error handling (echo's HTTPErrorHandler). Respond calls f after
// clearing the handler's headers and setting Cache-Control: no-store and
// Vary; f gets the writer Respond was given and the request, and must
// answer before returning. Call it after Begin, before the handler runs.
func (x *Exchange[T]) SetErrorResponder(f func(w http.ResponseWriter, r *http.Request, err error)) {
	x.onError = f
}

// answerError answers a failed commit through the exchange's responder, or
// the manager's error handler.
func (x *Exchange[T]) answerError(w http.ResponseWriter, err error) {
	if x.onError == nil {
		x.m.Error(w, x.r, err)
		return
	}
	h := w.Header()
	if x.m.requestToken(x.r.Header) != "" {
		x.m.vary(h)
	}
	h.Set("Cache-Control", "no-store")
	x.onError(w, x.r, err)
}

// Commit saves what the request changed, writing the cookie and the
// Cache-Control and Vary headers into h, the response's header. Vary names
// the cookie (in header-token mode, the token header) when the request
// carried a token, and whenever the session was looked up, anonymous or
// not: a page that shows the login state must not be served by a shared
// cache to another visitor. status is
// the response's status: at 500 and above nothing is saved. Only the first
// call does anything. An error means nothing was sent yet and the response
// should be replaced by the error handler's; [Exchange.Respond] does both.
func (x *Exchange[T]) Commit(h http.Header, status int) error {
	s := &x.sess
	s.mu.Lock()
	defer s.mu.Unlock()
	if x.done {
		return nil
	}
	x.done = true
	s.committed = true
	if s.base.presented != "" || x.read.Load() {
		x.m.varyInto(h, &x.vary) // the response depends on the cookie, stored or not
	}
	if status >= 500 || s.readOnly {
		// Nothing is saved on purpose: later changes are no later than
		// the rest, and not worth a report.
		s.ops.lateNoted = true
		return nil
	}
	c := commit[T]{x: x, m: x.m, s: s, h: h, now: x.m.cfg.now()}
	cookies := len(h["Set-Cookie"])
	err := c.run()
	if mp, ok := any(&s.data).(*Map); ok {
		mp.markClean() // a later change is a late change
	}
	if err != nil {
		x.m.failed(x.r, err)
	} else if len(h["Set-Cookie"]) > cookies {
		x.m.noteInsecureCookie(x.r)
	}
	if err == nil && x.imp != nil {
		x.finishImport(h, cookies)
	}
	return err
}

// Abort marks the request failed (the handler panicked): nothing will be
// saved, and a later Commit does nothing.
func (x *Exchange[T]) Abort() {
	x.sess.mu.Lock()
	x.done = true
	x.sess.committed = true
	x.sess.mu.Unlock()
}

// Finish ends a request whose handler returned normally. If nothing was
// sent yet through the writer from Wrap, it commits the session as for a
// 200 response (the router sends that response). Then it reports a change
// the handler made after the response had started (EventLateChange).
// Adapters that do not use Wrap call Respond first.
func (x *Exchange[T]) Finish() {
	if x.rw.x != nil && !x.rw.wroteHeader {
		x.rw.commit(http.StatusOK)
	}
	x.checkLate()
}

// checkLate reports a change to the data made after the commit: through
// Data or Update called after it (compared by encoding), or through a Map's
// own methods.
func (x *Exchange[T]) checkLate() {
	s := &x.sess
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ops.lateNoted || s.readOnly || x.err != nil {
		return
	}
	late := false
	if mp, ok := any(&s.data).(*Map); ok && mp.isDirty() {
		late = true
	} else if s.ops.lateTouch {
		if !s.base.loaded {
			late = s.hasInfoLocked()
		} else if b, err := s.encodeLocked(); err == nil {
			late = string(b) != string(s.base.data)
		}
	}
	if late {
		s.lateLocked()
	}
}

// remoteHost returns the host part of the request's remote address.
func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
