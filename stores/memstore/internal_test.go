package memstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

func testKey(i int) string { return fmt.Sprintf("%064x", i) }

// checkIndex verifies that the user index holds exactly the keys of each
// user's records.
func checkIndex(t *testing.T, s *Store) {
	t.Helper()
	s.mu.RLock()
	defer s.mu.RUnlock()
	indexed := 0
	for user, keys := range s.users {
		if len(keys) == 0 {
			t.Errorf("user %q has an empty key set in the index", user)
		}
		for key := range keys {
			r, ok := s.records[key]
			switch {
			case !ok:
				t.Errorf("index: user %q lists key %s, which has no record", user, key)
			case r.User != user:
				t.Errorf("index: user %q lists key %s, whose record belongs to %q", user, key, r.User)
			}
			indexed++
		}
	}
	want := 0
	for key, r := range s.records {
		if r.User == "" {
			continue
		}
		want++
		if _, ok := s.users[r.User][key]; !ok {
			t.Errorf("index: key %s of user %q is not indexed", key, r.User)
		}
	}
	if indexed != want {
		t.Errorf("index holds %d keys, want %d", indexed, want)
	}
	checkHeap(t, s)
}

// checkHeap verifies that the expiry heap holds every record once, each
// at the index it knows, in heap order.
func checkHeap(t *testing.T, s *Store) {
	t.Helper()
	if len(s.exp) != len(s.records) {
		t.Errorf("expiry heap holds %d entries, the store %d records", len(s.exp), len(s.records))
	}
	for i, e := range s.exp {
		if e.idx != i {
			t.Errorf("heap entry %d thinks it is at %d", i, e.idx)
		}
		if s.records[e.key] != e {
			t.Errorf("heap entry %d (%s) is not the stored record", i, e.key)
		}
		if i > 0 && e.Expires.Before(s.exp[(i-1)/2].Expires) {
			t.Errorf("heap entry %d expires before its parent", i)
		}
	}
}

// Prune by expiry and access time together deletes exactly the records
// that match both, whatever their number.
func TestPruneExpiredAndIdle(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	s := New(WithClock(func() time.Time { return now }), WithSweepInterval(0))
	defer s.Close()
	want := 0
	for i := 0; i < 5*chunkSize; i++ {
		r := session.Record{User: fmt.Sprint("u", i%7), Accessed: now, Expires: now.Add(time.Duration(i%3-1) * time.Hour)}
		if i%2 == 0 {
			r.Accessed = now.Add(-2 * time.Hour)
		}
		if i%2 == 0 && i%3 != 2 {
			want++
		}
		if err := s.Save(ctx, testKey(i), r); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.Prune(ctx, session.Filter{ExpiresBefore: now, AccessedBefore: now.Add(-time.Hour)})
	if err != nil || n != want {
		t.Fatalf("Prune = %d, %v; want %d", n, err, want)
	}
	for key, r := range s.records {
		if !r.Expires.After(now) && r.Accessed.Before(now.Add(-time.Hour)) {
			t.Errorf("%s matches and was not pruned", key)
		}
	}
	checkIndex(t, s)
}

// A random mix of every operation keeps the user index exact.
func TestIndexStaysConsistent(t *testing.T) {
	ctx := context.Background()
	clock := sessiontest.NewClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	s := New(WithClock(clock.Now), WithSweepInterval(0), WithMaxSessions(150))
	defer s.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	users := []string{"", "ann", "bob", "cy", "dee"}
	for i := 0; i < 20000; i++ {
		key := testKey(rng.IntN(200))
		user := users[rng.IntN(len(users))]
		exp := clock.Now().Add(time.Duration(rng.IntN(120)-20) * time.Minute)
		switch op := rng.IntN(100); {
		case op < 40:
			var version uint64
			if cur, err := s.Load(ctx, key); err == nil {
				version = cur.Version
			} else if rng.IntN(4) == 0 {
				version = uint64(rng.IntN(3)) // often a conflict
			}
			_ = s.Save(ctx, key, session.Record{User: user, Expires: exp, Accessed: clock.Now(), Version: version})
		case op < 55:
			_ = s.Delete(ctx, key)
		case op < 70:
			_ = s.Touch(ctx, key, clock.Now(), exp)
		case op < 75:
			_, _ = s.Prune(ctx, session.Filter{User: user, ExpiresBefore: clock.Now()})
		case op < 78:
			_, _ = s.Prune(ctx, session.Filter{AccessedBefore: clock.Now().Add(-30 * time.Minute)})
		case op < 80:
			s.sweep()
		case op < 85:
			for e, err := range s.List(ctx, session.Filter{User: user}) {
				if err != nil {
					t.Fatal(err)
				}
				if rng.IntN(3) == 0 {
					_ = s.Delete(ctx, e.Key)
				}
			}
		default:
			clock.Advance(time.Minute)
		}
		if i%500 == 0 {
			checkIndex(t, s)
		}
	}
	checkIndex(t, s)
}

// List yields every record present throughout exactly once, even when the
// consumer deletes records (its own and others) and creates new ones.
func TestListWhileChanging(t *testing.T) {
	ctx := context.Background()
	s := New(WithSweepInterval(0))
	defer s.Close()
	const n = 5 * chunkSize
	exp := time.Now().Add(time.Hour)
	for i := 0; i < n; i++ {
		if err := s.Save(ctx, testKey(i), session.Record{User: "u", Expires: exp}); err != nil {
			t.Fatal(err)
		}
	}
	// Keys n..2n-1 are created during the listing; odd keys below n are
	// deleted by the consumer before they are reached or after.
	seen := map[string]int{}
	created := n
	for _, f := range []session.Filter{{}, {User: "u"}} {
		clear(seen)
		for e, err := range s.List(ctx, f) {
			if err != nil {
				t.Fatal(err)
			}
			seen[e.Key]++
			if created < 2*n {
				_ = s.Save(ctx, testKey(created), session.Record{User: "u", Expires: exp})
				created++
			}
			_ = s.Delete(ctx, e.Key)
		}
		for key, c := range seen {
			if c != 1 {
				t.Errorf("List(%+v) yielded %s %d times", f, key, c)
			}
		}
		if f.User == "" {
			for i := 0; i < n; i++ {
				if seen[testKey(i)] != 1 {
					t.Fatalf("List(Filter{}) missed key %d, present before the listing began", i)
				}
			}
		}
	}
	checkIndex(t, s)
}

// List releases the lock between chunks: writers make progress while a
// slow consumer lists, and the race detector sees no unsynchronised access.
func TestListConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	s := New(WithSweepInterval(0))
	defer s.Close()
	exp := time.Now().Add(time.Hour)
	for i := 0; i < 4*chunkSize; i++ {
		_ = s.Save(ctx, testKey(i), session.Record{User: fmt.Sprint("u", i%3), Data: []byte("x"), Expires: exp})
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				k := testKey(4*chunkSize + w*100000 + i%1000)
				_ = s.Save(ctx, k, session.Record{User: fmt.Sprint("u", i%3), Expires: exp})
				_ = s.Delete(ctx, testKey(i%(4*chunkSize)))
				_, _ = s.Prune(ctx, session.Filter{User: "u1", ExpiresBefore: time.Now()})
			}
		}()
	}
	for i := 0; i < 20; i++ {
		for e, err := range s.List(ctx, session.Filter{User: fmt.Sprint("u", i%3)}) {
			if err != nil {
				t.Fatal(err)
			}
			if len(e.Record.Data) > 1 {
				t.Fatalf("bad record %+v", e)
			}
		}
	}
	close(stop)
	wg.Wait()
	checkIndex(t, s)
}

