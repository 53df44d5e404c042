package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/session2/session2/conformance"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
	"github.com/session2/session2/stores/redisstore"
)

// TestConformance runs the store suite on the shared server, each
// subtest under a prefix of its own.
func TestConformance(t *testing.T) {
	c := newClient(t)
	conformance.TestStore(t, func(t *testing.T) session.Store { return newStore(t, c) })
}

// TestAdapterConformance runs the whole request lifecycle over the store,
// behind the core's net/http middleware.
func TestAdapterConformance(t *testing.T) {
	c := newClient(t)
	conformance.TestAdapterOn(t, func(t *testing.T) session.Store { return newStore(t, c) }, conformance.NetHTTP)
}

// TestUserIndex runs the user-index tests on the shared server.
func TestUserIndex(t *testing.T) {
	c := newClient(t)
	runIndexTests(t, c)
}

// TestCluster starts a three-master Redis Cluster and runs the store suite,
// the adapter suite and the user-index tests on it.
func TestCluster(t *testing.T) {
	serverOptions(t) // the cluster is private, but run with the other Redis tests
	cc := startCluster(t)
	t.Run("Conformance", func(t *testing.T) {
		conformance.TestStore(t, func(t *testing.T) session.Store { return newStore(t, cc) })
	})
	t.Run("Adapter", func(t *testing.T) {
		conformance.TestAdapterOn(t, func(t *testing.T) session.Store { return newStore(t, cc) }, conformance.NetHTTP)
	})
	t.Run("UserIndex", func(t *testing.T) { runIndexTests(t, cc) })
	t.Run("OpenURL", func(t *testing.T) {
		addrs := cc.Options().Addrs
		prefix := "session2test:" + randomHex(t, 6) + ":"
		raw := "redis+cluster://" + addrs[0] + "?addr=" + addrs[1] + "&addr=" + addrs[2] + "&prefix=" + prefix
		st, err := session.OpenStore(ctxT(t), raw)
		if err != nil {
			t.Fatalf("OpenStore(%s) = %v", raw, err)
		}
		t.Cleanup(func() { dropPrefix(cc, prefix); st.Close() })
		key := newKey(t)
		mustSave(t, st, key, live("by-url", "x"))
		if got := list(t, st, session.Filter{}); len(got) != 1 {
			t.Errorf("List over the cluster opened by URL = %d records, want 1", len(got))
		}
	})
	t.Run("DifferentSlots", func(t *testing.T) {
		// What makes the index eventual: a session and its user's index
		// are (in general) in different slots, which no script may span.
		s := newStore(t, cc)
		ctx := ctxT(t)
		key := newKey(t)
		a, err := cc.ClusterKeySlot(ctx, s.Prefix()+"s:"+key).Result()
		if err != nil {
			t.Fatal(err)
		}
		b, err := cc.ClusterKeySlot(ctx, s.Prefix()+"u:someone").Result()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("session key slot %d, index slot %d", a, b)
		mustSave(t, s, key, live("someone", "x"))
		if got := list(t, s, session.Filter{User: "someone"}); len(got) != 1 {
			t.Errorf("List(User) across slots = %d records, want 1", len(got))
		}
	})
}

func list(t testing.TB, s session.Store, f session.Filter) map[string]session.Record {
	t.Helper()
	out := map[string]session.Record{}
	for e, err := range s.List(context.Background(), f) {
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		out[e.Key] = e.Record
	}
	return out
}

