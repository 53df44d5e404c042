package session

import "strconv"

// Status says what a request has done to its session so far: what its
// commit will do, as [Session.Status] reports it.
type Status int

const (
	// StatusUnmodified: the commit has nothing to save (a touch of the
	// access time aside).
	StatusUnmodified Status = iota
	// StatusModified: the commit will save the session: its data, user,
	// flashes, form tokens or settings changed, its token was renewed, or
	// it is new and holds info.
	StatusModified
	// StatusDestroyed: Destroy was called; the commit deletes the stored
	// session and revokes its cookie (and saves a new session if the
	// handler gave it info afterwards).
	StatusDestroyed
)

// String returns "unmodified", "modified" or "destroyed".
func (st Status) String() string {
	switch st {
	case StatusUnmodified:
		return "unmodified"
	case StatusModified:
		return "modified"
	case StatusDestroyed:
		return "destroyed"
	}
	return "Status(" + strconv.Itoa(int(st)) + ")"
}

// Status reports what the request has done to the session so far. A data
// change is judged as the commit judges it, by comparing the data's
// encoding with what was loaded: a Set of the value already stored is no
// change. Once the response has started, nothing is left to save: it
// reports StatusDestroyed if Destroy was called, else StatusUnmodified.
func (s *Session[T]) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.ops.destroyed:
		return StatusDestroyed
	case !s.committed && s.modifiedLocked():
		return StatusModified
	}
	return StatusUnmodified
}

// modifiedLocked reports whether the commit would save the session.
func (s *Session[T]) modifiedLocked() bool {
	if !s.base.loaded || s.key != s.base.key {
		// New, or renewed: saved if it holds info, or if it is a renewal
		// (the old record retired).
		return s.hasInfoLocked() || s.base.loaded
	}
	if s.ops.metaDirty || s.user != s.base.user {
		return true
	}
	if !s.ops.dataTouched || mapClean(&s.data) || s.m == nil {
		return false
	}
	data, err := s.encodeLocked()
	return err != nil || string(data) != string(s.base.data)
}
