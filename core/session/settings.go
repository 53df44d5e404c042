package session

import "time"

// settings holds a session's own settings, which override the manager's for
// that session alone and are kept in its record (a format 2 envelope).
type settings struct {
	// persist is the session's cookie persistence: 0 the manager's
	// (Cookie.Persistent), 1 persistent, -1 a browser-session cookie.
	persist int8
	// lifetime is the session's own absolute lifetime, 0 for the
	// manager's; the manager's maximum applies to it when it is used.
	lifetime time.Duration
	// idle is the session's own idle timeout, 0 for the manager's, -1
	// for none.
	idle time.Duration

	// id is the session's public ID once it was renewed (its ID survives
	// renewals); "" before, when it is derived from the key (see
	// publicID). agent is the client's User-Agent and since the time of
	// the login, recorded for a user's device list and the cap per user
	// (WithDeviceInfo, WithMaxSessionsPerUser).
	id    string
	agent string
	since time.Time

	// changed: this request changed a setting (not stored). The cookie is
	// sent again, and a merge keeps the settings this request changed
	// (persistSet, lifetimeSet, idleSet) and takes the others from the
	// newer record.
	changed, persistSet, lifetimeSet, idleSet bool
	// userSet: this request logged the session in (agent and since are
	// this request's).
	userSet bool
}

// merged returns the settings of a newer record with this request's
// changes applied.
func (x settings) merged(newer settings) settings {
	if x.persistSet {
		newer.persist = x.persist
	}
	if x.lifetimeSet {
		newer.lifetime = x.lifetime
	}
	if x.idleSet {
		newer.idle = x.idle
	}
	if newer.id == "" {
		newer.id = x.id
	}
	if x.userSet {
		newer.agent, newer.since = x.agent, x.since
	}
	newer.changed, newer.persistSet, newer.lifetimeSet, newer.idleSet = x.changed, x.persistSet, x.lifetimeSet, x.idleSet
	newer.userSet = x.userSet
	return newer
}

// maxAgent bounds the User-Agent kept for the device list.
const maxAgent = 256

// SetPersistent sets whether this session's cookie outlives the browser
// session ("remember me"): when true, the cookie carries Max-Age and
// Expires equal to the session's expiry; when false, it is a
// browser-session cookie. It overrides [Cookie].Persistent for this
// session alone; the choice is stored with the session, so it holds on
// later requests, across renewals (SetUser, Renew) and touches, until
// changed again or the session is destroyed. The cookie is sent again with
// the new attributes at the commit. The server enforces the session's
// expiry either way. In header-token mode ([WithHeaderToken]) there is no
// cookie, and the setting has no effect beyond being stored.
//
//	if r.PostFormValue("remember") == "on" {
//		s.SetPersistent(true)
//	}
func (s *Session[T]) SetPersistent(persistent bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.committed {
		s.lateLocked()
		return
	}
	p := int8(-1)
	if persistent {
		p = 1
	}
	if s.settings.persist != p {
		s.settings.persist = p
		s.settings.changed, s.settings.persistSet = true, true
		s.ops.metaDirty = true
	}
}

// Persistent reports whether the session's cookie is persistent: the
// session's own choice (SetPersistent), else the manager's.
func (s *Session[T]) Persistent() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m.persistentCookie(s)
}

// SetLifetime sets this session's absolute lifetime: it ends d after it
// was created, however active. d may be longer than the manager's
// lifetime ([Expiry].Lifetime, 24 hours by default) up to its maximum
// ([Expiry].MaxLifetime, 30 days by default); a longer d is cut to the
// maximum, which the manager logs as a warning. d <= 0 returns the session
// to the manager's lifetime. The idle timeout still applies: see
// SetIdleTimeout, and Remember for both at once. The lifetime is stored
// with the session and kept across requests and renewals; the new expiry
// takes effect at the commit (a persistent cookie's Max-Age follows it).
// The maximum applies when the session is loaded, too: a manager whose
// maximum was lowered ends the sessions older than it.
//
//	s.SetLifetime(30 * 24 * time.Hour)
func (s *Session[T]) SetLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.committed {
		s.lateLocked()
		return
	}
	if d < 0 {
		d = 0
	}
	if maxLT := s.m.cfg.expiry.MaxLifetime; d > maxLT {
		s.m.cfg.logger.Warn("session: SetLifetime is longer than the maximum lifetime (Expiry.MaxLifetime); cut to it",
			"lifetime", d, "max", maxLT)
		d = maxLT
	}
	if s.settings.lifetime != d {
		s.settings.lifetime = d
		s.settings.changed, s.settings.lifetimeSet = true, true
		s.ops.metaDirty = true
	}
}

// Lifetime returns the session's absolute lifetime: its own
// (SetLifetime), else the manager's.
func (s *Session[T]) Lifetime() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m.lifetimeOf(s.settings)
}

// SetIdleTimeout sets this session's own idle timeout: it ends when not
// used for d. d may be longer or shorter than the manager's
// ([Expiry].Idle); the session's lifetime still bounds it, so a d at
// least as long as the lifetime leaves the lifetime alone to end the
// session. d == 0 returns the session to the manager's idle timeout; d <
// 0 sets none for this session, which then ends at its lifetime. The
// setting is stored with the session and kept across requests and
// renewals; the new expiry takes effect at the commit.
//
//	s.SetIdleTimeout(7 * 24 * time.Hour) // a week without a visit
func (s *Session[T]) SetIdleTimeout(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.committed {
		s.lateLocked()
		return
	}
	if d < 0 {
		d = -1
	}
	if s.settings.idle != d {
		s.settings.idle = d
		s.settings.changed, s.settings.idleSet = true, true
		s.ops.metaDirty = true
	}
}

// IdleTimeout returns the session's idle timeout, 0 for none: its own
// (SetIdleTimeout), else the manager's.
func (s *Session[T]) IdleTimeout() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m.idleOf(s.settings)
}

// Remember keeps this session for d, counted from its creation ("remember
// me"): a persistent cookie, a lifetime of d and an idle timeout of d, so
// that it survives idle gaps longer than the manager's idle timeout. It
// is SetPersistent(true), SetLifetime(d) and SetIdleTimeout(d). With the
// default options, d may be up to 30 days ([Expiry].MaxLifetime). Call it
// at the login, after SetUser:
//
//	if r.PostFormValue("remember") == "on" {
//		s.Remember(30 * 24 * time.Hour)
//	}
func (s *Session[T]) Remember(d time.Duration) {
	s.SetPersistent(true)
	s.SetLifetime(d)
	s.SetIdleTimeout(d)
}

// persistentCookie reports whether s's cookie carries an expiry. The
// caller holds s.mu.
func (m *Manager[T]) persistentCookie(s *Session[T]) bool {
	switch s.settings.persist {
	case 1:
		return true
	case -1:
		return false
	}
	return m.cfg.cookie.Persistent
}

// sessionExpiry returns when s, created and last accessed at the given
// times, expires. The caller holds s.mu.
func (m *Manager[T]) sessionExpiry(s *Session[T], created, accessed time.Time) time.Time {
	return m.expiryOf(s.settings, created, accessed)
}
