package session

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"sync"
	"time"
	"unicode/utf8"
)

// Session is one request's view of a session. The handler gets it from
// Manager.Get (or an adapter's getter), reads and changes it, and the
// manager saves what changed before the response's first byte. Changes made
// after that are not saved: SetUser, Renew and NewFormToken then return
// ErrCommitted.
//
// Form tokens are for one-shot actions, not the CSRF defence, which is
// [CrossOriginProtection] first and the per-session token of CSRFToken
// behind it (see the package documentation). They are single-use within
// one process's view of the session: two concurrent requests presenting
// the same token may both pass CheckFormToken.
//
// A Session is safe for use by several goroutines serving the same request.
// The value behind Data is the application's: guard it yourself when
// goroutines change it concurrently, or use Update ([Map] guards itself).
//
// # After the commit
//
// Once the response has started, nothing more can be saved. SetUser, Renew
// and NewFormToken return ErrCommitted; CheckFormToken answers false, since
// the token's consumption could not be saved; Destroy deletes the session in
// the store at once (the cookie can no longer be revoked, but it points to
// nothing). Any other change (to the data, the flashes) is lost: the
// manager reports the first one of a request with EventLateChange and a
// warning through its logger.
type Session[T any] struct {
	mu   sync.Mutex
	m    *Manager[T]
	req  *http.Request // the request, for a Destroy after the commit
	data T

	token    string // "" until a new session needs one
	key      string
	user     string
	created  time.Time
	accessed time.Time
	expires  time.Time
	remote   string
	tokens   []string
	flashes  []string

	base baseline // what the store holds, as this request knows it
	ops  ops[T]   // what this request did

	readOnly  bool // loaded under OutageAnonymous: write nothing
	committed bool // the exchange committed or aborted: changes are too late

	settings settings // the session's own settings: persistence, lifetime, public ID, device (settings.go)
}

// baseline is the record a request loaded, and after a commit the record
// it saved: what the request's changes are measured against.
type baseline struct {
	loaded    bool   // a record was loaded (or saved) for key
	presented string // the key of the request's well-formed cookie, "" without one
	key       string
	user      string
	data      []byte // the record's Data
	created   time.Time
	accessed  time.Time
	expires   time.Time
	version   uint64
}

// set makes rec, stored under key, the baseline.
func (b *baseline) set(key string, rec Record) {
	b.loaded, b.key, b.user, b.data = true, key, rec.User, rec.Data
	b.created, b.accessed, b.expires = rec.Created, rec.Accessed, rec.Expires
	b.version = rec.Version
}

// ops is the log of one request's operations on its session, replayed onto
// a newer record when a save conflicts.
type ops[T any] struct {
	dataTouched bool // Data or Update was called
	metaDirty   bool // tokens, flashes or the user changed
	destroyed   bool // Destroy was called
	renewed     bool // SetUser or Renew dropped the outstanding form tokens
	lateTouch   bool // Data or Update was called after the commit
	lateNoted   bool // a late change was reported
	tokAdded    []string
	tokUsed     []string
	flashAdded  []string
	flashTaken  []string
	updates     []update[T]
}

// update is one call of Session.Update: its function, with the codec's
// encodings of the data just before and just after it ran.
type update[T any] struct {
	fn            func(*T)
	before, after []byte
}

// Data returns the session's data, to read and to change in place: the
// manager notices changes by comparing encodings at commit.
func (s *Session[T]) Data() *T {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.touchLocked()
	return &s.data
}

// touchLocked notes that the data may change, and whether that is too late.
func (s *Session[T]) touchLocked() {
	if s.committed {
		s.ops.lateTouch = true
	}
	s.ops.dataTouched = true
}