// runIndexTests checks the user index on client c (a server or a cluster).
func runIndexTests(t *testing.T, c redis.UniversalClient) {
	t.Run("StaleEntriesHealOnRead", func(t *testing.T) {
		clk := sessiontest.NewClock(time.Now())
		s := newStore(t, c, redisstore.WithClock(clk.Now))
		ctx := ctxT(t)
		user := "heal-" + randomHex(t, 4)
		var keys []string
		for i := 0; i < 5; i++ {
			k := newKey(t)
			mustSave(t, s, k, live(user, "x"))
			keys = append(keys, k)
		}
		// Two deleted, one moved to another user, one gone behind the
		// store's back (as TTL expiry does).
		s.Delete(ctx, keys[0])
		s.Delete(ctx, keys[1])
		mustSave(t, s, keys[2], session.Record{User: "other-" + user, Data: []byte("y"), Created: now(), Accessed: now(), Expires: now().Add(time.Hour), Version: 1})
		c.Del(ctx, s.Prefix()+"s:"+keys[3])
		clk.Advance(11 * time.Minute) // past the grace of young entries
		idx := s.Prefix() + "u:" + user
		if n := c.ZCard(ctx, idx).Val(); n != 5 {
			t.Fatalf("index holds %d entries before the read, want all 5 (it is trimmed lazily)", n)
		}
		got := list(t, s, session.Filter{User: user})
		if len(got) != 1 {
			t.Errorf("List(User) = %d records, want the 1 live one", len(got))
		}
		if _, ok := got[keys[4]]; !ok {
			t.Errorf("List(User) misses the live record")
		}
		if n := c.ZCard(ctx, idx).Val(); n != 1 {
			t.Errorf("after List(User), the index holds %d entries, want 1 (stale ones dropped)", n)
		}
	})

	t.Run("YoungEntriesKept", func(t *testing.T) {
		// An entry younger than the grace may belong to a Save whose
		// script has not run yet: no heal removes it.
		s := newStore(t, c)
		ctx := ctxT(t)
		user := "young-" + randomHex(t, 4)
		k := newKey(t)
		mustSave(t, s, k, live(user, "x"))
		s.Delete(ctx, k)
		list(t, s, session.Filter{User: user})
		if c.ZScore(ctx, s.Prefix()+"u:"+user, k).Err() != nil {
			t.Errorf("a heal removed an entry written a moment ago")
		}
	})

	t.Run("LoginHealsGrownIndex", func(t *testing.T) {
		clk := sessiontest.NewClock(time.Now())
		s := newStore(t, c, redisstore.WithClock(clk.Now))
		ctx := ctxT(t)
		user := "grown-" + randomHex(t, 4)
		var live1 string
		for i := 0; i < 32; i++ {
			k := newKey(t)
			mustSave(t, s, k, live(user, "x"))
			if i > 0 {
				s.Delete(ctx, k) // a logout leaves its index entry
			} else {
				live1 = k
			}
		}
		idx := s.Prefix() + "u:" + user
		if n := c.ZCard(ctx, idx).Val(); n != 32 {
			t.Fatalf("index holds %d entries, want 32", n)
		}
		clk.Advance(11 * time.Minute) // past the grace of young entries
		mustSave(t, s, newKey(t), live(user, "the login that finds 32 old entries"))
		if n := c.ZCard(ctx, idx).Val(); n != 2 {
			t.Errorf("after the login that found 32 old entries, the index holds %d entries, want the 2 live", n)
		}
		// The live entry the heal checked moved to the back: scored now.
		if sc := c.ZScore(ctx, idx, live1).Val(); time.UnixMicro(int64(sc)).Before(clk.Now().Add(-time.Minute)) {
			t.Errorf("the live entry the heal checked kept its old score")
		}
	})

	t.Run("LoginHealIsBounded", func(t *testing.T) {
		// A login never reads an index in full: with 1,022 stale entries
		// older than the grace, each login drops the 32 oldest and no more,
		// so that its cost does not grow with the index (the first login
		// brings the index to 1,024, where a heal of the whole index ran
		// before).
		clk := sessiontest.NewClock(time.Now())
		s := newStore(t, c, redisstore.WithClock(clk.Now))
		ctx := ctxT(t)
		user := "bounded-" + randomHex(t, 4)
		idx := s.Prefix() + "u:" + user
		mustSave(t, s, newKey(t), live(user, "x"))
		old := float64(clk.Now().Add(-time.Hour).UnixMicro())
		p := c.Pipeline()
		for i := 0; i < 1022; i++ {
			p.ZAdd(ctx, idx, redis.Z{Score: old, Member: newKey(t)}) // no session: stale
		}
		if _, err := p.Exec(ctx); err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= 3; i++ {
			mustSave(t, s, newKey(t), live(user, "login"))
			if n, want := c.ZCard(ctx, idx).Val(), int64(1023+i-32*i); n != want {
				t.Fatalf("after login %d the index holds %d entries, want %d (a heal of the 32 oldest)", i, n, want)
			}
		}
	})

	t.Run("IndexOfTheHashLayout", func(t *testing.T) {
		// An index written by the layout before sorted sets (a hash of
		// key -> "<written µs>.<random>") is converted on first use.
		clk := sessiontest.NewClock(time.Now())
		s := newStore(t, c, redisstore.WithClock(clk.Now))
		ctx := ctxT(t)
		user := "hash-" + randomHex(t, 4)
		idx := s.Prefix() + "u:" + user
		kLive, kGone := newKey(t), newKey(t)
		mustSave(t, s, kLive, live("", "x"))
		rec := live(user, "x")
		rec.Version = 1
		c.Del(ctx, idx)
		written := strconv.FormatInt(clk.Now().Add(-time.Hour).UnixMicro(), 10)
		// The record names the user; write it behind the store's back
		// so that only the hash index holds its entry.
		c.HSet(ctx, s.Prefix()+"s:"+kLive, "u", user)
		if err := c.HSet(ctx, idx, kLive, written+".abc", kGone, written+".def").Err(); err != nil {
			t.Fatal(err)
		}
		got := list(t, s, session.Filter{User: user})
		if _, ok := got[kLive]; !ok || len(got) != 1 {
			t.Errorf("List(User) over a hash index = %d records, want the live one", len(got))
		}
		if typ := c.Type(ctx, idx).Val(); typ != "zset" {
			t.Errorf("after List(User), the index is a %s, want a zset", typ)
		}
		if err := c.ZScore(ctx, idx, kGone).Err(); err != redis.Nil {
			t.Errorf("the stale entry of the hash index survived List(User): %v", err)
		}
		c.Del(ctx, idx)
		c.HSet(ctx, idx, kLive, written+".abc")
		mustSave(t, s, newKey(t), live(user, "a login on a hash index"))
		if n, err := s.Prune(ctx, session.Filter{User: user}); err != nil || n != 2 {
			t.Errorf("Prune(User) after a login on a hash index = %d, %v; want 2", n, err)
		}
	})

	t.Run("PruneWithoutUserHealsIndexes", func(t *testing.T) {
		clk := sessiontest.NewClock(time.Now())
		s := newStore(t, c, redisstore.WithClock(clk.Now))
		ctx := ctxT(t)
		user := "gc-" + randomHex(t, 4)
		k := newKey(t)
		mustSave(t, s, k, live(user, "x"))
		s.Delete(ctx, k)
		clk.Advance(11 * time.Minute) // past the grace of young entries
		if _, err := s.Prune(ctx, session.Filter{ExpiresBefore: now()}); err != nil {
			t.Fatal(err)
		}
		if n := c.Exists(ctx, s.Prefix()+"u:"+user).Val(); n != 0 {
			t.Errorf("after Prune(ExpiresBefore: now), the index of a user with no session still exists")
		}
	})

	t.Run("UserChangeWritesIndexFirst", func(t *testing.T) {
		s := newStore(t, c)
		ctx := ctxT(t)
		u1, u2 := "first-"+randomHex(t, 4), "second-"+randomHex(t, 4)
		k := newKey(t)
		mustSave(t, s, k, live("", "anonymous"))
		rec := live(u1, "logged in on the same key")
		rec.Version = 1
		mustSave(t, s, k, rec)
		if err := c.ZScore(ctx, s.Prefix()+"u:"+u1, k).Err(); err != nil {
			t.Errorf("an update that set the user did not write the index")
		}
		rec = live(u2, "another user")
		rec.Version = 2
		mustSave(t, s, k, rec)
		if got := list(t, s, session.Filter{User: u2}); len(got) != 1 {
			t.Errorf("List(User: u2) = %d, want 1", len(got))
		}
		if got := list(t, s, session.Filter{User: u1}); len(got) != 0 {
			t.Errorf("List(User: u1) = %d, want 0", len(got))
		}
	})

	t.Run("LogoutEverywhereRacingLogins", func(t *testing.T) {
		// Every session of the user that exists when Prune starts is
		// deleted, while other goroutines keep logging the user in and
		// healing the index.
		s := newStore(t, c)
		ctx := ctxT(t)
		user := "everywhere-" + randomHex(t, 4)
		var before []string
		for i := 0; i < 100; i++ {
			k := newKey(t)
			mustSave(t, s, k, live(user, "before"))
			before = append(before, k)
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					k := newKey(t)
					if err := s.Save(ctx, k, live(user, "during")); err != nil {
						t.Errorf("login during Prune: %v", err)
						return
					}
					s.Delete(ctx, k) // leaves stale entries, so heals run
				}
			}()
		}
		if _, err := s.Prune(ctx, session.Filter{User: user}); err != nil {
			t.Fatal(err)
		}
		close(stop)
		wg.Wait()
		for _, k := range before {
			if _, err := s.Load(ctx, k); !errors.Is(err, session.ErrNotFound) {
				t.Fatalf("a session that existed before Prune(User) survived it: Load = %v", err)
			}
		}
	})

	t.Run("IndexNeverMissesALiveSession", func(t *testing.T) {
		// Heals race saves that move one key between users: at the end,
		// every key naming a user is in that user's index.
		s := newStore(t, c)
		ctx := ctxT(t)
		users := []string{"a-" + randomHex(t, 4), "b-" + randomHex(t, 4)}
		keys := make([]string, 8)
		for i := range keys {
			keys[i] = newKey(t)
			mustSave(t, s, keys[i], live(users[0], "x"))
		}
		var wg sync.WaitGroup
		for i, k := range keys {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for v := uint64(1); v <= 30; v++ {
					rec := live(users[(int(v)+i)%2], fmt.Sprint(v))
					rec.Version = v
					if err := s.Save(ctx, k, rec); err != nil {
						t.Errorf("save: %v", err)
						return
					}
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 30; i++ {
				for _, u := range users {
					list(t, s, session.Filter{User: u}) // heals
				}
			}
		}()
		wg.Wait()
		for _, k := range keys {
			rec, err := s.Load(ctx, k)
			if err != nil {
				t.Fatal(err)
			}
			if c.ZScore(ctx, s.Prefix()+"u:"+rec.User, k).Err() != nil {
				t.Errorf("key names user %q but is missing from that user's index", rec.User)
			}
		}
	})
}

