package session

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// commit is one request's commit: it owns the store writes that take the
// store from the baseline the request loaded to the session the handler
// left, and the merge rounds in between, from the first write to the last.
// The session's lock is held throughout.
type commit[T any] struct {
	x   *Exchange[T]
	m   *Manager[T]
	s   *Session[T]
	h   http.Header // the response's header, for the cookie
	now time.Time

	ctx    context.Context // the store writes', set when the first is due
	lock   *keyLock        // the session key's lock, once taken
	locked string          // the key it locks

	// orig is the data this request's changes are measured against when
	// merging: nil for the baseline's, decoded when first needed; after a
	// merge round, the newer record's.
	orig   *T
	rounds int // merge rounds, at most maxMergeAttempts

	// For replaying Session.Update: the data the request loaded and the
	// encoding of the data its handler left, both set at the first round.
	loaded *T
	final  []byte
}

// errMerge reports a compare-and-set conflict: the caller merges and tries
// again.
var errMerge = errors.New("session: conflict, merge and retry")

// run writes what the request changed: nothing, a touch, an update, a new
// record, a renewal or a deletion.
func (c *commit[T]) run() error {
	defer c.end()
	s := c.s
	hasInfo := s.hasInfoLocked()
	if !s.base.loaded {
		if s.ops.destroyed && s.base.presented != "" {
			// The cookie names a record this request did not load: gone,
			// or retired by a renewal in flight. A logout deletes it all
			// the same, so that such a renewal finds its tombstone gone
			// and gives up.
			if err := c.delete(s.base.presented); err != nil {
				return err
			}
			if !hasInfo {
				c.m.revokeCookie(c.x, c.h)
				return nil
			}
		}
		if !hasInfo {
			if s.ops.destroyed && s.base.presented == "" && c.m.presentsToken(c.x.r.Header) {
				// A cookie of the wrong shape never reached the store,
				// but a logout clears it: the browser stops sending it.
				c.m.revokeCookie(c.x, c.h)
			}
			return nil
		}
		return c.createAndSend()
	}

	if s.ops.destroyed {
		// Logout wins over everything in flight: delete unconditionally.
		if err := c.delete(s.base.key); err != nil {
			return err
		}
		s.base.loaded = false
		if !hasInfo {
			c.m.revokeCookie(c.x, c.h)
			return nil
		}
		return c.createAndSend()
	}

	if s.key == s.base.key && hasInfo {
		data, changed, err := c.changed()
		if err != nil || !changed {
			if err == nil && c.now.Sub(s.accessed) >= c.m.touchIntervalOf(s.settings) {
				c.touch()
			}
			return err
		}
		if err := c.lockSession(); err != nil {
			return err
		}
		return c.write(data)
	}

	// The token changed (Renew, SetUser) or the session lost all its
	// info: the loaded record is retired.
	if err := c.lockSession(); err != nil {
		return err
	}
	return c.write(nil)
}

// changed reports whether the session differs from the baseline, with its
// encoding when it had to be computed.
func (c *commit[T]) changed() ([]byte, bool, error) {
	s := c.s
	changed := s.ops.metaDirty || s.user != s.base.user
	if !changed && (!s.ops.dataTouched || mapClean(&s.data)) {
		return nil, false, nil
	}
	data, err := s.encodeLocked()
	if err != nil {
		return nil, false, err
	}
	return data, changed || string(data) != string(s.base.data), nil
}

// createAndSend stores the session as a new record and sends its cookie.
func (c *commit[T]) createAndSend() error {
	if err := c.create(); err != nil {
		return err
	}
	if !c.capUser("") {
		return nil
	}
	c.m.setCookie(c.x, c.h, c.s.token, c.s.expires, c.now)
	c.m.event(c.x.r, EventCreated, c.s.key, "", nil)
	return nil
}

// create stores the session as a new record under a fresh token. The
// caller sends the cookie.
func (c *commit[T]) create() error {
	s := c.s
	if s.token == "" || s.key == s.base.key {
		if err := s.newTokenLocked(); err != nil {
			return err
		}
	}
	data, err := s.encodeLocked()
	if err != nil {
		return err
	}
	if len(data) > c.m.cfg.maxSize {
		return fmt.Errorf("session: save: %w", c.m.tooLarge(len(data)))
	}
	if s.created.IsZero() {
		s.created = c.now
	}
	rec := Record{User: s.user, Data: data, Created: s.created, Accessed: c.now, Expires: c.m.sessionExpiry(s, s.created, c.now)}
	return c.save(s.key, rec)
}

// write saves the session over the baseline with compare-and-set: an
// update, or the retirement of the loaded record for a renewal or an
// emptied session. After each conflict it merges this request's changes
// onto the newer record and tries again. data is the session's encoding,
// nil when it is to be computed.
func (c *commit[T]) write(data []byte) error {
	for {
		var err error
		if c.s.key != c.s.base.key || !c.s.hasInfoLocked() {
			err = c.retire()
		} else {
			err = c.update(data)
		}
		if !errors.Is(err, errMerge) {
			return err
		}
		if c.rounds >= maxMergeAttempts {
			err = fmt.Errorf("session: save: %w after %d merges", ErrConflict, c.rounds)
			c.m.event(c.x.r, EventStoreError, c.s.base.key, "", err)
			return err
		}
		c.rounds++
		gone, err := c.reloadMerge()
		if err != nil || gone {
			return err
		}
		data = nil
	}
}

