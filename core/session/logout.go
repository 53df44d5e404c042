package session

import (
	"context"
	"errors"
	"fmt"
)

// LogoutUser ends every session of user ("log out everywhere"): it deletes
// them through the store's user index (Store.Prune with Filter{User:
// user}), in time proportional to that user's sessions, and returns how
// many it deleted. An empty user is an error: it would match every
// session.
//
// Called with a request's context (r.Context()) whose session belongs to
// user, it also destroys that session as [Session.Destroy] does, so the
// request cannot write it back, with one difference: the session's flash
// messages, those it loaded and those the handler adds, are kept. The page
// can still show them (TakeFlashes, Flashes), or, when it redirects, a
// fresh anonymous session carries them to the next page; nothing is
// stored when none are left at the commit. Calling Destroy as well does no
// harm, but drops the flashes queued before it.
//
//	n, err := mgr.LogoutUser(r.Context(), s.User())
//	if err != nil { ... }
//	s.AddFlashKind(session.FlashSuccess, fmt.Sprintf("Logged out of %d sessions.", n))
//	http.Redirect(w, r, "/", http.StatusSeeOther)
//
// It wins over every request of the user in flight: once it returns, no
// session of user that existed or was being renewed when it started loads
// with that user again. A request's save finds its record gone and drops
// its changes; a renewal (SetUser, Renew) that was creating the session's
// new record gives up, because LogoutUser first records, in a revocation
// record beside the sessions, that it is running, and a renewal reads that
// record before it keeps its new record. A login that starts after
// LogoutUser returns is unaffected. A plain Store.Prune by user does not
// leave that mark, and so does not win over a renewal in flight.
//
// Called from elsewhere (an admin page, a cron job) with any context, it
// only signs out.
func (m *Manager[T]) LogoutUser(ctx context.Context, user string) (int, error) {
	if user == "" {
		return 0, errors.New("session: LogoutUser: empty user")
	}
	if s, ok := m.fromContext(ctx); ok && s.User() == user {
		s.destroyKeepingFlashes()
	}
	n, err := m.revoke(ctx, user, nil)
	if err != nil {
		return n, fmt.Errorf("session: log out user: %w", err)
	}
	return n, nil
}

// destroyKeepingFlashes destroys the session as Destroy does, but keeps its
// queued flashes for the fresh session that follows.
func (s *Session[T]) destroyKeepingFlashes() {
	s.mu.Lock()
	flashes, committed := s.flashes, s.committed
	s.mu.Unlock()
	s.Destroy()
	if committed || len(flashes) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flashes = append(flashes, s.flashes...)
	s.ops.flashAdded = append(s.ops.flashAdded, flashes...)
	s.ops.metaDirty = true
}
