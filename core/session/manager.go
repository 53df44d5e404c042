package session

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"reflect"
	"sync"
	"time"
)

// Manager loads, saves and expires sessions of type T in a [Store]. Build it
// once with [New]; it is safe for concurrent use and does not change after.
// Its Handler method is the net/http middleware; the adapters for other
// routers use Begin and [Exchange].
type Manager[T any] struct {
	store Store
	cfg   config
	// commitMu serialises the compare-and-set saves of one session within
	// this process (striped by key), so concurrent requests of a session
	// merge one after the other instead of retrying against each other.
	// Across processes, compare-and-set and merging alone keep updates.
	commitMu [256]sync.Mutex
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
	return &Manager[T]{store: store, cfg: cfg}, nil
}

// Store returns the manager's store, for administration (List, Prune).
func (m *Manager[T]) Store() Store { return m.store }

// CookieName returns the name of the session cookie.
func (m *Manager[T]) CookieName() string { return m.cfg.cookieName }

// FromContext returns the session the manager's middleware put in ctx.
func (m *Manager[T]) FromContext(ctx context.Context) (*Session[T], bool) {
	s, ok := ctx.Value(m).(*Session[T])
	return s, ok
}

// Get returns the session of a request that went through the manager's
// middleware. It panics when there is none: the middleware is not installed
// in front of this handler, which is a setup mistake.
func (m *Manager[T]) Get(r *http.Request) *Session[T] {
	s, ok := m.FromContext(r.Context())
	if !ok {
		panic("session: Get on a request without a session: install the manager's middleware in front of this handler")
	}
	return s
}

// Error answers r with the manager's error handler. Adapters call it when
// Begin or a commit fails.
func (m *Manager[T]) Error(w http.ResponseWriter, r *http.Request, err error) {
	if m.cfg.errorHandler != nil {
		m.cfg.errorHandler(w, r, err)
		return
	}
	status := http.StatusServiceUnavailable
	if errors.Is(err, ErrTooLarge) {
		status = http.StatusInternalServerError
	}
	m.cfg.logger.Error("session: request failed", "err", err, "method", r.Method, "path", r.URL.Path)
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, http.StatusText(status), status)
}

func (m *Manager[T]) event(r *http.Request, kind EventKind, key, oldKey string, err error) {
	if m.cfg.onEvent != nil {
		m.cfg.onEvent(Event{Kind: kind, Key: key, OldKey: oldKey, Err: err, Request: r})
	}
	if kind == EventStoreError || kind == EventUndecodable {
		m.cfg.logger.Warn("session: "+kind.String(), "err", err)
	}
}

// expiry returns when a session created and last accessed at the given times
// expires.
func (m *Manager[T]) expiry(created, accessed time.Time) time.Time {
	exp := created.Add(m.cfg.lifetime)
	if m.cfg.idleTimeout > 0 {
		if e := accessed.Add(m.cfg.idleTimeout); e.Before(exp) {
			exp = e
		}
	}
	return exp
}

// alive reports whether rec is still valid under the manager's own clock and
// limits, which may be stricter than when it was saved.
func (m *Manager[T]) alive(rec Record, now time.Time) bool {
	return now.Before(rec.Expires) && now.Before(m.expiry(rec.Created, rec.Accessed))
}

// Exchange is the session's part in one request: it carries the session in
// the request's context and commits it before the response's first byte.
// The net/http middleware uses it internally; adapters for other routers
// call Begin, then Commit from their response hooks, or Abort when the
// handler panicked.
type Exchange[T any] struct {
	context.Context // the request's context; Value finds the session

	m    *Manager[T]
	r    *http.Request
	sess Session[T]
	done bool // committed or aborted, guarded by sess.mu
	// rounds counts the conflicts this commit merged, bounded by
	// maxMergeAttempts across its saves and retirements.
	rounds int
	rw     responseWriter[T]
}

// typeKey[T] finds the innermost session of type T in a context.
type typeKey[T any] struct{}