// TestOptions checks New's validation.
func TestOptions(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer c.Close()
	for _, tc := range []struct {
		name string
		opts []redisstore.Option
	}{
		{"empty prefix", []redisstore.Option{redisstore.WithPrefix("")}},
		{"negative retention", []redisstore.Option{redisstore.WithRetention(-time.Second)}},
		{"nil clock", []redisstore.Option{redisstore.WithClock(nil)}},
	} {
		if _, err := redisstore.New(c, tc.opts...); !errors.Is(err, session.ErrInvalidConfig) {
			t.Errorf("%s: New = %v, want ErrInvalidConfig", tc.name, err)
		}
	}
	if _, err := redisstore.New(nil); !errors.Is(err, session.ErrInvalidConfig) {
		t.Errorf("New(nil) = %v, want ErrInvalidConfig", err)
	}
}

// TestScriptCacheFlushed empties the script cache of a private server
// between calls, as a restart or a failover does: every method still
// works, sending a script whole (EVAL) when EVALSHA finds it missing.
func TestScriptCacheFlushed(t *testing.T) {
	serverOptions(t) // a private server, run with the other Redis tests
	srv := startServer(t)
	c := redis.NewClient(&redis.Options{Addr: srv.addr})
	t.Cleanup(func() { c.Close() })
	s := newStore(t, c)
	ctx := ctxT(t)
	flush := func() {
		t.Helper()
		if err := c.ScriptFlush(ctx).Err(); err != nil {
			t.Fatal(err)
		}
	}
	user := "flushed-" + randomHex(t, 4)
	var keys []string
	for i := 0; i < 3; i++ {
		flush()
		k := newKey(t)
		mustSave(t, s, k, live(user, "x"))
		keys = append(keys, k)
	}
	flush()
	if err := s.Touch(ctx, keys[0], now(), now().Add(time.Hour)); err != nil {
		t.Errorf("Touch after SCRIPT FLUSH = %v", err)
	}
	flush()
	rec := live(user, "y")
	rec.Version = 1
	if err := s.Save(ctx, keys[0], rec); err != nil {
		t.Errorf("Save (update) after SCRIPT FLUSH = %v", err)
	}
	flush()
	if n, err := s.Prune(ctx, session.Filter{User: user}); err != nil || n != 3 {
		t.Errorf("Prune(User) after SCRIPT FLUSH = (%d, %v), want (3, nil)", n, err)
	}
	k := newKey(t)
	mustSave(t, s, k, live("", "z"))
	flush()
	if n, err := s.Prune(ctx, session.Filter{AccessedBefore: now().Add(time.Minute)}); err != nil || n != 1 {
		t.Errorf("Prune(AccessedBefore) after SCRIPT FLUSH = (%d, %v), want (1, nil)", n, err)
	}
}
