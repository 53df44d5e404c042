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
// Another request of the user in flight when LogoutUser runs cannot
// restore its session: its save finds the record gone and drops its
// changes. Called from elsewhere (an admin page, a cron job) with any
// context, it only deletes.
func (m *Manager[T]) LogoutUser(ctx context.Context, user string) (int, error) {
	if user == "" {
		return 0, errors.New("session: LogoutUser: empty user")
	}
	if s, ok := m.FromContext(ctx); ok && s.User() == user {
		s.destroyKeepingFlashes()
	}
	n, err := m.store.Prune(ctx, Filter{User: user})
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