// Value implements context.Context: the manager is the key of its session,
// and typeKey[T] finds it by type.
func (x *Exchange[T]) Value(key any) any {
	switch k := key.(type) {
	case *Manager[T]:
		if k == x.m {
			return &x.sess
		}
	case typeKey[T]:
		return &x.sess
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

// Session returns the request's session.
func (x *Exchange[T]) Session() *Session[T] { return &x.sess }

// Begin starts the session part of a request: it reads the cookie and, when
// it holds a well-formed token, loads the session with one store call. It
// returns the exchange and the request to pass on, whose context carries
// the session. A store failure under OutageError is returned as an error:
// answer it with m.Error and do not run the handler.
func (m *Manager[T]) Begin(r *http.Request) (*Exchange[T], *http.Request, error) {
	x := &Exchange[T]{Context: r.Context(), m: m, r: r}
	s := &x.sess
	s.m = m
	if err := m.load(x, r); err != nil {
		return nil, r, err
	}
	return x, r.WithContext(x), nil
}

func (m *Manager[T]) load(x *Exchange[T], r *http.Request) error {
	s := &x.sess
	token := cookieToken(r.Header, m.cfg.cookieName)
	if token == "" {
		s.remote = remoteHost(r)
		return nil
	}
	s.presented = true
	key := keyOf(token)
	lctx, cancel := context.WithTimeout(r.Context(), m.cfg.loadTimeout)
	rec, err := m.store.Load(lctx, key)
	cancel()
	switch {
	case errors.Is(err, ErrNotFound):
		s.remote = remoteHost(r)
		return nil
	case err != nil:
		err = fmt.Errorf("session: load: %w", err)
		m.event(r, EventStoreError, key, "", err)
		if m.cfg.outage == OutageAnonymous {
			s.remote = remoteHost(r)
			s.readOnly = true
			return nil
		}
		return err
	}
	now := m.cfg.now()
	if !m.alive(rec, now) {
		s.remote = remoteHost(r)
		return nil
	}
	var env envelope
	if len(rec.Data) > m.cfg.maxSize {
		// Not decoded: treated as undecodable, so that a lowered limit
		// cannot lock its users out with an error on every request.
		err = fmt.Errorf("%w (%d bytes)", ErrTooLarge, len(rec.Data))
	} else if env, err = decodeEnvelope(rec.Data); err == nil {
		err = m.cfg.codec.Decode(env.data, &s.data)
	}
	if err != nil {
		var zero T
		s.data = zero
		m.event(r, EventUndecodable, key, "", err)
		if derr := m.store.Delete(r.Context(), key); derr != nil {
			m.event(r, EventStoreError, key, "", fmt.Errorf("session: delete undecodable record: %w", derr))
		}
		s.remote = remoteHost(r)
		return nil
	}
	s.token, s.key = token, key
	s.user = rec.User
	s.created, s.accessed, s.expires = rec.Created, rec.Accessed, rec.Expires
	s.remote = env.remote
	s.tokens, s.flashes = env.tokens, env.flashes
	s.loaded, s.loadedKey, s.loadedUser, s.loadedData = true, key, rec.User, rec.Data
	s.version = rec.Version
	return nil
}

// Abort marks the request failed (the handler panicked): nothing will be
// saved, and a later Commit does nothing.
func (x *Exchange[T]) Abort() {
	x.sess.mu.Lock()
	x.done = true
	x.sess.committed = true
	x.sess.mu.Unlock()
}

// Commit saves what the request changed, writing the cookie and the
// Cache-Control and Vary headers into h, the response's header. status is
// the response's status: at 500 and above nothing is saved. Only the first
// call does anything. An error means nothing was sent yet and the response
// should be replaced by m.Error's.
func (x *Exchange[T]) Commit(h http.Header, status int) error {
	s := &x.sess
	s.mu.Lock()
	defer s.mu.Unlock()
	if x.done {
		return nil
	}
	x.done = true
	s.committed = true
	if status >= 500 || s.readOnly {
		return nil
	}
	return x.m.commit(x, h)
}

func (m *Manager[T]) commit(x *Exchange[T], h http.Header) error {
	s := &x.sess
	now := m.cfg.now()
	hasInfo := s.hasInfoLocked()
	if s.presented {
		varyCookie(h) // the response depends on the cookie, stored or not
	}

	if !s.loaded {
		if !hasInfo {
			return nil
		}
		ctx, cancel := m.writeContext(x)
		defer cancel()
		if err := m.create(ctx, x, h, now); err != nil {
			return err
		}
		m.event(x.r, EventCreated, s.key, "", nil)
		return nil
	}

	oldKey := s.loadedKey
	mu := &m.commitMu[hexNibble(oldKey[0])<<4|hexNibble(oldKey[1])]

	if s.destroyed {
		// Logout wins over everything in flight: delete unconditionally.
		ctx, cancel := m.writeContext(x)
		defer cancel()
		if err := m.store.Delete(ctx, oldKey); err != nil {
			err = fmt.Errorf("session: delete: %w", err)
			m.event(x.r, EventStoreError, oldKey, "", err)
			return err
		}
		m.event(x.r, EventDestroyed, oldKey, "", nil)
		s.loaded = false
		if !hasInfo {
			m.revokeCookie(x, h)
			return nil
		}
		if err := m.create(ctx, x, h, now); err != nil {
			return err
		}
		m.event(x.r, EventCreated, s.key, "", nil)
		return nil
	}

	if s.key == oldKey && hasInfo {
		changed := s.metaDirty || s.user != s.loadedUser
		var data []byte
		if changed || (s.dataTouched && !mapClean(&s.data)) {
			var err error
			if data, err = s.encodeLocked(); err != nil {
				return err
			}
			changed = changed || string(data) != string(s.loadedData)
		}
		if changed {
			ctx, cancel := m.writeContext(x)
			defer cancel()
			mu.Lock()
			defer mu.Unlock()
			return m.update(ctx, x, h, data, now, nil)
		}
		if now.Sub(s.accessed) >= m.cfg.touchInterval {
			ctx, cancel := m.writeContext(x)
			defer cancel()
			m.touch(ctx, x, h, now)
		}
		return nil
	}

	// The token changed (Renew, SetUser) or the session lost all its info:
	// the old record goes.
	ctx, cancel := m.writeContext(x)
	defer cancel()
	mu.Lock()
	defer mu.Unlock()
	return m.retire(ctx, x, h, now, nil)
}

// retire replaces the loaded record: by the session under its new token
// when it was renewed and still has info, else by nothing (its cookie
// revoked). The old record is first retired with compare-and-set (an
// expired tombstone), so that a request in flight can neither undo a
// logout that happened meanwhile nor lose another request's write: a
// conflict merges the newer record in and tries again. The caller holds
// the key's commit lock. orig is what this request's changes are measured
// against, nil for the record it loaded.
func (m *Manager[T]) retire(ctx context.Context, x *Exchange[T], h http.Header, now time.Time, orig *T) error {
	s := &x.sess
	oldKey := s.loadedKey
	renewed := s.key != oldKey
	if renewed {
		// Check the new record's size before the old one goes: a renewal
		// that cannot be saved must leave the session as it was.
		data, err := s.encodeLocked()
		if err != nil {
			return err
		}
		if len(data) > m.cfg.maxSize {
			return fmt.Errorf("session: save: %w (%d bytes)", ErrTooLarge, len(data))
		}
	}
	// prev is the record being retired, to put back should the new one
	// fail to save.
	prev := Record{User: s.loadedUser, Data: s.loadedData, Created: s.created, Accessed: s.accessed, Expires: s.expires}
	for {
		tomb := Record{Created: s.created, Accessed: tombstoneTime, Expires: tombstoneTime, Data: []byte{}, Version: s.version}
		err := m.store.Save(ctx, oldKey, tomb)
		if err == nil {
			break
		}
		if !errors.Is(err, ErrConflict) || x.rounds >= maxMergeAttempts {
			err = fmt.Errorf("session: retire: %w", err)
			m.event(x.r, EventStoreError, oldKey, "", err)
			return err
		}
		x.rounds++
		newer, gone, err := m.reloadMerge(ctx, x, oldKey, &orig)
		if err != nil || gone {
			return err
		}
		prev = newer
		if !renewed && s.hasInfoLocked() {
			// Another request gave the session info meanwhile: keep it.
			data, err := s.encodeLocked()
			if err != nil {
				return err
			}
			return m.update(ctx, x, h, data, now, orig)
		}
	}
	tombVersion := s.version + 1
	if !renewed || !s.hasInfoLocked() {
		if err := m.store.Delete(ctx, oldKey); err != nil {
			// Retired already: the expired tombstone goes with the sweeper.
			m.event(x.r, EventStoreError, oldKey, "", fmt.Errorf("session: delete: %w", err))
		}
		m.event(x.r, EventDestroyed, oldKey, "", nil)
		s.loaded = false
		m.revokeCookie(x, h)
		return nil
	}
	if err := m.create(ctx, x, h, now); err != nil {
		// Put the retired record back (compare-and-set on the tombstone),
		// so that the failed request leaves the session as it found it.
		prev.Version = tombVersion
		if rerr := m.store.Save(ctx, oldKey, prev); rerr != nil {
			m.event(x.r, EventStoreError, oldKey, "", fmt.Errorf("session: restore after a failed renewal: %w", rerr))
		}
		return err
	}
	if err := m.store.Delete(ctx, oldKey); err != nil {
		m.event(x.r, EventStoreError, oldKey, "", fmt.Errorf("session: delete renewed record: %w", err))
	}
	m.event(x.r, EventRenewed, s.key, oldKey, nil)
	return nil
}

// tombstoneTime is the expiry of a retired record: long past on any clock,
// so that no store loads it while it waits for its deletion.
var tombstoneTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// writeContext returns the context of the store writes of a commit: the
// request's values without its cancellation, so that a client that goes
// away cannot leave a logout or a renewal half done, bounded by the commit
// timeout.
func (m *Manager[T]) writeContext(x *Exchange[T]) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(x.r.Context()), m.cfg.commitTimeout)
}

