package redisstore_test

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

var (
	loginScale  = flag.String("loginscale", "", "comma-separated index sizes for TestLoginScale (e.g. 1000,10000,100000,1000000); empty skips it")
	loginLogins = flag.Int("loginscale.logins", 200, "logins timed per size in TestLoginScale")
)

// TestLoginScale times logins (a Save creating a record with a user, as
// the manager's SetUser does, with the index work it brings) of one user
// whose index already holds n entries, on a private redis-server. A
// quarter of the entries have a live record, a quarter a record expired
// an hour ago, and half no record; every entry was written an hour ago,
// so a heal may remove the stale ones. It fills the index in whichever
// layout the store writes (it reads the key's type after a first login),
// so the same file times an older layout too. Skipped unless -loginscale
// is given:
//
//	go test -run TestLoginScale -v -loginscale 1000,10000,100000,1000000 -timeout 60m
//
// It reports, per size, the logins' times and the server's CPU time per
// login (INFO cpu), which the load of a shared machine disturbs less.
func TestLoginScale(t *testing.T) {
	if *loginScale == "" {
		t.Skip("-loginscale is not set")
	}
	var sizes []int
	for _, f := range strings.Split(*loginScale, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 0 {
			t.Fatalf("-loginscale: %q is not a size", f)
		}
		sizes = append(sizes, n)
	}
	srv := startServer(t)
	c := redis.NewClient(&redis.Options{Addr: srv.addr, ReadTimeout: time.Minute, WriteTimeout: time.Minute})
	t.Cleanup(func() { c.Close() })
	ctx := context.Background()
	t.Logf("%9s %7s %10s %10s %10s %10s %10s %12s %12s", "entries", "logins", "median", "mean", "p95", "p99", "max", "server cpu", "index after")
	for _, n := range sizes {
		s := newStore(t, c)
		user := "scale-" + randomHex(t, 4)
		mustSave(t, s, newKey(t), live(user, "first login"))
		idx := s.Prefix() + "u:" + user
		typ, err := c.Type(ctx, idx).Result()
		if err != nil {
			t.Fatal(err)
		}
		fillIndex(t, c, s.Prefix(), idx, typ, user, n)
		cpu0 := serverCPU(t, c)
		times := make([]time.Duration, *loginLogins)
		for i := range times {
			k := newKey(t)
			rec := live(user, "login")
			start := time.Now()
			if err := s.Save(ctx, k, rec); err != nil {
				t.Fatalf("login %d at %d entries: %v", i, n, err)
			}
			times[i] = time.Since(start)
		}
		cpu := (serverCPU(t, c) - cpu0) / time.Duration(len(times))
		var after int64
		if typ == "zset" {
			after = c.ZCard(ctx, idx).Val()
		} else {
			after = c.HLen(ctx, idx).Val()
		}
		var sum time.Duration
		for _, d := range times {
			sum += d
		}
		slices.Sort(times)
		q := func(p float64) time.Duration { return times[int(p*float64(len(times)-1))] }
		t.Logf("%9d %7d %10v %10v %10v %10v %10v %12v %12d (%s)", n, len(times), q(0.5).Round(time.Microsecond),
			(sum / time.Duration(len(times))).Round(time.Microsecond), q(0.95).Round(time.Microsecond),
			q(0.99).Round(time.Microsecond), times[len(times)-1].Round(time.Microsecond), cpu.Round(time.Microsecond), after, typ)
		dropPrefix(c, s.Prefix())
	}
}

// fillIndex adds n entries to user's index idx of type typ ("zset" or
// the older "hash"), in pipelines of 1000 commands, and the records of
// half of them (live or expired, alternately).
func fillIndex(t *testing.T, c *redis.Client, prefix, idx, typ, user string, n int) {
	t.Helper()
	ctx := context.Background()
	hourAgo := time.Now().Add(-time.Hour)
	written := hourAgo.UnixMicro()
	for done := 0; done < n; {
		p := c.Pipeline()
		for j := 0; j < 1000 && done < n; j, done = j+1, done+1 {
			k := newKey(t)
			switch typ {
			case "zset":
				p.ZAdd(ctx, idx, redis.Z{Score: float64(written), Member: k})
			case "hash":
				p.HSet(ctx, idx, k, fmt.Sprintf("%d.%d", written, done))
			default:
				t.Fatalf("the index is a %q", typ)
			}
			if done%4 < 2 {
				e := time.Now().Add(time.Hour)
				if done%4 == 1 {
					e = hourAgo
				}
				sk := prefix + "s:" + k
				p.HSet(ctx, sk, "v", 1, "u", user, "d", "x", "c", written, "a", written, "e", e.UnixMicro())
				p.Expire(ctx, sk, 3*time.Hour)
			}
		}
		if _, err := p.Exec(ctx); err != nil {
			t.Fatalf("fill: %v", err)
		}
	}
}

// serverCPU returns the CPU time the server has used (INFO cpu).
func serverCPU(t *testing.T, c *redis.Client) time.Duration {
	t.Helper()
	info, err := c.Info(context.Background(), "cpu").Result()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, line := range strings.Split(info, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if ok && (k == "used_cpu_sys" || k == "used_cpu_user") {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("INFO cpu: %s: %v", line, err)
			}
			sum += f
		}
	}
	return time.Duration(sum * float64(time.Second))
}
