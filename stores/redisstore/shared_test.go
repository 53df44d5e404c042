package redisstore_test

import (
	"testing"
	"time"

	"github.com/session2/session2/conformance"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/redisstore"
)

// TestShared runs what every shared store promises: two servers, each with
// a client and a store of its own on one prefix; a restart; one round trip
// per operation, counted by a go-redis hook.
func TestShared(t *testing.T) {
	conformance.TestSharedStore(t, conformance.SharedStore{
		Open: func(t *testing.T) session.Store { return newStore(t, newClient(t)) },
		Reopen: func(t *testing.T, s session.Store) session.Store {
			return sibling(t, s.(*redisstore.Store), newClient(t))
		},
		Counted: func(t *testing.T) (session.Store, func() int) {
			c := newClient(t)
			cnt := &counter{}
			c.AddHook(cnt)
			s := newStore(t, c)
			if err := s.Setup(ctxT(t)); err != nil { // dials, and caches the scripts
				t.Fatal(err)
			}
			return s, func() int { return int(cnt.n.Load()) }
		},
	})
}

// TestUserIndexRoundTrips counts the round trips of the Saves that change
// a record's user, which also write the user index.
func TestUserIndexRoundTrips(t *testing.T) {
	c := newClient(t)
	cnt := &counter{}
	c.AddHook(cnt)
	s := newStore(t, c)
	ctx := ctxT(t)
	if err := s.Setup(ctx); err != nil { // dials, and caches the scripts
		t.Fatal(err)
	}
	user := "rt-" + randomHex(t, 4)
	steps := []struct {
		name string
		want int64
		run  func() error
	}{
		{"Save (update, user unchanged)", 1, func() error {
			k := newKey(t)
			if err := s.Save(ctx, k, live(user, "x")); err != nil {
				return err
			}
			cnt.take()
			r := live(user, "y")
			r.Version = 1
			return s.Save(ctx, k, r)
		}},
		{"Save (create with a user: index first)", 2, func() error { return s.Save(ctx, newKey(t), live(user, "login")) }},
		{"Save (update to another user: script, index, script)", 3, func() error {
			k := newKey(t)
			if err := s.Save(ctx, k, live("", "anonymous")); err != nil {
				return err
			}
			cnt.take()
			r := live(user, "now named")
			r.Version = 1
			return s.Save(ctx, k, r)
		}},
		{"Touch of a logged-in session", 1, func() error {
			k := newKey(t)
			if err := s.Save(ctx, k, live(user, "x")); err != nil {
				return err
			}
			cnt.take()
			return s.Touch(ctx, k, now(), now().Add(time.Hour))
		}},
	}
	for _, st := range steps {
		cnt.take()
		if err := st.run(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got := cnt.take(); got != st.want {
			t.Errorf("%s: %d round trips, want %d", st.name, got, st.want)
		}
	}
}