// Update calls fn with the session's data while holding the session's
// lock, so goroutines of one request can change it safely, and makes fn a
// read-modify-write that concurrent requests cannot lose.
//
// Concurrent requests of one session are merged per top-level key or
// field: two requests that both increment one counter, or change one
// nested map, would otherwise both write the value they computed, and one
// increment would be lost. A change made through Update is not merged but
// replayed: when the commit finds that another request saved the session
// first, it runs fn again, at the same point among this request's other
// changes, on the newer data, under the session's commit lock and the
// store's compare-and-set. fn must therefore depend only on the *T it is
// given and have no other effect that matters; it may run more than once.
//
//	s.Update(func(m *session.Map) {
//		n, _ := m.GetInt("visits")
//		m.Set("visits", n+1)
//	})
//
// Each call encodes the data twice, to know what fn changed; use Data for
// changes that merging per key serves well.
func (s *Session[T]) Update(fn func(*T)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.touchLocked()
	if s.committed || s.m == nil {
		fn(&s.data)
		return
	}
	before, err := s.m.cfg.codec.Encode(&s.data)
	fn(&s.data)
	if err != nil {
		return // not replayable: merged per key like any change
	}
	if after, err := s.m.cfg.codec.Encode(&s.data); err == nil {
		s.ops.updates = append(s.ops.updates, update[T]{fn: fn, before: before, after: after})
	}
}

// ID returns a stable identifier of the session that is safe to show and
// log: its store key. It is not the cookie's token, and it changes when the
// token is renewed. A new session is given its token here if it has none.
func (s *Session[T]) ID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token == "" {
		if err := s.newTokenLocked(); err != nil {
			return ""
		}
	}
	return s.key
}

// IsNew reports whether the session was not loaded from the store for this
// request.
func (s *Session[T]) IsNew() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.base.loaded || s.key != s.base.key
}

// User returns the session's user, empty when anonymous.
func (s *Session[T]) User() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.user
}

// SetUser sets the session's user and renews its token, as a login must to
// prevent session fixation. An empty user makes the session anonymous.
func (s *Session[T]) SetUser(user string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.committed {
		s.lateLocked()
		return ErrCommitted
	}
	if err := s.renewLocked(); err != nil {
		return err
	}
	s.user = user
	if user != "" && (s.m.cfg.deviceInfo || s.m.cfg.maxPerUser > 0) {
		s.settings.since = s.m.cfg.now().UTC()
		s.settings.agent = ""
		if s.m.cfg.deviceInfo && s.req != nil {
			s.settings.agent = truncateUTF8(s.req.UserAgent(), maxAgent)
		}
		s.settings.userSet = true
	}
	return nil
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Renew gives the session a new token; the old one stops working when the
// response is committed. Data and user are kept; outstanding form tokens
// are dropped, as SetUser drops them, so that a token taken under the old
// session token cannot be used under the new one.
func (s *Session[T]) Renew() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.committed {
		s.lateLocked()
		return ErrCommitted
	}
	return s.renewLocked()
}

// renewLocked gives the session a new token and drops its form tokens.
func (s *Session[T]) renewLocked() error {
	if err := s.newTokenLocked(); err != nil {
		return err
	}
	s.tokens = nil
	s.ops.tokAdded, s.ops.tokUsed = nil, nil
	s.ops.renewed = true
	s.ops.metaDirty = true
	return nil
}

// Destroy deletes the session from the store at commit and revokes the
// cookie: the request's session cookie, whatever its shape (a malformed
// one never reaches the store, but is cleared all the same). The Session then starts over empty; if the handler gives it info
// afterwards, it is saved as a new session under a new token. Like every
// change, it takes effect only if the response is not a 5xx and the handler
// does not panic.
//
// Called after the commit (the response has started), Destroy deletes the
// stored session at once, with the commit timeout, since a delete needs no
// merging; the cookie can no longer be revoked, but points to nothing.
func (s *Session[T]) Destroy() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.committed {
		s.destroyLateLocked()
		return
	}
	s.ops.destroyed = true
	var zero T
	if mp, ok := any(&s.data).(*Map); ok {
		mp.Clear()
	} else {
		s.data = zero
	}
	s.token, s.key = "", ""
	s.user = ""
	s.created = time.Time{}
	s.accessed = time.Time{}
	s.expires = time.Time{}
	s.tokens, s.flashes = nil, nil
	s.settings = settings{}
	s.ops.tokAdded, s.ops.tokUsed, s.ops.flashAdded, s.ops.flashTaken = nil, nil, nil, nil
	s.ops.dataTouched = true
}

