package session

import "time"

// settings holds a session's own settings, which override the manager's for
// that session alone and are kept in its record (a format 2 envelope).
type settings struct {
	// persist is the session's cookie persistence: 0 the manager's
	// (Cookie.Persistent), 1 persistent, -1 a browser-session cookie.
	persist int8
	// lifetime is the session's own absolute lifetime, 0 for the
	// manager's; never longer than the manager's.
	lifetime time.Duration

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
	// (persistSet, lifetimeSet) and takes the others from the newer record.
	changed, persistSet, lifetimeSet bool
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
	if newer.id == "" {
		newer.id = x.id
	}
	if x.userSet {
		newer.agent, newer.since = x.agent, x.since
	}
	newer.changed, newer.persistSet, newer.lifetimeSet, newer.userSet = x.changed, x.persistSet, x.lifetimeSet, x.userSet
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
// was created, however active. d is bounded by the manager's lifetime
// ([WithLifetime]), which stays the maximum for every session: a longer d
// is cut to it, and d <= 0 returns the session to the manager's lifetime.
// The idle timeout still applies. The lifetime is stored with the session
// and kept across requests and renewals; the new expiry takes effect at
// the commit (a persistent cookie's Max-Age follows it).
//
//	s.SetLifetime(30 * 24 * time.Hour) // "remember me for 30 days"
func (s *Session[T]) SetLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.committed {
		s.lateLocked()
		return
	}
	if d <= 0 || d >= s.m.cfg.lifetime {
		d = 0
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

// lifetimeOf returns the absolute lifetime of a session with settings x.
func (m *Manager[T]) lifetimeOf(x settings) time.Duration {
	if x.lifetime > 0 && x.lifetime < m.cfg.lifetime {
		return x.lifetime
	}
	return m.cfg.lifetime
}

// sessionExpiry returns when s, created and last accessed at the given
// times, expires: the manager's expiry, shortened by the session's own
// lifetime. The caller holds s.mu.
func (m *Manager[T]) sessionExpiry(s *Session[T], created, accessed time.Time) time.Time {
	exp := m.expiry(created, accessed)
	if lt := m.lifetimeOf(s.settings); lt < m.cfg.lifetime {
		if e := created.Add(lt); e.Before(exp) {
			exp = e
		}
	}
	return exp
}
