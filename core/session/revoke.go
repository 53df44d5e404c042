package session

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Revocations: how "log out everywhere", RevokeSession and the cap's
// evictions win over a renewal in flight.
//
// A renewal retires the old record (a tombstone, compare-and-set), creates
// the new one, and confirms the tombstone. A revocation that read the
// user's index before the new record existed, and deletes the tombstone
// only after the confirmation, would miss the new record. So a revocation
// first writes what it is about to do into the user's revocation record,
// a record of the same store under a key derived from the user, and only
// then reads the index and deletes. A renewal of a session of that user
// reads the record's sequence number before it retires the old record,
// and the record again after its confirmation; it gives up (the new record
// deleted) when a revocation that concerns it is running then, or ended
// since the first read. Either the revocation's index read sees the new
// record, or the renewal's second read sees the revocation. No clock is
// compared, so a login and renewal right after a revocation are
// unaffected.
//
// The record keeps running revocations until they end (or their deadline
// passes, for one whose process died: clocks of several hosts are allowed
// revocationSkew of disagreement there) and ended ones for
// revocationRetention, far longer than any renewal's commit runs.

const (
	revocationSkew      = 5 * time.Second
	revocationRetention = 10 * time.Minute
	// maxRevocations bounds the record: past it, the ended entries fold
	// into one for the whole user, which errs towards signing out.
	maxRevocations = 512
	// revocationFormat starts the Data of a revocation record, which no
	// session envelope starts with.
	revocationFormat byte = 0x52
)

// revocationList is the decoded Data of a user's revocation record.
type revocationList struct {
	// Seq numbers the ended revocations: it grows with each, and starts
	// from the clock's nanoseconds when the record is new, so that it
	// keeps growing when an expired record is written anew.
	Seq     int64        `json:"s"`
	Running []revocation `json:"r,omitempty"`
	Ended   []revocation `json:"e,omitempty"`
}

// revocation is one revocation: of every session of the user (ID ""), or
// of the session with that public ID.
type revocation struct {
	Op  string    `json:"o,omitempty"` // a running one's identity, to end it
	ID  string    `json:"i,omitempty"` // the session's public ID, "" for all
	At  time.Time `json:"t"`           // running: its deadline; ended: when
	Seq int64     `json:"n,omitempty"` // ended: its number
}

// revocationKey returns the store key of user's revocation record. No
// session token hashes to it: the hashed text is not a token's shape.
func revocationKey(user string) string {
	h := sha256.Sum256([]byte("session2 revocations\x00" + user))
	return hex.EncodeToString(h[:])
}

// IsRevocationRecord reports whether rec is a user's revocation record,
// which the manager keeps beside the sessions (see [Manager.LogoutUser])
// and which administration tools should skip when they list sessions.
func IsRevocationRecord(rec Record) bool {
	return len(rec.Data) > 0 && rec.Data[0] == revocationFormat
}

func decodeRevocations(data []byte) (revocationList, error) {
	var l revocationList
	if len(data) == 0 || data[0] != revocationFormat {
		return l, errors.New("not a revocation record")
	}
	err := json.Unmarshal(data[1:], &l)
	return l, err
}

// concerns reports whether l holds a revocation of the session with public
// ID id that is running at now, or that ended after sequence number seq.
func (l revocationList) concerns(id string, seq int64, now time.Time) bool {
	for _, r := range l.Running {
		if (r.ID == "" || r.ID == id) && r.At.After(now.Add(-revocationSkew)) {
			return true
		}
	}
	for _, r := range l.Ended {
		if (r.ID == "" || r.ID == id) && r.Seq > seq {
			return true
		}
	}
	return false
}

// next returns the sequence number of a revocation ending at now.
func (l *revocationList) next(now time.Time) int64 {
	l.Seq = max(l.Seq+1, now.UnixNano())
	return l.Seq
}

// trim drops what no renewal can still be concerned by at now.
func (l *revocationList) trim(now time.Time) {
	keep := l.Running[:0]
	for _, r := range l.Running {
		if r.At.After(now.Add(-revocationSkew)) {
			keep = append(keep, r)
		}
	}
	l.Running = keep
	ended := l.Ended[:0]
	for _, r := range l.Ended {
		if r.At.After(now.Add(-revocationRetention)) {
			ended = append(ended, r)
		}
	}
	l.Ended = ended
	if len(l.Ended) > maxRevocations {
		l.Ended = []revocation{{At: now, Seq: l.next(now)}}
	}
}

// expires returns when the record may go: when nothing in it matters.
func (l revocationList) expires(now time.Time) time.Time {
	exp := now.Add(revocationRetention)
	for _, r := range l.Running {
		if e := r.At.Add(revocationRetention); e.After(exp) {
			exp = e
		}
	}
	return exp
}

