package lifecycle

import (
	"context"
	"testing"

	"github.com/session2/session2/conformance/storetest"
	"github.com/session2/session2/core/session"
)

// afterTombstone runs f once, after the renewal's tombstone is saved.
func afterTombstone(st *storetest.Store, f func()) {
	st.After(storetest.Save, storetest.Once(isTombstone, func(_ context.Context, _ string, _ session.Record, err error) error {
		if err == nil {
			f()
		}
		return err
	}))
}

// Security review, defect 1, race A: a complete logout that runs after a
// renewal retired the old record but before it created the new one must
// not leave the renewed session alive.
func TestLogoutBetweenTombstoneAndCreate(t *testing.T) {
	st := newStore(t)
	_, h := newAppOn(t, st, loginRoutes())
	_, tok := do(h, "/login?u=ann", "")
	afterTombstone(st, func() { do(h, "/logout", tok) }) // the logout tab
	_, renewed := do(h, "/renew", tok)
	if renewed != "" && renewed != "-" {
		if rec, _ := do(h, "/user", renewed); rec.Body.String() != "" {
			t.Errorf("a logout that ran during the renewal was lost: the renewed token gives user %q", rec.Body.String())
		}
	}
	if n := liveOf(t, st, "ann"); n != 0 {
		t.Errorf("%d live sessions of ann after her logout", n)
	}
}

// Security review, defect 1, race B: Prune(Filter{User: u}) ("log out
// everywhere") in the same gap must not leave the user logged in.
func TestPruneUserBetweenTombstoneAndCreate(t *testing.T) {
	st := newStore(t)
	_, h := newAppOn(t, st, loginRoutes())
	_, tok := do(h, "/login?u=bob", "")
	afterTombstone(st, func() {
		if _, err := st.Prune(context.Background(), session.Filter{User: "bob"}); err != nil {
			t.Error(err)
		}
	})
	_, renewed := do(h, "/renew", tok)
	if renewed != "" && renewed != "-" {
		if rec, _ := do(h, "/user", renewed); rec.Body.String() != "" {
			t.Errorf("a Prune by user during the renewal was lost: the renewed token gives user %q", rec.Body.String())
		}
	}
	if n := liveOf(t, st, "bob"); n != 0 {
		t.Errorf("%d live sessions of bob after pruning his sessions", n)
	}
}

// A renewal that nothing races keeps the session, under the new token
// only, and leaves no tombstone behind.
func TestRenewalLeavesNoTombstone(t *testing.T) {
	st := newStore(t)
	_, h := newAppOn(t, st, loginRoutes())
	_, tok := do(h, "/login?u=cy", "")
	_, renewed := do(h, "/renew", tok)
	if rec, _ := do(h, "/user", renewed); rec.Body.String() != "cy" {
		t.Fatalf("renewed session: user %q, want cy", rec.Body.String())
	}
	n := 0
	for _, err := range st.List(context.Background(), session.Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 1 {
		t.Errorf("%d records after one renewal, want 1", n)
	}
}