// destroyLateLocked deletes the stored session after the commit.
func (s *Session[T]) destroyLateLocked() {
	key := s.base.presented
	if s.base.loaded {
		key = s.base.key
	}
	if key == "" || s.readOnly || s.m == nil {
		return
	}
	ctx, cancel := s.m.writeContext(s.req)
	defer cancel()
	if err := s.m.store.Delete(ctx, key); err != nil {
		s.m.storeWarning(s.req, key, fmt.Errorf("session: delete after the commit: %w", err))
		return
	}
	s.base.loaded, s.base.presented = false, ""
	s.m.event(s.req, EventDestroyed, key, "", nil)
}

// lateLocked reports, once per request, a change made after the commit.
func (s *Session[T]) lateLocked() {
	if s.ops.lateNoted || s.m == nil || s.readOnly {
		return
	}
	s.ops.lateNoted = true
	s.m.event(s.req, EventLateChange, s.base.key, "", nil)
}

// HasInfo reports whether the session holds anything worth keeping: a user,
// data that is not the zero value (or, for a type with a HasInfo method,
// what that method says), form tokens or flash messages. A session without
// info is never stored.
func (s *Session[T]) HasInfo() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hasInfoLocked()
}

func (s *Session[T]) hasInfoLocked() bool {
	if s.user != "" || len(s.tokens) > 0 || len(s.flashes) > 0 {
		return true
	}
	return dataHasInfo(&s.data)
}

func dataHasInfo[T any](p *T) bool {
	if hi, ok := any(p).(interface{ HasInfo() bool }); ok {
		return hi.HasInfo()
	}
	return !reflect.ValueOf(p).Elem().IsZero()
}

// CreatedAt returns when the session was created.
func (s *Session[T]) CreatedAt() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.created.IsZero() {
		s.created = s.m.cfg.now()
	}
	return s.created
}

// AccessedAt returns the session's recorded access time: when it was last
// written back, at most once per touch interval (the current time for a new
// session).
func (s *Session[T]) AccessedAt() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.accessed.IsZero() {
		return s.m.cfg.now()
	}
	return s.accessed
}

// ExpiresAt returns when the stored session expires unless used again; zero
// for a session not stored yet.
func (s *Session[T]) ExpiresAt() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.expires
}

// RemoteAddr returns the client address that created the session.
func (s *Session[T]) RemoteAddr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.remote
}

// newTokenLocked gives the session a fresh token and key.
func (s *Session[T]) newTokenLocked() error {
	tok, err := newToken()
	if err != nil {
		return err
	}
	s.token, s.key = tok, keyOf(tok)
	return nil
}

// encodeLocked returns the record Data for the session's current state.
func (s *Session[T]) encodeLocked() ([]byte, error) {
	data, err := s.m.cfg.codec.Encode(&s.data)
	if err != nil {
		return nil, encodeError(err)
	}
	n := 1 + 10 + len(s.remote) + len(data) + 20
	for _, t := range s.tokens {
		n += len(t) + 2
	}
	for _, f := range s.flashes {
		n += len(f) + 4
	}
	return appendEnvelope(make([]byte, 0, n), s.remote, s.tokens, s.flashes, data, s.settings), nil
}

// encodeError returns the error of a codec's failed Encode, wrapping
// ErrUnencodable.
func encodeError(err error) error {
	if errors.Is(err, ErrUnencodable) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrUnencodable, err)
}