func TestSweepRemovesExpired(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	s := New(WithClock(func() time.Time { return now }), WithSweepInterval(0))
	defer s.Close()
	for i := 0; i < 3*chunkSize; i++ {
		exp := now.Add(time.Minute)
		if i%2 == 0 {
			exp = now // expires at this instant
		}
		if err := s.Save(ctx, testKey(i), session.Record{User: fmt.Sprint("u", i%5), Expires: exp}); err != nil {
			t.Fatal(err)
		}
	}
	if got := s.sweep(); got != 3*chunkSize/2 {
		t.Errorf("sweep removed %d, want %d", got, 3*chunkSize/2)
	}
	if s.Len() != 3*chunkSize/2 {
		t.Errorf("Len after sweep = %d, want %d", s.Len(), 3*chunkSize/2)
	}
	checkIndex(t, s)
}

// The sweeper goroutine sweeps on its own and stops on Close. The clock
// reports its calls: the sweeper's second call of the clock means its
// first sweep has finished.
func TestSweeperGoroutine(t *testing.T) {
	ctx := context.Background()
	base := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	calls := make(chan struct{}, 100)
	c := sessiontest.NewClock(base)
	var closed atomic.Bool
	clock := func() time.Time {
		if closed.Load() {
			panic("the sweeper read the clock after Close returned")
		}
		select {
		case calls <- struct{}{}:
		default:
		}
		return c.Now()
	}
	s := New(WithClock(clock), WithSweepInterval(time.Millisecond))
	if err := s.Save(ctx, testKey(1), session.Record{User: "u", Expires: base.Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	c.Set(base.Add(time.Hour))
	// Drain calls made before the clock moved, then wait for two sweeps.
	for len(calls) > 0 {
		<-calls
	}
	for i := 0; i < 2; i++ {
		select {
		case <-calls:
		case <-time.After(30 * time.Second):
			t.Fatal("the sweeper never ran")
		}
	}
	if s.Len() != 0 {
		t.Errorf("after a sweep, Len = %d, want 0", s.Len())
	}
	checkIndex(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	closed.Store(true)
}
