package session

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// retire replaces the loaded record: by the session under its new token
// when it was renewed and still has info, else by nothing (its cookie
// revoked).
//
// The old record is first replaced, with compare-and-set, by a tombstone
// that keeps its user, so that a request in flight can neither undo a
// logout nor lose another request's write (a conflict is errMerge), and
// Prune by user still finds it. After the new record is created, the
// tombstone is confirmed with another compare-and-set: if a logout or a
// Prune removed it meanwhile, they win, and the new record goes too.
func (c *commit[T]) retire() error {
	s := c.s
	oldKey := s.base.key
	renewed := s.key != oldKey && s.hasInfoLocked()
	if renewed && s.settings.id == "" && (s.user != "" || s.base.user != "") {
		// The public ID stays the session's across the renewal.
		s.settings.id = publicID(oldKey)
	}
	if renewed {
		// Check the new record's size before the old one goes: a renewal
		// that cannot be saved must leave the session as it was.
		data, err := s.encodeLocked()
		if err != nil {
			return err
		}
		if len(data) > c.m.cfg.maxSize {
			return fmt.Errorf("session: save: %w", c.m.tooLarge(len(data)))
		}
	}
	var seq int64
	if s.base.user != "" {
		// The revocations of the user so far (revoke.go).
		var err error
		if seq, err = c.m.revocationSeq(c.begin(), s.base.user); err != nil {
			err = fmt.Errorf("session: read revocations: %w", err)
			c.m.event(c.x.r, EventStoreError, oldKey, "", err)
			return err
		}
	}
	prev := Record{User: s.base.user, Data: s.base.data, Created: s.base.created, Accessed: s.base.accessed, Expires: s.base.expires}
	tomb := Record{User: s.base.user, Data: tombstoneData(s), Created: s.base.created, Accessed: s.base.accessed,
		Expires: c.now.Add(c.m.cfg.commitTimeout), Version: s.base.version}
	if err := c.m.store.Save(c.begin(), oldKey, tomb); err != nil {
		if errors.Is(err, ErrConflict) {
			return errMerge
		}
		err = fmt.Errorf("session: retire: %w", err)
		c.m.event(c.x.r, EventStoreError, oldKey, "", err)
		return err
	}
	tomb.Version++
	if !renewed {
		c.deleteRetired(oldKey)
		c.m.event(c.x.r, EventDestroyed, oldKey, "", nil)
		s.base.loaded = false
		c.m.revokeCookie(c.x, c.h)
		return nil
	}
	return c.renew(oldKey, prev, tomb, seq)
}

// renew completes a renewal once the loaded record, prev, is retired under
// oldKey by the tombstone tomb (at its stored version): it creates the new
// record, confirms the tombstone, checks the user's revocations since seq
// (revoke.go), and sends the new cookie. A failure leaves the session as
// it was, prev put back; a logout or a revocation that ran meanwhile wins,
// and the session is signed out.
func (c *commit[T]) renew(oldKey string, prev, tomb Record, seq int64) error {
	s := c.s
	if err := c.create(); err != nil {
		c.restore(oldKey, prev, tomb.Version)
		return err
	}
	if err := c.m.store.Save(c.ctx, oldKey, tomb); err != nil {
		// The tombstone is gone or changed: a logout or a Prune ran while
		// the new record was being created. It wins.
		if !errors.Is(err, ErrConflict) {
			err = fmt.Errorf("session: confirm renewal: %w", err)
			c.m.event(c.x.r, EventStoreError, oldKey, "", err)
		}
		return c.dropRenewal(oldKey, err)
	}
	if s.base.user != "" {
		// A revocation of the user's sessions (LogoutUser, RevokeSession,
		// the cap) that read the user's index before the new record was
		// created left its mark first: running, or ended since seq.
		gone, err := c.m.revoked(c.ctx, s.base.user, s.settings.id, seq)
		if err != nil {
			c.deleteRetired(s.key)
			c.restore(oldKey, prev, tomb.Version+1)
			err = fmt.Errorf("session: check revocations: %w", err)
			c.m.event(c.x.r, EventStoreError, oldKey, "", err)
			return err
		}
		if gone {
			c.deleteRetired(oldKey)
			return c.dropRenewal(oldKey, nil)
		}
	}
	c.deleteRetired(oldKey)
	if !c.capUser(s.base.user) {
		return nil
	}
	c.m.setCookie(c.x, c.h, s.token, s.expires, c.now)
	c.m.event(c.x.r, EventRenewed, s.key, oldKey, nil)
	return nil
}

// restore puts the retired record prev back under oldKey, with
// compare-and-set on the tombstone's version, so that a failed renewal
// leaves the session as it found it.
func (c *commit[T]) restore(oldKey string, prev Record, version uint64) {
	prev.Version = version
	if err := c.m.store.Save(c.ctx, oldKey, prev); err != nil {
		c.m.storeWarning(c.x.r, oldKey, fmt.Errorf("session: restore after a failed renewal: %w", err))
	}
}

// dropRenewal undoes a renewal that a logout or a revocation overtook: the
// new record goes, and the cookie is revoked. err is the request's error,
// nil when the store answered.
func (c *commit[T]) dropRenewal(oldKey string, err error) error {
	c.deleteRetired(c.s.key)
	c.s.base.loaded = false
	c.m.revokeCookie(c.x, c.h)
	if err == nil || errors.Is(err, ErrConflict) {
		c.m.event(c.x.r, EventDropped, oldKey, "", nil)
		return nil
	}
	return err
}

// deleteRetired deletes a record that is retired already: a failure only
// leaves a tombstone that nobody loads, for the store's sweeper.
func (c *commit[T]) deleteRetired(key string) {
	if err := c.m.store.Delete(c.ctx, key); err != nil {
		c.m.storeWarning(c.x.r, key, fmt.Errorf("session: delete: %w", err))
	}
}

// A tombstone is a record retired by a renewal in flight. Its Data is
// empty, or for a session with a user its format byte (which no envelope
// starts with), then the session's public ID and the time of its login
// (as in a format 2 envelope's settings), so that the user's device list
// and cap count the session while it is being renewed.
const tombstoneFormat byte = 0

// isTombstone reports a record retired by a renewal in flight.
func isTombstone(rec Record) bool {
	if len(rec.Data) == 0 {
		return true
	}
	if rec.Data[0] != tombstoneFormat {
		return false
	}
	r := envReader{b: rec.Data[1:]}
	r.string()
	r.string()
	return r.err == nil && len(r.b) == 0
}

// tombstoneData returns the Data of the tombstone that retires s's loaded
// record. The caller holds s.mu.
func tombstoneData[T any](s *Session[T]) []byte {
	if s.base.user == "" || s.settings.id == "" {
		return []byte{}
	}
	b := appendString([]byte{tombstoneFormat}, s.settings.id)
	since := ""
	if !s.settings.since.IsZero() {
		since = strconv.FormatInt(s.settings.since.UnixNano(), 10)
	}
	return appendString(b, since)
}

// tombstoneSession returns the public ID and the time of the login kept in
// a tombstone's Data, zero values when it has none.
func tombstoneSession(data []byte) (id string, since time.Time) {
	if len(data) == 0 {
		return "", time.Time{}
	}
	r := envReader{b: data[1:]}
	id, ns := r.string(), r.string()
	if r.err != nil {
		return "", time.Time{}
	}
	if n, err := strconv.ParseInt(ns, 10, 64); err == nil && n > 0 {
		since = time.Unix(0, n).UTC()
	}
	return id, since
}
