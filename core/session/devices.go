package session

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"time"
)

// UserSession describes one session of a user, as [Manager.UserSessions]
// lists them for a "your devices" page.
type UserSession struct {
	// ID identifies the session for [Manager.RevokeSession]. It is public:
	// it cannot be turned into the session's token or store key, and it
	// stays the same across renewals (SetUser, Renew).
	ID string
	// UserAgent is the client's User-Agent at the login, at most 256
	// bytes; empty unless the manager has [WithDeviceInfo].
	UserAgent string
	// RemoteAddr is the client's address when the session was created.
	RemoteAddr string
	// Created is when the session was created; SignedIn when its user
	// logged in (with WithDeviceInfo or WithMaxSessionsPerUser; else
	// Created).
	Created, SignedIn time.Time
	// LastSeen is the session's last recorded access (see
	// Expiry.TouchInterval for how often an unchanged session records one);
	// Expires when it ends unless used again.
	LastSeen, Expires time.Time
	// Current marks the session of the request whose context was given.
	Current bool
}

// publicID returns the public ID of the session stored under key, for a
// session that has none of its own yet: a hash of the key, which is itself
// a hash of the token.
func publicID(key string) string {
	h := sha256.Sum256([]byte("session2 public id\x00" + key))
	return base64.RawURLEncoding.EncodeToString(h[:12])
}

// publicIDOf returns the public ID of a stored session or of its
// tombstone, and the time of its login (zero when not recorded).
func publicIDOf(e Entry) (string, time.Time) {
	id, since := "", time.Time{}
	if isTombstone(e.Record) {
		id, since = tombstoneSession(e.Record.Data)
	} else if env, err := decodeEnvelope(e.Record.Data); err == nil {
		id, since = env.settings.id, env.settings.since
	}
	if id == "" {
		id = publicID(e.Key)
	}
	return id, since
}

// publicIDLocked returns the session's public ID (see [UserSession]), ""
// for a session without a key. The caller holds s.mu.
func (s *Session[T]) publicIDLocked() string {
	switch {
	case s.settings.id != "":
		return s.settings.id
	case s.base.loaded:
		return publicID(s.base.key)
	case s.key != "":
		return publicID(s.key)
	}
	return ""
}

// UserSessions lists the live sessions of user, most recently seen first,
// through the store's user index. Called with a request's context, it
// marks that request's session Current. Sessions being renewed at that
// instant may be missing from the list.
//
//	list, err := mgr.UserSessions(r.Context(), s.User())
func (m *Manager[T]) UserSessions(ctx context.Context, user string) ([]UserSession, error) {
	if user == "" {
		return nil, errors.New("session: UserSessions: empty user")
	}
	current := ""
	if s, ok := m.fromContext(ctx); ok {
		s.mu.Lock()
		if s.user == user {
			current = s.publicIDLocked()
		}
		s.mu.Unlock()
	}
	now := m.cfg.now()
	var out []UserSession
	for e, err := range m.store.List(ctx, Filter{User: user}) {
		if err != nil {
			return nil, fmt.Errorf("session: list user sessions: %w", err)
		}
		rec := e.Record
		if isTombstone(rec) {
			continue
		}
		env, err := decodeEnvelope(rec.Data)
		if err != nil || !m.alive(rec, env.settings, now) {
			continue
		}
		id := env.settings.id
		if id == "" {
			id = publicID(e.Key)
		}
		signedIn := env.settings.since
		if signedIn.IsZero() {
			signedIn = rec.Created
		}
		out = append(out, UserSession{ID: id, UserAgent: env.settings.agent, RemoteAddr: env.remote,
			Created: rec.Created, SignedIn: signedIn, LastSeen: rec.Accessed, Expires: rec.Expires,
			Current: id == current})
	}
	slices.SortFunc(out, func(a, b UserSession) int {
		return cmp.Or(b.LastSeen.Compare(a.LastSeen), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// RevokeSession signs out the session of user with public ID id (from
// [Manager.UserSessions]): it is deleted, and a renewal of it in flight
// gives up, as for [Manager.LogoutUser]. An ID that names no session of
// user, another user's among them, is an error wrapping [ErrNotFound], and
// nothing is deleted. Called with the context of a request whose session
// it revokes, it also destroys that session, keeping its flash messages.
func (m *Manager[T]) RevokeSession(ctx context.Context, user, id string) error {
	if user == "" || id == "" {
		return errors.New("session: RevokeSession: empty user or ID")
	}
	if s, ok := m.fromContext(ctx); ok {
		s.mu.Lock()
		mine := s.user == user && s.publicIDLocked() == id
		s.mu.Unlock()
		if mine {
			s.destroyKeepingFlashes()
		}
	}
	n, err := m.revoke(ctx, user, []string{id})
	if err != nil {
		return fmt.Errorf("session: revoke session: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("session: revoke session: %w", ErrNotFound)
	}
	return nil
}

// enforceCap signs out the oldest sessions of user beyond the manager's
// cap, after a login stored the session with public ID self. Sessions rank
// by the time of their login, newest first, the same for every login, and
// all beyond the cap go: the newest login always stays, and the last of
// concurrent logins to list sees them all, so none leaves more than the
// cap. It reports whether self itself was signed out, which happens only
// when newer logins of the user ran concurrently and the cap leaves no
// room for it.
func (m *Manager[T]) enforceCap(ctx context.Context, user, self string) (bool, error) {
	type ranked struct {
		id    string
		since time.Time
	}
	now := m.cfg.now()
	seen := map[string]bool{}
	var all []ranked
	for e, err := range m.store.List(ctx, Filter{User: user}) {
		if err != nil {
			return false, fmt.Errorf("session: list user sessions: %w", err)
		}
		rec := e.Record
		tomb := isTombstone(rec)
		if !tomb && !isEnvelope(rec.Data) {
			continue
		}
		// A tombstone lives until its own expiry; a session by its own
		// settings.
		x := settings{idle: -1, lifetime: m.cfg.expiry.MaxLifetime}
		if env, err := decodeEnvelope(rec.Data); !tomb && err == nil {
			x = env.settings
		}
		if !m.alive(rec, x, now) {
			continue
		}
		// A tombstone counts: it is a session being renewed.
		id, since := publicIDOf(e)
		if since.IsZero() {
			since = rec.Created
		}
		if !seen[id] {
			seen[id] = true
			all = append(all, ranked{id, since})
		}
	}
	if len(all) <= m.cfg.maxPerUser {
		return false, nil
	}
	slices.SortFunc(all, func(a, b ranked) int {
		return cmp.Or(b.since.Compare(a.since), cmp.Compare(a.id, b.id))
	})
	var evict []string
	selfOut := false
	for _, r := range all[m.cfg.maxPerUser:] {
		evict = append(evict, r.id)
		selfOut = selfOut || r.id == self
	}
	if _, err := m.revoke(ctx, user, evict); err != nil {
		return selfOut, fmt.Errorf("session: sign out sessions over the cap: %w", err)
	}
	return selfOut, nil
}
