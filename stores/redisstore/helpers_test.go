package redisstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/redisstore"
)

const urlVar = "SESSION2_REDIS_URL"

// serverOptions returns the client options of SESSION2_REDIS_URL, or skips
// the test when it is not set.
func serverOptions(t testing.TB) *redis.Options {
	t.Helper()
	raw := os.Getenv(urlVar)
	if raw == "" {
		t.Skip(urlVar + " is not set: no Redis to test against (redis://127.0.0.1:6379/0)")
	}
	o, err := redis.ParseURL(raw)
	if err != nil {
		t.Fatalf("%s: %v", urlVar, err)
	}
	return o
}

// newClient returns a client of the shared server, closed at the end of
// the test.
func newClient(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(serverOptions(t))
	t.Cleanup(func() { c.Close() })
	return c
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// newPrefix returns a key prefix of its own for one test, and deletes
// every key under it when the test ends.
func newPrefix(t testing.TB, c redis.UniversalClient) string {
	t.Helper()
	prefix := "session2test:" + randomHex(t, 6) + ":"
	t.Cleanup(func() { dropPrefix(c, prefix) })
	return prefix
}

// dropPrefix deletes the keys under prefix on every master.
func dropPrefix(c redis.UniversalClient, prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	drop := func(ctx context.Context, n redis.Cmdable) error {
		iter := n.Scan(ctx, 0, prefix+"*", 500).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
		return iter.Err()
	}
	if cc, ok := c.(*redis.ClusterClient); ok {
		cc.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error { return drop(ctx, n) })
		return
	}
	drop(ctx, c)
}

// newStore returns a store on c with a prefix of its own.
func newStore(t testing.TB, c redis.UniversalClient, opts ...redisstore.Option) *redisstore.Store {
	t.Helper()
	opts = append([]redisstore.Option{redisstore.WithPrefix(newPrefix(t, c))}, opts...)
	s, err := redisstore.New(c, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// sibling returns a store on c sharing s's keys.
func sibling(t testing.TB, s *redisstore.Store, c redis.UniversalClient) *redisstore.Store {
	t.Helper()
	s2, err := redisstore.New(c, redisstore.WithPrefix(s.Prefix()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s2.Close() })
	return s2
}

func newKey(t testing.TB) string { return randomHex(t, 32) }

func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

func live(user, data string) session.Record {
	n := now()
	return session.Record{User: user, Data: []byte(data), Created: n, Accessed: n, Expires: n.Add(time.Hour)}
}

func mustSave(t testing.TB, s session.Store, key string, rec session.Record) {
	t.Helper()
	if err := s.Save(context.Background(), key, rec); err != nil {
		t.Fatalf("Save(version %d) = %v", rec.Version, err)
	}
}

// counter is a go-redis hook counting round trips: a command sent alone
// or a pipeline, each one exchange with a server.
type counter struct{ n atomic.Int64 }

func (c *counter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *counter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmd)
	}
}

func (c *counter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmds)
	}
}

// take returns the count and resets it.
func (c *counter) take() int64 { return c.n.Swap(0) }

// freePort returns a loopback port that is free, and whose cluster bus
// port (port+10000) is free too.
func freePort(t testing.TB) int {
	t.Helper()
	for i := 0; i < 100; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if p+10000 > 65535 {
			continue
		}
		l2, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p+10000))
		if err != nil {
			continue
		}
		l2.Close()
		return p
	}
	t.Fatal("no free port pair")
	return 0
}

// needBinary skips the test when a program is not installed.
func needBinary(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed: %v", name, err)
	}
	return p
}

// server is a private redis-server process.
type server struct {
	addr string
	argv []string
	logf *os.File

	mu  sync.Mutex
	cmd *exec.Cmd // nil when stopped
}

// startServer starts redis-server on a free loopback port with its files
// in a temporary directory and the extra configuration lines given, and
// stops it when the test ends.
func startServer(t testing.TB, conf ...string) *server {
	t.Helper()
	return startProcess(t, nil, conf...)
}

// startProcess is startServer with extra command-line arguments
// ("--sentinel").
func startProcess(t testing.TB, args []string, conf ...string) *server {
	t.Helper()
	bin := needBinary(t, "redis-server")
	dir := t.TempDir()
	port := freePort(t)
	lines := append([]string{
		"port " + strconv.Itoa(port),
		"bind 127.0.0.1",
		"dir " + dir,
		`save ""`,
		"appendonly no",
		"daemonize no",
		"protected-mode no",
	}, conf...)
	cfg := filepath.Join(dir, "redis.conf")
	if err := os.WriteFile(cfg, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(dir, "log"))
	if err != nil {
		t.Fatal(err)
	}
	s := &server{addr: "127.0.0.1:" + strconv.Itoa(port), argv: append([]string{bin, cfg}, args...), logf: logf}
	t.Cleanup(func() { s.stop(); logf.Close() })
	s.run(t)
	return s
}

// run starts the server process and waits until it answers.
func (s *server) run(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	s.cmd = exec.Command(s.argv[0], s.argv[1:]...)
	s.cmd.Stdout, s.cmd.Stderr = s.logf, s.logf
	err := s.cmd.Start()
	s.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "redis-server on "+s.addr, func() bool {
		c := redis.NewClient(&redis.Options{Addr: s.addr, MaxRetries: -1})
		defer c.Close()
		return c.Ping(context.Background()).Err() == nil
	})
}

// stop kills the server (as a crash would) and waits for it.
func (s *server) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		s.cmd = nil
	}
}

// waitFor polls cond until it holds, or fails the test after limit.
func waitFor(t testing.TB, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not ready after %v", what, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startCluster starts a three-master Redis Cluster on free loopback ports
// and returns a client of it; the servers stop when the test ends.
func startCluster(t testing.TB) *redis.ClusterClient {
	t.Helper()
	cli := needBinary(t, "redis-cli")
	var addrs []string
	for i := 0; i < 3; i++ {
		s := startServer(t, "cluster-enabled yes", "cluster-config-file nodes.conf", "cluster-node-timeout 5000")
		addrs = append(addrs, s.addr)
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	for _, a := range addrs {
		waitFor(t, 30*time.Second, "cluster_state:ok on "+a, func() bool {
			c := redis.NewClient(&redis.Options{Addr: a})
			defer c.Close()
			info, err := c.ClusterInfo(context.Background()).Result()
			return err == nil && strings.Contains(info, "cluster_state:ok")
		})
	}
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	t.Cleanup(func() { cc.Close() })
	waitFor(t, 30*time.Second, "the cluster client sees three masters", func() bool {
		n := 0
		var mu sync.Mutex
		err := cc.ForEachMaster(context.Background(), func(ctx context.Context, c *redis.Client) error {
			mu.Lock()
			n++
			mu.Unlock()
			return c.Ping(ctx).Err()
		})
		return err == nil && n == 3
	})
	return cc
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

var _ = fmt.Sprint