// create stores the session as a new record under a fresh token, and sends
// the cookie.
func (m *Manager[T]) create(ctx context.Context, x *Exchange[T], h http.Header, now time.Time) error {
	s := &x.sess
	if s.token == "" || s.key == s.loadedKey {
		if err := s.newTokenLocked(); err != nil {
			return err
		}
	}
	data, err := s.encodeLocked()
	if err != nil {
		return err
	}
	if len(data) > m.cfg.maxSize {
		return fmt.Errorf("session: save: %w (%d bytes)", ErrTooLarge, len(data))
	}
	if s.created.IsZero() {
		s.created = now
	}
	rec := Record{User: s.user, Data: data, Created: s.created, Accessed: now, Expires: m.expiry(s.created, now)}
	if err := m.store.Save(ctx, s.key, rec); err != nil {
		err = fmt.Errorf("session: save: %w", err)
		m.event(x.r, EventStoreError, s.key, "", err)
		return err
	}
	m.saved(s, rec)
	m.setCookie(x, h, s.token, rec.Expires, now)
	return nil
}

// touch moves an unchanged session's access time and expiry.
func (m *Manager[T]) touch(ctx context.Context, x *Exchange[T], h http.Header, now time.Time) {
	s := &x.sess
	exp := m.expiry(s.created, now)
	err := m.store.Touch(ctx, s.key, now, exp)
	switch {
	case err == nil:
		s.accessed, s.expires = now, exp
		if m.cfg.persistent {
			m.setCookie(x, h, s.token, exp, now)
		}
	case errors.Is(err, ErrNotFound):
		// Destroyed meanwhile by another request: leave it so.
	default:
		// A failed touch costs only freshness; the request stands.
		m.event(x.r, EventStoreError, s.key, "", fmt.Errorf("session: touch: %w", err))
	}
}

