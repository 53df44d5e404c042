package bench

import (
	"context"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	scsgoredis "github.com/alexedwards/scs/goredisstore"
	scsredigo "github.com/alexedwards/scs/redisstore"
	"github.com/alexedwards/scs/v2"
	"github.com/boj/redistore"
	"github.com/gomodule/redigo/redis"
	goredis "github.com/redis/go-redis/v9"

	"github.com/session2/session2/bench/internal/cputime"
	"github.com/session2/session2/bench/internal/servers"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/redisstore"
)

// The Redis benchmarks: session2's core middleware over redisstore (on
// go-redis) against scs's LoadAndSave over its redisstore (on redigo) and
// its goredisstore (on go-redis), and gorilla/sessions over
// boj/redistore (on redigo), all on the server SESSION2_REDIS_URL names,
// each with an idle timeout of 30 minutes, for a read-only request and a
// write.
//
// Besides ns/op each reports rt/op: the round trips to Redis per request,
// counted as the writes on the client's sockets (a command sent alone and
// a pipeline are each one write, answered by one read); and cpu-ns/op, the
// CPU time of the test process per request (not the server's).

// redisIdleTimeout is every contender's idle timeout: session2's and scs's
// IdleTimeout, gorilla's MaxAge (which the store renews on every save;
// gorilla has no idle timeout and saves only when told to).
const redisIdleTimeout = 30 * time.Minute

// countingConn counts the writes on a connection.
type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	c.n.Add(1)
	return c.Conn.Write(p)
}

// redisLib is one contender: build returns its middleware and api, with
// every connection dialled through dial.
type redisLib struct {
	name  string
	build func(tb testing.TB, addr, prefix string, dial func(network, addr string) (net.Conn, error)) (func(http.Handler) http.Handler, api)
}

var redisLibs = []redisLib{
	{"session2", buildSession2Redis},
	{"scs-redigo", buildSCSRedigo},
	{"scs-goredis", buildSCSGoRedis},
	{"gorilla-redistore", buildGorillaRedistore},
}

