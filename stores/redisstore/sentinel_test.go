package redisstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/redisstore"
)

// TestSentinelFailover starts a master, a replica and a Sentinel, stores
// sessions through a failover client, crashes the master once the replica
// has them, and checks that after Sentinel promotes the replica every
// session is still there, with its user index, and the store writes again.
func TestSentinelFailover(t *testing.T) {
	serverOptions(t) // private servers, but run with the other Redis tests
	master := startServer(t)
	replica := startServer(t, "replicaof "+strings.Replace(master.addr, ":", " ", 1))
	waitFor(t, 30*time.Second, "the replica's link to the master", func() bool {
		c := redis.NewClient(&redis.Options{Addr: replica.addr})
		defer c.Close()
		info, err := c.Info(context.Background(), "replication").Result()
		return err == nil && strings.Contains(info, "master_link_status:up")
	})
	sentinel := startProcess(t, []string{"--sentinel"},
		"sentinel monitor m "+strings.Replace(master.addr, ":", " ", 1)+" 1",
		"sentinel down-after-milliseconds m 1000",
		"sentinel failover-timeout m 10000",
	)
	sc := redis.NewSentinelClient(&redis.Options{Addr: sentinel.addr})
	t.Cleanup(func() { sc.Close() })
	ctx := ctxT(t)
	waitFor(t, 30*time.Second, "Sentinel to discover the replica", func() bool {
		rs, err := sc.Replicas(ctx, "m").Result()
		return err == nil && len(rs) == 1
	})

	fc := redis.NewFailoverClient(&redis.FailoverOptions{
		MasterName:    "m",
		SentinelAddrs: []string{sentinel.addr},
		DialTimeout:   time.Second,
		ReadTimeout:   time.Second,
		WriteTimeout:  time.Second,
	})
	t.Cleanup(func() { fc.Close() })
	s, err := redisstore.New(fc)
	if err != nil {
		t.Fatal(err)
	}
	user := "failover-" + randomHex(t, 4)
	var keys []string
	for i := 0; i < 20; i++ {
		k := newKey(t)
		mustSave(t, s, k, live(user, "survives"))
		keys = append(keys, k)
	}
	// Replication is asynchronous: WAIT until the replica has every write
	// (what a deployment gets with min-replicas-to-write, or not at all).
	if n, err := fc.Do(ctx, "WAIT", 1, 5000).Int(); err != nil || n != 1 {
		t.Fatalf("WAIT 1 = (%d, %v), want 1 replica", n, err)
	}

	master.stop() // a crash
	waitFor(t, 60*time.Second, "Sentinel to promote the replica", func() bool {
		addr, err := sc.GetMasterAddrByName(ctx, "m").Result()
		return err == nil && len(addr) == 2 && addr[0]+":"+addr[1] == replica.addr
	})

	// The failover client follows the new master; commands sent in the
	// switch may fail, so retry for a while.
	waitFor(t, 30*time.Second, "the store on the new master", func() bool {
		_, err := s.Load(ctx, keys[0])
		return err == nil
	})
	for _, k := range keys {
		if rec, err := s.Load(ctx, k); err != nil || string(rec.Data) != "survives" {
			t.Errorf("after the failover, Load = (%q, %v), want the session", rec.Data, err)
		}
	}
	if got := list(t, s, session.Filter{User: user}); len(got) != len(keys) {
		t.Errorf("after the failover, List(User) = %d sessions, want %d", len(got), len(keys))
	}
	// The sentinel URL form finds the new master too.
	byURL, err := session.OpenStore(ctx, "redis+sentinel://"+sentinel.addr+"/0?master_name=m&prefix="+s.Prefix())
	if err != nil {
		t.Fatalf("OpenStore(redis+sentinel://…) = %v", err)
	}
	if _, err := byURL.Load(ctx, keys[1]); err != nil {
		t.Errorf("Load through a store opened by sentinel URL = %v", err)
	}
	byURL.Close()

	k := newKey(t)
	mustSave(t, s, k, live(user, "written on the new master"))
	if n, err := s.Prune(ctx, session.Filter{User: user}); err != nil || n != len(keys)+1 {
		t.Errorf("Prune(User) on the new master = (%d, %v), want (%d, nil)", n, err, len(keys)+1)
	}
	if _, err := s.Load(ctx, k); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("after Prune(User), Load = %v, want ErrNotFound", err)
	}
}