// update saves the changed session under its loaded key.
func (c *commit[T]) update(data []byte) error {
	s := c.s
	if data == nil {
		var err error
		if data, err = s.encodeLocked(); err != nil {
			return err
		}
	}
	if len(data) > c.m.cfg.maxSize {
		return fmt.Errorf("session: save: %w", c.m.tooLarge(len(data)))
	}
	rec := Record{User: s.user, Data: data, Created: s.created, Accessed: c.now, Expires: c.m.sessionExpiry(s, s.created, c.now), Version: s.base.version}
	if err := c.save(s.key, rec); err != nil {
		return err
	}
	if c.m.persistentCookie(s) || s.settings.changed {
		c.m.setCookie(c.x, c.h, s.token, rec.Expires, c.now)
	}
	return nil
}

// save stores rec under key with compare-and-set and makes it the
// baseline. A conflict is errMerge.
func (c *commit[T]) save(key string, rec Record) error {
	err := c.m.store.Save(c.begin(), key, rec)
	switch {
	case err == nil:
		c.saved(key, rec)
		return nil
	case errors.Is(err, ErrConflict) && rec.Version > 0:
		return errMerge
	}
	err = fmt.Errorf("session: save: %w", err)
	c.m.event(c.x.r, EventStoreError, key, "", err)
	return err
}

// saved records in the session what the store now holds under key.
func (c *commit[T]) saved(key string, rec Record) {
	rec.Version++
	c.s.base.set(key, rec)
	c.s.created, c.s.accessed, c.s.expires = rec.Created, rec.Accessed, rec.Expires
}

// touch moves an unchanged session's access time and expiry.
func (c *commit[T]) touch() {
	s := c.s
	exp := c.m.sessionExpiry(s, s.created, c.now)
	err := c.m.store.Touch(c.begin(), s.key, c.now, exp)
	switch {
	case err == nil:
		s.accessed, s.expires = c.now, exp
		s.base.accessed, s.base.expires = c.now, exp
		if c.m.persistentCookie(s) {
			c.m.setCookie(c.x, c.h, s.token, exp, c.now)
		}
	case errors.Is(err, ErrNotFound):
		// Destroyed meanwhile by another request: leave it so.
	default:
		// A failed touch costs only freshness; the request stands.
		c.m.storeWarning(c.x.r, s.key, fmt.Errorf("session: touch: %w", err))
	}
}

// delete deletes key unconditionally, for a logout.
func (c *commit[T]) delete(key string) error {
	if err := c.m.store.Delete(c.begin(), key); err != nil {
		err = fmt.Errorf("session: delete: %w", err)
		c.m.event(c.x.r, EventStoreError, key, "", err)
		return err
	}
	c.m.event(c.x.r, EventDestroyed, key, "", nil)
	return nil
}

// capUser enforces the cap on a user's sessions after the session was
// stored logged in, when its user is new (prevUser is the user it had).
// It reports false when the session itself was signed out, its cookie
// revoked.
func (c *commit[T]) capUser(prevUser string) bool {
	s := c.s
	if c.m.cfg.maxPerUser == 0 || s.user == "" || s.user == prevUser {
		return true
	}
	selfOut, err := c.m.enforceCap(c.ctx, s.user, s.publicIDLocked())
	if err != nil {
		c.m.storeWarning(c.x.r, s.key, err) // the request stands
	}
	if selfOut {
		s.base.loaded = false
		c.m.revokeCookie(c.x, c.h)
		c.m.event(c.x.r, EventDropped, s.key, "", nil)
		return false
	}
	return true
}

// begin starts the context of the store writes, once: the request's
// values without its cancellation, so that a client that goes away cannot
// leave a logout or a renewal half done, bounded by the commit timeout,
// which covers the wait for the session's lock too.
func (c *commit[T]) begin() context.Context {
	if c.ctx == nil {
		start := c.now // the commit's start, unless a test's clock gives it
		if c.m.cfg.clockSet {
			start = time.Now()
		}
		c.x.wctx.start(c.x.r.Context(), start.Add(c.m.cfg.commitTimeout), true, &c.x.tm)
		c.ctx = &c.x.wctx
	}
	return c.ctx
}

// lockSession takes the lock of the loaded session's key, waiting no
// longer than the commit timeout.
func (c *commit[T]) lockSession() error {
	key := c.s.base.key
	kl, err := c.m.locks.lock(c.begin(), key)
	if err != nil {
		c.m.event(c.x.r, EventStoreError, key, "", err)
		return err
	}
	c.lock, c.locked = kl, key
	return nil
}

// end releases the lock and the context.
func (c *commit[T]) end() {
	if c.lock != nil {
		c.m.locks.unlock(c.locked, c.lock)
	}
	if c.ctx != nil {
		c.x.wctx.stop()
	}
}

// mapClean reports whether p is a Map known to be unchanged since it was
// decoded, which spares encoding it to find out.
func mapClean[T any](p *T) bool {
	m, ok := any(p).(*Map)
	return ok && m.clean()
}