// redisAddr returns the address of the server SESSION2_REDIS_URL names,
// or skips.
func redisAddr(tb testing.TB) string {
	tb.Helper()
	addr, err := servers.RedisAddr()
	if errors.Is(err, servers.ErrNotSet) {
		tb.Skip(err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return addr
}

// BenchmarkRedis measures one request through each contender, side by
// side: go test -run '^$' -bench Redis -benchmem -count 6.
func BenchmarkRedis(b *testing.B) {
	addr := redisAddr(b)
	for _, kind := range []string{kindRead, kindWrite} {
		b.Run("kind="+kind, func(b *testing.B) {
			for _, l := range redisLibs {
				b.Run("lib="+l.name, func(b *testing.B) { benchRedis(b, l, addr, kind) })
			}
		})
	}
}

// benchRedis serves b.N requests of kind through a fresh instance of l,
// under a key prefix of its own deleted afterwards, and reports the round
// trips per request.
func benchRedis(b *testing.B, l redisLib, addr, kind string) {
	var writes atomic.Int64
	dial := func(network, a string) (net.Conn, error) {
		c, err := net.Dial(network, a)
		if err != nil {
			return nil, err
		}
		return countingConn{c, &writes}, nil
	}
	prefix := "s2bench:" + hex.EncodeToString(randomKey(b)[:6]) + ":"
	b.Cleanup(func() { dropRedisPrefix(b, addr, prefix) })
	h := app(b, lib{l.name, func(tb testing.TB) (func(http.Handler) http.Handler, api) {
		return l.build(tb, addr, prefix, dial)
	}})
	cookie := prime(b, h)
	if cookie == "" {
		b.Fatal("/prime set no cookie")
	}
	path := "/" + kind
	var w *httptest.ResponseRecorder
	b.ReportAllocs()
	w0 := writes.Load()
	cpu0, cpuOK := cputime.Process()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.Header.Set("Cookie", cookie)
		w = httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("%s %s: status %d: %s", l.name, path, w.Code, w.Body)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(writes.Load()-w0)/float64(b.N), "rt/op")
	if cpu1, ok := cputime.Process(); ok && cpuOK {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
	if kind == kindWrite {
		if c := responseCookie(w); c != "" {
			cookie = c
		}
		if got, want := get(b, h, cookie, "n"), itoa(1000+int64(b.N)); got != want {
			b.Fatalf("%s: after %d writes n = %q, want %q", l.name, b.N, got, want)
		}
	}
}

// dropRedisPrefix deletes the keys under prefix.
func dropRedisPrefix(tb testing.TB, addr, prefix string) {
	c := goredis.NewClient(&goredis.Options{Addr: addr})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	it := c.Scan(ctx, 0, prefix+"*", 500).Iterator()
	for it.Next(ctx) {
		c.Del(ctx, it.Val())
	}
	if err := it.Err(); err != nil {
		tb.Errorf("delete %s*: %v", prefix, err)
	}
}

// goRedisClient returns a go-redis client dialling through dial.
func goRedisClient(tb testing.TB, addr string, dial func(network, addr string) (net.Conn, error)) *goredis.Client {
	c := goredis.NewClient(&goredis.Options{
		Addr: addr,
		Dialer: func(_ context.Context, network, addr string) (net.Conn, error) {
			return dial(network, addr)
		},
	})
	tb.Cleanup(func() { c.Close() })
	return c
}

// redigoPool returns a redigo pool dialling through dial.
func redigoPool(tb testing.TB, addr string, dial func(network, addr string) (net.Conn, error)) *redis.Pool {
	p := &redis.Pool{
		MaxIdle: 10,
		Dial: func() (redis.Conn, error) {
			return redis.Dial("tcp", addr, redis.DialNetDial(dial))
		},
	}
	tb.Cleanup(func() { p.Close() })
	return p
}

func buildSession2Redis(tb testing.TB, addr, prefix string, dial func(network, addr string) (net.Conn, error)) (func(http.Handler) http.Handler, api) {
	store, err := redisstore.New(goRedisClient(tb, addr, dial), redisstore.WithPrefix(prefix))
	if err != nil {
		tb.Fatal(err)
	}
	if err := store.Setup(context.Background()); err != nil {
		tb.Fatal(err)
	}
	m, err := session.New[session.Map](store, session.WithExpiry(session.Expiry{Idle: redisIdleTimeout}), session.WithCookie(session.Cookie{Name: cookieName}))
	if err != nil {
		tb.Fatal(err)
	}
	return m.Handler, session2API{m}
}

func scsOn(store scs.Store) (func(http.Handler) http.Handler, api) {
	sm := scs.New()
	sm.Store = store
	sm.IdleTimeout = redisIdleTimeout
	sm.Cookie.Name = cookieName
	return sm.LoadAndSave, scsAPI{sm}
}

func buildSCSRedigo(tb testing.TB, addr, prefix string, dial func(network, addr string) (net.Conn, error)) (func(http.Handler) http.Handler, api) {
	return scsOn(scsredigo.NewWithPrefix(redigoPool(tb, addr, dial), prefix))
}

func buildSCSGoRedis(tb testing.TB, addr, prefix string, dial func(network, addr string) (net.Conn, error)) (func(http.Handler) http.Handler, api) {
	return scsOn(scsgoredis.NewWithPrefix(goRedisClient(tb, addr, dial), prefix))
}

func buildGorillaRedistore(tb testing.TB, addr, prefix string, dial func(network, addr string) (net.Conn, error)) (func(http.Handler) http.Handler, api) {
	store, err := redistore.NewRediStoreWithPool(redigoPool(tb, addr, dial), randomKey(tb))
	if err != nil {
		tb.Fatal(err)
	}
	store.SetKeyPrefix(prefix)
	store.SetMaxAge(int(redisIdleTimeout / time.Second))
	store.Options.SameSite = http.SameSiteLaxMode
	store.Options.HttpOnly = true
	return gorillaMiddleware(store), gorillaAPI{store}
}