func hexNibble(c byte) byte {
	if c >= 'a' {
		return c - 'a' + 10
	}
	return c - '0'
}

// mapClean reports whether p is a Map known to be unchanged since it was
// decoded, which spares encoding it to find out.
func mapClean[T any](p *T) bool {
	m, ok := any(p).(*Map)
	return ok && m.clean()
}

// saved records in s what the store now holds.
func (m *Manager[T]) saved(s *Session[T], rec Record) {
	s.loaded, s.loadedKey, s.loadedUser, s.loadedData = true, s.key, rec.User, rec.Data
	s.version = rec.Version + 1
	s.created, s.accessed, s.expires = rec.Created, rec.Accessed, rec.Expires
}

// update saves changed data with compare-and-set, merging onto a newer
// record when another request saved first. The caller holds the key's
// commit lock. orig is what this request's changes are measured against,
// nil for the record it loaded.
func (m *Manager[T]) update(ctx context.Context, x *Exchange[T], h http.Header, data []byte, now time.Time, orig *T) error {
	s := &x.sess
	for {
		if len(data) > m.cfg.maxSize {
			return fmt.Errorf("session: save: %w (%d bytes)", ErrTooLarge, len(data))
		}
		rec := Record{User: s.user, Data: data, Created: s.created, Accessed: now, Expires: m.expiry(s.created, now), Version: s.version}
		err := m.store.Save(ctx, s.key, rec)
		if err == nil {
			m.saved(s, rec)
			if m.cfg.persistent {
				m.setCookie(x, h, s.token, rec.Expires, now)
			}
			return nil
		}
		if !errors.Is(err, ErrConflict) || x.rounds >= maxMergeAttempts {
			err = fmt.Errorf("session: save: %w", err)
			m.event(x.r, EventStoreError, s.key, "", err)
			return err
		}
		x.rounds++
		_, gone, err := m.reloadMerge(ctx, x, s.key, &orig)
		if err != nil || gone {
			return err
		}
		if !s.hasInfoLocked() {
			// Merged with another request's deletions, nothing is left:
			// the session goes, as one that lost all its info does.
			return m.retire(ctx, x, h, now, orig)
		}
		if data, err = s.encodeLocked(); err != nil {
			return err
		}
	}
}

