package sqlstoretest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/sqlstore"
)

func testListPages(t *testing.T, k *kit) {
	c := &Counter{}
	db := k.open(t, k.h.Addr, c)
	s := k.newStore(t, db, sqlstore.WithPageSize(3))
	ctx := ctxT(t)
	u, v := "pages-u-"+randomHex(t, 4), "pages-v-"+randomHex(t, 4)
	mine := map[string]string{}
	for i := 0; i < 10; i++ {
		key := newKey(t)
		mine[key] = fmt.Sprintf("u%d", i)
		mustSave(t, s, key, live(u, mine[key]))
	}
	for i := 0; i < 2; i++ {
		mustSave(t, s, newKey(t), live(v, "v"))
	}
	list := func(f session.Filter, stopAfter int) (map[string]string, int64) {
		s0 := c.Statements()
		got := map[string]string{}
		for e, err := range s.List(ctx, f) {
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			if _, dup := got[e.Key]; dup {
				t.Errorf("List yields key %s twice", e.Key)
			}
			got[e.Key] = string(e.Record.Data)
			if len(got) == stopAfter {
				break
			}
		}
		return got, c.Statements() - s0
	}
	got, n := list(session.Filter{User: u}, -1)
	if len(got) != 10 {
		t.Errorf("List(User) with pages of 3 yields %d records, want 10", len(got))
	}
	for key, data := range mine {
		if got[key] != data {
			t.Errorf("List(User) misses or changes key %s: %q, want %q", key, got[key], data)
		}
	}
	if n != 4 {
		t.Errorf("List(User) of 10 records in pages of 3 ran %d SELECTs, want 4", n)
	}
	if got, n = list(session.Filter{}, -1); len(got) != 12 || n != 5 {
		t.Errorf("List() of 12 records in pages of 3 yields %d records with %d SELECTs, want 12 with 5", len(got), n)
	}
	if got, n = list(session.Filter{}, 4); len(got) != 4 || n != 2 {
		t.Errorf("List() stopped after 4 records yields %d records with %d SELECTs, want 4 with 2", len(got), n)
	}
}

func testPruneBatches(t *testing.T, k *kit) {
	c := &Counter{}
	db := k.open(t, k.h.Addr, c)
	s := k.newStore(t, db, sqlstore.WithSweepBatch(4))
	ctx := ctxT(t)
	n0 := now()
	user := "prune-" + randomHex(t, 4)
	for i := 0; i < 10; i++ {
		mustSave(t, s, newKey(t), session.Record{User: user, Data: []byte("old"), Created: n0.Add(-2 * time.Hour), Accessed: n0.Add(-2 * time.Hour), Expires: n0.Add(-time.Hour)})
	}
	liveKeys := []string{newKey(t), newKey(t), newKey(t)}
	for _, key := range liveKeys {
		mustSave(t, s, key, live(user, "live"))
	}
	s0 := c.Statements()
	n, err := s.Prune(ctx, session.Filter{ExpiresBefore: now()})
	if n != 10 || err != nil {
		t.Errorf("Prune(expired) = %d, %v; want 10, nil", n, err)
	}
	if st := c.Statements() - s0; st != 3 {
		t.Errorf("Prune of 10 rows in batches of 4 ran %d DELETEs, want 3", st)
	}
	for _, key := range liveKeys {
		mustLoad(t, s, key)
	}
	s0 = c.Statements()
	if n, err := s.Prune(ctx, session.Filter{User: user}); n != 3 || err != nil {
		t.Errorf("Prune(User) = %d, %v; want 3, nil", n, err)
	}
	if st := c.Statements() - s0; st != 1 {
		t.Errorf("Prune(User) of 3 rows in batches of 4 ran %d DELETEs, want 1", st)
	}
}

