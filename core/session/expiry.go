package session

import (
	"fmt"
	"time"
)

// DefaultMaxLifetime is the default of [Expiry].MaxLifetime: the longest
// lifetime a session may set itself, for "remember me for 30 days".
const DefaultMaxLifetime = 30 * 24 * time.Hour

// Expiry holds when sessions end, for [WithExpiry]. The zero value of
// each field means its default, so an Expiry names only what it changes,
// and Expiry{} is the default: no idle timeout, a lifetime of 24 hours,
// sessions allowed to set themselves a lifetime of up to 30 days, and
// unchanged sessions touched at most once a minute. The server enforces
// every limit, whatever the cookie says. New checks the fields and reports
// each mistake in its error, naming the field.
//
//	session.WithExpiry(session.Expiry{Idle: 30 * time.Minute})
type Expiry struct {
	// Idle ends a session not used for this long; 0 means no idle timeout
	// (the default). It must be shorter than Lifetime, which ends a
	// session however active. [Session.SetIdleTimeout] sets a session's
	// own, longer or shorter ("remember me").
	Idle time.Duration
	// Lifetime ends a session this long after it was created, however
	// active; 0 means 24 hours (DefaultLifetime). [Session.SetLifetime]
	// sets a session's own, up to MaxLifetime.
	Lifetime time.Duration
	// MaxLifetime bounds the lifetime a session may set itself
	// ([Session.SetLifetime], [Session.Remember]); 0 means 30 days
	// (DefaultMaxLifetime), or Lifetime when that is longer. It must not
	// be shorter than Lifetime. It applies to the sessions stored before
	// too: lowering it ends, at their next request, those older than it.
	MaxLifetime time.Duration
	// TouchInterval is how often an unchanged session's access time and
	// expiry are written back; 0 means one minute (DefaultTouchInterval),
	// or half the idle timeout when that is shorter. It must be shorter
	// than Idle. Since the access time is written back at most this often,
	// a session used only by requests that change nothing may end up to
	// one touch interval before a full idle timeout has passed since its
	// last request. A session whose own idle timeout is shorter is touched
	// at least every half of it.
	TouchInterval time.Duration
}

// WithExpiry sets when sessions end (default Expiry{}: see [Expiry] for
// each field's default). A later WithExpiry replaces an earlier one whole.
func WithExpiry(e Expiry) Option { return func(c *config) { c.expiry = e } }

// validate fills in the defaults of the zero fields and checks the
// fields, returning one error per mistake.
func (e *Expiry) validate() []error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(format, args...))
	}
	for _, f := range []struct {
		name string
		d    time.Duration
	}{{"Idle", e.Idle}, {"Lifetime", e.Lifetime}, {"MaxLifetime", e.MaxLifetime}, {"TouchInterval", e.TouchInterval}} {
		if f.d < 0 {
			bad("Expiry.%s must not be negative, not %v", f.name, f.d)
		}
	}
	if e.Lifetime <= 0 {
		e.Lifetime = DefaultLifetime
	}
	if e.MaxLifetime <= 0 {
		e.MaxLifetime = max(DefaultMaxLifetime, e.Lifetime)
	}
	if e.MaxLifetime < e.Lifetime {
		bad("maximum lifetime %v (Expiry.MaxLifetime) must not be shorter than the lifetime %v (Expiry.Lifetime)",
			e.MaxLifetime, e.Lifetime)
	}
	if e.Idle > 0 && e.Idle >= e.Lifetime {
		bad("idle timeout %v (Expiry.Idle) must be shorter than the lifetime %v (Expiry.Lifetime): a session ends at its lifetime, however active, so this idle timeout would never end one; shorten the idle timeout, or lengthen the lifetime",
			e.Idle, e.Lifetime)
	}
	if e.TouchInterval <= 0 {
		e.TouchInterval = DefaultTouchInterval
		if e.Idle > 0 && e.Idle/2 < e.TouchInterval {
			e.TouchInterval = e.Idle / 2
		}
	} else if e.Idle > 0 && e.TouchInterval >= e.Idle {
		bad("touch interval %v (Expiry.TouchInterval) must be shorter than the idle timeout %v (Expiry.Idle)",
			e.TouchInterval, e.Idle)
	}
	return errs
}

// lifetimeOf returns the absolute lifetime of a session with settings x:
// its own, else the manager's, at most the manager's maximum as it is now.
func (m *Manager[T]) lifetimeOf(x settings) time.Duration {
	lt := m.cfg.expiry.Lifetime
	if x.lifetime > 0 {
		lt = x.lifetime
	}
	return min(lt, m.cfg.expiry.MaxLifetime)
}

// idleOf returns the idle timeout of a session with settings x, 0 for
// none: its own, else the manager's.
func (m *Manager[T]) idleOf(x settings) time.Duration {
	switch {
	case x.idle > 0:
		return x.idle
	case x.idle < 0:
		return 0
	}
	return m.cfg.expiry.Idle
}

// touchIntervalOf returns how often an unchanged session with settings x
// is touched: the manager's interval, or half the session's own idle
// timeout when that is shorter.
func (m *Manager[T]) touchIntervalOf(x settings) time.Duration {
	t := m.cfg.expiry.TouchInterval
	if idle := m.idleOf(x); idle > 0 && idle/2 < t {
		t = idle / 2
	}
	return t
}

// expiryOf returns when a session with settings x, created and last
// accessed at the given times, expires: at the end of its lifetime, or of
// its idle timeout when that comes first.
func (m *Manager[T]) expiryOf(x settings, created, accessed time.Time) time.Time {
	exp := created.Add(m.lifetimeOf(x))
	if idle := m.idleOf(x); idle > 0 {
		if e := accessed.Add(idle); e.Before(exp) {
			exp = e
		}
	}
	return exp
}

// alive reports whether rec, a session with settings x, is still valid
// under the manager's own clock and limits, which may be stricter than
// when it was saved (a lowered maximum lifetime caps the records stored
// before).
func (m *Manager[T]) alive(rec Record, x settings, now time.Time) bool {
	return now.Before(rec.Expires) && now.Before(m.expiryOf(x, rec.Created, rec.Accessed))
}