// updateRevocations applies change to user's revocation record with
// compare-and-set, retrying on conflicts until ctx ends.
func (m *Manager[T]) updateRevocations(ctx context.Context, user string, change func(*revocationList, time.Time)) error {
	key := revocationKey(user)
	for {
		var l revocationList
		rec, err := m.store.Load(ctx, key)
		switch {
		case errors.Is(err, ErrNotFound):
			rec = Record{}
		case err != nil:
			return err
		default:
			if l, err = decodeRevocations(rec.Data); err != nil {
				// Unreadable: start over, as if the whole user had
				// just been signed out, which errs on the safe side.
				now := m.cfg.now()
				l = revocationList{}
				l.Ended = []revocation{{At: now, Seq: l.next(now)}}
			}
		}
		now := m.cfg.now()
		change(&l, now)
		l.trim(now)
		b, err := json.Marshal(l)
		if err != nil {
			return err
		}
		if rec.Created.IsZero() {
			rec.Created = now
		}
		next := Record{Data: append([]byte{revocationFormat}, b...), Created: rec.Created, Accessed: now,
			Expires: l.expires(now), Version: rec.Version}
		err = m.store.Save(ctx, key, next)
		if !errors.Is(err, ErrConflict) {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// beginRevocation records that the sessions of user with the given public
// IDs (none: all of them) are being revoked, and returns the operation's
// identity for endRevocation.
func (m *Manager[T]) beginRevocation(ctx context.Context, user string, ids []string) (string, error) {
	op, err := newToken()
	if err != nil {
		return "", err
	}
	op = op[:16]
	deadline, ok := ctx.Deadline()
	err = m.updateRevocations(ctx, user, func(l *revocationList, now time.Time) {
		until := deadline
		if maxLT := m.cfg.expiry.MaxLifetime; !ok || until.After(now.Add(maxLT)) {
			// A session alive at the start is gone by then.
			until = now.Add(maxLT)
		}
		if len(ids) == 0 {
			l.Running = append(l.Running, revocation{Op: op, At: until})
		}
		for _, id := range ids {
			l.Running = append(l.Running, revocation{Op: op, ID: id, At: until})
		}
	})
	if err != nil {
		return "", fmt.Errorf("session: record revocation: %w", err)
	}
	return op, nil
}

// endRevocation records that operation op ended. A failure leaves the
// revocation running until its deadline, which errs on the safe side.
func (m *Manager[T]) endRevocation(ctx context.Context, user, op string) error {
	err := m.updateRevocations(ctx, user, func(l *revocationList, now time.Time) {
		keep := l.Running[:0]
		for _, r := range l.Running {
			if r.Op == op {
				l.Ended = append(l.Ended, revocation{ID: r.ID, At: now, Seq: l.next(now)})
			} else {
				keep = append(keep, r)
			}
		}
		l.Running = keep
	})
	if err != nil {
		return fmt.Errorf("session: record end of revocation: %w", err)
	}
	return nil
}

// revocationSeq returns the sequence number of user's revocation record,
// 0 when there is none, for a renewal to compare with after it confirmed.
func (m *Manager[T]) revocationSeq(ctx context.Context, user string) (int64, error) {
	rec, err := m.store.Load(ctx, revocationKey(user))
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	l, err := decodeRevocations(rec.Data)
	if err != nil {
		return 0, nil
	}
	return l.Seq, nil
}

// revoked reports whether a revocation concerns the session of user with
// public ID id: one running now, or one that ended after sequence number
// seq.
func (m *Manager[T]) revoked(ctx context.Context, user, id string, seq int64) (bool, error) {
	rec, err := m.store.Load(ctx, revocationKey(user))
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	l, err := decodeRevocations(rec.Data)
	if err != nil {
		return true, nil // unreadable: err on the safe side
	}
	return l.concerns(id, seq, m.cfg.now()), nil
}

// revoke signs out the sessions of user with the given public IDs (none:
// all of them), winning over renewals in flight, and returns how many
// records it deleted.
func (m *Manager[T]) revoke(ctx context.Context, user string, ids []string) (int, error) {
	op, err := m.beginRevocation(ctx, user, ids)
	if err != nil {
		return 0, err
	}
	var n int
	if len(ids) == 0 {
		n, err = m.store.Prune(ctx, Filter{User: user})
	} else {
		n, err = m.deleteSessions(ctx, user, ids)
	}
	if err != nil {
		// Left running: renewals keep giving up until its deadline.
		return n, err
	}
	return n, m.endRevocation(ctx, user, op)
}

// deleteSessions deletes the records of user's sessions with the given
// public IDs, tombstones of their renewals included.
func (m *Manager[T]) deleteSessions(ctx context.Context, user string, ids []string) (int, error) {
	var keys []string
	for e, err := range m.store.List(ctx, Filter{User: user}) {
		if err != nil {
			return 0, err
		}
		id, _ := publicIDOf(e)
		for _, want := range ids {
			if id == want {
				keys = append(keys, e.Key)
				break
			}
		}
	}
	n := 0
	for _, k := range keys {
		if err := m.store.Delete(ctx, k); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
