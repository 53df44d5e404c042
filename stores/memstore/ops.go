package memstore

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/session2/session2/core/session"
)

// Load returns a copy of the record stored for key, or an error wrapping
// [session.ErrNotFound] when there is none or it has expired.
func (s *Store) Load(ctx context.Context, key string) (session.Record, error) {
	if err := check(ctx, "load", key, true); err != nil {
		return session.Record{}, err
	}
	now := s.clock()
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return session.Record{}, errClosed("load")
	}
	r, ok := s.records[key]
	if !ok || expired(r.Expires, now) {
		return session.Record{}, fmt.Errorf("memstore: load: %w", session.ErrNotFound)
	}
	return clone(r), nil
}

// Save stores a copy of rec for key, with compare-and-set on rec.Version as
// described by [session.Store]. It returns an error wrapping
// [session.ErrConflict] when the compare fails, and one wrapping
// [session.ErrStoreFull] when a new record would exceed [WithMaxSessions].
func (s *Store) Save(ctx context.Context, key string, rec session.Record) error {
	if err := check(ctx, "save", key, true); err != nil {
		return err
	}
	if rec.Version+1 == 0 {
		// rec.Version is the largest uint64: no stored record has it.
		return fmt.Errorf("memstore: save: %w", session.ErrConflict)
	}
	var now time.Time
	if s.maxSessions > 0 && rec.Version == 0 {
		now = s.clock()
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed("save")
	}
	old, exists := s.records[key]
	if rec.Version > 0 {
		if !exists || old.Version != rec.Version {
			return fmt.Errorf("memstore: save: %w", session.ErrConflict)
		}
		if old.User != rec.User {
			s.unindexLocked(old.User, key)
			s.indexLocked(rec.User, key)
		}
		// The old buffer was never handed out (Load and List return
		// copies), so it can take the new data when it is of a similar
		// size; a buffer much too large is let go.
		data := old.Data
		if cap(data) >= len(rec.Data) && cap(data) <= 2*len(rec.Data)+64 {
			data = append(data[:0], rec.Data...)
		} else {
			data = bytes.Clone(rec.Data)
		}
		moved := !old.Expires.Equal(rec.Expires)
		old.Record = rec
		old.Data = data
		old.Version = rec.Version + 1
		if moved {
			s.exp.fix(old.idx)
		}
		return nil
	}
	if exists {
		return fmt.Errorf("memstore: save: %w", session.ErrConflict)
	}
	if s.maxSessions > 0 && len(s.records) >= s.maxSessions {
		s.evictExpiredLocked(now)
		if len(s.records) >= s.maxSessions {
			return fmt.Errorf("memstore: save: %d records: %w", len(s.records), session.ErrStoreFull)
		}
	}
	stored := &entry{Record: rec, key: key}
	stored.Data = bytes.Clone(rec.Data)
	stored.Version = 1
	s.records[key] = stored
	s.indexLocked(stored.User, key)
	s.exp.push(stored)
	return nil
}

// Delete removes the record for key. Deleting a missing key is not an
// error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := check(ctx, "delete", key, true); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed("delete")
	}
	s.deleteLocked(key)
	return nil
}

// Touch sets the Accessed and Expires of the live record for key, leaving
// its data, user and version alone. It returns an error wrapping
// [session.ErrNotFound] when there is no such record or it has expired.
func (s *Store) Touch(ctx context.Context, key string, accessed, expires time.Time) error {
	if err := check(ctx, "touch", key, true); err != nil {
		return err
	}
	now := s.clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed("touch")
	}
	r, ok := s.records[key]
	if !ok || expired(r.Expires, now) {
		return fmt.Errorf("memstore: touch: %w", session.ErrNotFound)
	}
	r.Accessed = accessed
	if !r.Expires.Equal(expires) {
		r.Expires = expires
		s.exp.fix(r.idx)
	}
	return nil
}

// Setup does nothing: a memory store needs no tables or directories, and
// has no server to check. It returns at once, with an error only for a
// cancelled context or a closed store.
func (s *Store) Setup(ctx context.Context) error {
	if err := check(ctx, "setup", "", false); err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return errClosed("setup")
	}
	return nil
}

func (s *Store) deleteLocked(key string) {
	r, ok := s.records[key]
	if !ok {
		return
	}
	delete(s.records, key)
	s.exp.remove(r)
	s.unindexLocked(r.User, key)
}

func (s *Store) indexLocked(user, key string) {
	if user == "" {
		return
	}
	keys := s.users[user]
	if keys == nil {
		keys = make(map[string]struct{})
		s.users[user] = keys
	}
	keys[key] = struct{}{}
}

func (s *Store) unindexLocked(user, key string) {
	if user == "" {
		return
	}
	keys := s.users[user]
	delete(keys, key)
	if len(keys) == 0 {
		delete(s.users, user)
	}
}