func testSweeper(t *testing.T, k *kit) {
	db := k.open(t, k.h.Addr, &Counter{})
	clock := now().Add(24 * time.Hour) // the store's clock: a day ahead
	var (
		mu      sync.Mutex
		deleted int
		closed  atomic.Bool
	)
	swept := make(chan struct{}, 1)
	hook := func(n int, err error) {
		if closed.Load() {
			t.Error("the sweeper ran after Close returned")
		}
		mu.Lock()
		deleted += n
		mu.Unlock()
		select {
		case swept <- struct{}{}:
		default:
		}
	}
	s := k.newStore(t, db, sqlstore.WithClock(func() time.Time { return clock }),
		sqlstore.WithSweepInterval(5*time.Millisecond), sqlstore.WithSweepBatch(2), sqlstore.WithSweepHook(hook))
	user := "sweep-" + randomHex(t, 4)
	n0 := now()
	for i := 0; i < 5; i++ {
		// Live by the wall clock, expired by the store's.
		mustSave(t, s, newKey(t), session.Record{User: user, Data: []byte("stale"), Created: n0, Accessed: n0, Expires: n0.Add(time.Hour)})
	}
	keep := newKey(t)
	mustSave(t, s, keep, session.Record{User: user, Data: []byte("fresh"), Created: n0, Accessed: n0, Expires: clock.Add(time.Hour)})

	deadline := time.After(30 * time.Second)
	for {
		mu.Lock()
		d := deleted
		mu.Unlock()
		if d >= 5 {
			break
		}
		select {
		case <-swept:
		case <-deadline:
			t.Fatalf("the sweeper deleted %d of 5 expired rows in 30 s", d)
		}
	}
	var left int
	for e, err := range s.List(ctxT(t), session.Filter{User: user}) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Key != keep {
			t.Errorf("after sweeping, an expired row is left: %q", e.Record.Data)
		}
		left++
	}
	if left != 1 {
		t.Errorf("after sweeping, %d rows of the user are left, want the 1 live one", left)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	closed.Store(true)
}

// testPrepareRetried checks that a statement whose preparation failed (no
// table yet) is prepared again later.
func testPrepareRetried(t *testing.T, k *kit) {
	db := k.open(t, k.h.Addr, &Counter{})
	s, err := sqlstore.New(db, k.h.Dialect, sqlstore.WithTable(tableName(t)), sqlstore.WithSweepInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	k.dropAtEnd(t, s.Names())
	key := newKey(t)
	if _, err := s.Load(ctxT(t), key); err == nil || errors.Is(err, session.ErrNotFound) {
		t.Errorf("Load before Setup = %v, want an error other than ErrNotFound", err)
	}
	if err := s.Setup(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(ctxT(t), key); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("Load after Setup = %v, want ErrNotFound", err)
	}
	mustSave(t, s, key, live("retry", "after setup"))
	mustLoad(t, s, key)
}

// testPruneRechecks: a session that stops matching a Prune's filter while
// the DELETE runs (a request touches it) must survive. The touching
// transaction holds the row while Prune starts, and commits while Prune's
// DELETE waits for the row; the pause before the commit only gives the
// DELETE time to reach the row (were it shorter, the test would pass
// without exercising the race, never fail wrongly).
func testPruneRechecks(t *testing.T, k *kit) {
	db := k.open(t, k.h.Addr, &Counter{})
	s := k.newStore(t, db)
	ctx := ctxT(t)
	n := now()
	key := newKey(t)
	old := n.Add(-2 * time.Hour)
	if err := s.Save(ctx, key, session.Record{User: "prune-" + randomHex(t, 4), Data: []byte("x"), Created: old, Accessed: old, Expires: n.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	tx, err := k.admin.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, sqlx.Rebind(k.h.Dialect.BindType(), "UPDATE "+s.Names().Table+" SET accessed = ? WHERE session_key = ?"), k.h.Dialect.TimeValue(n), key); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.Prune(ctx, session.Filter{AccessedBefore: n.Add(-time.Hour)})
		done <- err
	}()
	time.Sleep(300 * time.Millisecond)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(ctx, key); err != nil {
		t.Errorf("a session touched while Prune(AccessedBefore) ran was deleted: Load = %v", err)
	}
}