// reloadMerge loads the record under key after a conflict and applies this
// request's changes onto it, leaving the result in the session. gone
// reports that the record no longer exists (destroyed or renewed away by
// another request): the request's changes are then dropped, never
// recreated. *orig holds what this request's changes are measured against;
// it becomes the newer record, so that a further round does not count the
// other request's values as this request's.
func (m *Manager[T]) reloadMerge(ctx context.Context, x *Exchange[T], key string, orig **T) (newer Record, gone bool, err error) {
	s := &x.sess
	newer, err = m.store.Load(ctx, key)
	if errors.Is(err, ErrNotFound) {
		m.event(x.r, EventDropped, key, "", nil)
		return Record{}, true, nil
	}
	if err != nil {
		err = fmt.Errorf("session: reload after conflict: %w", err)
		m.event(x.r, EventStoreError, key, "", err)
		return Record{}, false, err
	}
	if *orig == nil {
		*orig = m.decodeData(s.loadedData)
	}
	next := m.decodeData(newer.Data)
	overlap, err := m.merge(s, *orig, newer)
	if err != nil {
		return Record{}, false, err
	}
	*orig = next
	m.event(x.r, EventMerged, key, "", nil)
	if overlap {
		m.event(x.r, EventOverwritten, key, "", nil)
	}
	if s.user == s.loadedUser {
		s.user = newer.User
	}
	s.loadedUser = newer.User
	s.created, s.version = newer.Created, newer.Version
	return newer, false, nil
}

// decodeData decodes a record's Data into a new T, zero when it does not
// decode.
func (m *Manager[T]) decodeData(b []byte) *T {
	v := new(T)
	if env, err := decodeEnvelope(b); err == nil {
		if m.cfg.codec.Decode(env.data, v) != nil {
			v = new(T)
		}
	}
	return v
}

// merge applies this request's changes (s's data against orig, and its
// token and flash operations) onto the newer record, leaving the result in
// s. overlap reports a top-level field or key that both had changed.
func (m *Manager[T]) merge(s *Session[T], orig *T, newer Record) (overlap bool, err error) {
	env, err := decodeEnvelope(newer.Data)
	base := new(T)
	if err == nil {
		err = m.cfg.codec.Decode(env.data, base)
	}
	if err != nil {
		// The newer record cannot be read: this request's state wins whole.
		return true, nil
	}
	overlap = mergeData(base, orig, &s.data)

	tokens := removeAll(env.tokens, s.tokUsed)
	for _, t := range s.tokAdded {
		if !contains(tokens, t) {
			tokens = appendCapped(tokens, t)
		}
	}
	s.tokens = tokens
	s.flashes = append(removeAll(env.flashes, s.flashTaken), s.flashAdded...)
	s.remote = env.remote
	return overlap, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// removeAll returns list without the values in drop, each drop value
// removing one occurrence.
func removeAll(list, drop []string) []string {
	out := make([]string, 0, len(list))
	used := make([]bool, len(drop))
outer:
	for _, v := range list {
		for i, d := range drop {
			if !used[i] && d == v {
				used[i] = true
				continue outer
			}
		}
		out = append(out, v)
	}
	return out
}

// remoteHost returns the host part of the request's remote address.
func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
