package test

import (
	"testing"

	"github.com/alexedwards/scs/redisstore"
	"github.com/alexedwards/scs/v2"
	redigo "github.com/gomodule/redigo/redis"
	"github.com/redis/go-redis/v9"
	"github.com/session2/session2/contrib/scsimport"
	"github.com/session2/session2/core/session"
	s2redis "github.com/session2/session2/stores/redisstore"
)

// scsRedis returns an scs manager on scs's Redis store under a fresh key
// prefix (hashing its tokens in the store if hashed), and a go-redis
// client on the same server for the importer.
func scsRedis(t *testing.T, hashed bool) (*scs.SessionManager, *redis.Client, string) {
	t.Helper()
	url := env(t, "SESSION2_REDIS_URL")
	pool := &redigo.Pool{MaxIdle: 2, Dial: func() (redigo.Conn, error) { return redigo.DialURL(url) }}
	t.Cleanup(func() { pool.Close() })
	prefix := "scsimport-test:" + suffix(t) + ":"
	sm := scs.New()
	sm.Store = redisstore.NewWithPrefix(pool, prefix)
	sm.HashTokenInStore = hashed
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	client := redis.NewClient(opts)
	t.Cleanup(func() { client.Close() })
	return sm, client, prefix
}

func TestRedisSwitch(t *testing.T) {
	sm, client, prefix := scsRedis(t, false)
	old := scsApp(sm)
	alice := scsLogin(t, old, 42, "apples")
	bob := scsLogin(t, old, 7, "pears")
	imp, err := scsimport.Redis(client, scsimport.WithPrefix(prefix), scsimport.WithUserKey("userID"))
	if err != nil {
		t.Fatal(err)
	}
	store, err := s2redis.New(client, s2redis.WithPrefix("session2-test:"+suffix(t)+":"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	var events []session.Event
	_, h := newApp(t, store, imp, &events)

	switchOver(t, h, alice, "42|apples|3|"+since, &events)
	if n, err := client.Exists(ctx(t), prefix+alice.Value).Result(); err != nil || n != 0 {
		t.Fatalf("alice's scs key: exists %d, %v; want deleted", n, err)
	}
	switchOver(t, h, bob, "7|pears|3|"+since, &events)
	if got, _ := get(old, "/whoami", alice); got != "0|" {
		t.Fatalf("the scs app still reads alice's old session: %q", got)
	}
}
