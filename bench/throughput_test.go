package bench

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/scs/postgresstore"
	"github.com/alexedwards/scs/v2"
	scsmem "github.com/alexedwards/scs/v2/memstore"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/memstore"
	s2pg "github.com/session2/session2/stores/postgresstore"
)

// The throughput curve: session2 and scs serving the same application over
// real HTTP on loopback, on the memory stores and on PostgreSQL, for a
// growing number of concurrent clients, each with its own session, 90% of
// requests reading the session and 10% writing it.
var (
	tputClients    = flag.String("tput.clients", "", "comma-separated client counts for TestThroughput (default 1,8; 1,4,16,64 would draw a curve)")
	tputDuration   = flag.Duration("tput.duration", 300*time.Millisecond, "how long TestThroughput drives each point")
	tputStores     = flag.String("tput.stores", "memory,postgres", "stores TestThroughput runs on")
	tputOut        = flag.String("tput.out", "", "file TestThroughput appends its rows to (CSV), for TestPlot")
	tputLibs       = flag.String("tput.libs", "session2,scs", "libraries TestThroughput drives (one alone, for a profile)")
	tputClientKind = flag.String("tput.client", "raw", "TestThroughput's load generator: raw (one keep-alive connection per client, requests and responses read by hand: little CPU taken from the server) or nethttp (net/http's client)")
)

// tputRow is one measured point.
type tputRow struct {
	store, lib string
	clients    int
	rps        float64
	p50, p99   time.Duration
}

const tputCSVHeader = "store,lib,clients,req_per_s,p50_us,p99_us"

func (r tputRow) csv() string {
	return fmt.Sprintf("%s,%s,%d,%.0f,%.1f,%.1f", r.store, r.lib, r.clients, r.rps, float64(r.p50)/1e3, float64(r.p99)/1e3)
}

// tputIdle is both contenders' idle timeout.
const tputIdle = 30 * time.Minute

// TestThroughput measures requests per second and latency against the
// number of concurrent clients. Every point runs session2 and scs one
// after the other, in the same process, on fresh stores.
func TestThroughput(t *testing.T) {
	clients := intsFlag(t, "tput.clients", *tputClients, 1, []int{1, 8})
	out := appendCSV(t, *tputOut, tputCSVHeader)
	for _, store := range strings.Split(*tputStores, ",") {
		t.Run("store="+store, func(t *testing.T) {
			build := tputBuilders(t, store)
			for _, c := range clients {
				for _, lib := range strings.Split(*tputLibs, ",") {
					if build[lib] == nil {
						t.Fatalf("-tput.libs: unknown library %q", lib)
					}
					// A subtest per point, so that its store and
					// connections are gone before the next.
					t.Run(fmt.Sprintf("clients=%d/lib=%s", c, lib), func(t *testing.T) {
						var r tputRow
						if *tputSplit {
							r, _ = driveSplit(t, store, lib, c, *tputDuration)
						} else {
							r = drive(t, build[lib](t), c, *tputDuration)
						}
						r.store, r.lib = store, lib
						t.Logf("%-8s %-8s clients %3d  %8.0f req/s  p50 %7.1f µs  p99 %8.1f µs  (%s client%s)", store, lib, c, r.rps, float64(r.p50)/1e3, float64(r.p99)/1e3, *tputClientKind, splitNote())
						if out != nil {
							fmt.Fprintln(out, r.csv())
						}
					})
				}
			}
		})
	}
}

// tputBuilders returns, for each library, a function building a fresh
// handler on store.
func tputBuilders(t *testing.T, store string) map[string]func(t *testing.T) http.Handler {
	switch store {
	case "memory":
		return map[string]func(*testing.T) http.Handler{
			"session2": func(t *testing.T) http.Handler {
				s := memstore.New()
				t.Cleanup(func() { s.Close() })
				return session2Tput(t, s)
			},
			"scs": func(t *testing.T) http.Handler {
				// No cleanup goroutine: scs's StopCleanup races with the
				// goroutine's start (a data race inside scs v2.9.0's
				// memstore that -race reports when a run is short), and
				// the runs are far shorter than its one-minute interval.
				st := scsmem.NewWithCleanupInterval(0)
				return scsTput(st)
			},
		}
	case "postgres":
		dsn := os.Getenv("SESSION2_POSTGRES_DSN")
		if dsn == "" {
			t.Skip("SESSION2_POSTGRES_DSN is not set: no PostgreSQL to drive")
		}
		open := func(t *testing.T) *sql.DB {
			db, err := sql.Open("postgres", dsn)
			if err != nil {
				t.Fatal(err)
			}
			// The same pool for both, small enough for a shared
			// server's max_connections.
			db.SetMaxOpenConns(16)
			db.SetMaxIdleConns(16)
			t.Cleanup(func() { db.Close() })
			return db
		}
		return map[string]func(*testing.T) http.Handler{
			"session2": func(t *testing.T) http.Handler {
				db := open(t)
				table := "s2tput_" + sqlRandom()
				s, err := s2pg.New(db, s2pg.WithTable(table), s2pg.WithSweepInterval(0))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() {
					s.Close()
					db.Exec("DROP TABLE IF EXISTS " + table)
					db.Exec("DROP TABLE IF EXISTS " + table + "_schema")
				})
				if err := s.Setup(context.Background()); err != nil {
					t.Fatal(err)
				}
				return session2Tput(t, s)
			},
			"scs": func(t *testing.T) http.Handler {
				db := open(t)
				table := "scstput_" + sqlRandom()
				for _, q := range []string{
					"CREATE TABLE " + table + " (token TEXT PRIMARY KEY, data BYTEA NOT NULL, expiry TIMESTAMPTZ NOT NULL)",
					"CREATE INDEX " + table + "_expiry_idx ON " + table + " (expiry)",
				} {
					if _, err := db.Exec(q); err != nil {
						t.Fatal(err)
					}
				}
				t.Cleanup(func() { db.Exec("DROP TABLE IF EXISTS " + table) })
				return scsTput(postgresstore.NewWithConfig(db, postgresstore.Config{TableName: table, CleanUpInterval: 0}))
			},
		}
	}
	t.Fatalf("-tput.stores: unknown store %q (known: memory, postgres)", store)
	return nil
}

func session2Tput(t testing.TB, s session.Store) http.Handler {
	m, err := session.New[session.Map](s, session.WithIdleTimeout(tputIdle), session.WithCookie(session.Cookie{Name: cookieName}))
	if err != nil {
		t.Fatal(err)
	}
	return m.Handler(sqlApp(
		func(r *http.Request, key string) any { v, _ := m.Get(r).Data().Get(key); return v },
		func(r *http.Request, key string, v any) { m.Get(r).Data().Set(key, v) },
	))
}

func scsTput(st scs.Store) http.Handler {
	sm := scs.New()
	sm.Store = st
	sm.Cookie.Name = cookieName
	sm.IdleTimeout = tputIdle
	return sm.LoadAndSave(sqlApp(
		func(r *http.Request, key string) any { return sm.Get(r.Context(), key) },
		func(r *http.Request, key string, v any) { sm.Put(r.Context(), key, v) },
	))
}

// serveLoopback serves h with a plain http.Server on a loopback port and
// returns its URL and a function that stops it. Not httptest.Server: it
// tracks every connection's state changes under one mutex, twice per
// request, a cost no production server pays, which at dozens of clients
// weighs on every contender alike and narrows their differences.
func serveLoopback(t *testing.T, h http.Handler) (string, func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// No timeouts, as httptest's server has none: a deadline set on the
	// connection for every request would add to every contender's cost.
	srv := &http.Server{Handler: h}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln)
	}()
	return "http://" + ln.Addr().String(), func() {
		srv.Close()
		<-done
	}
}

// drive serves h on a loopback HTTP server and runs clients goroutines,
// each with its own session, for d: 90% reads, 10% writes. The clients
// are of the kind -tput.client names.
func drive(t *testing.T, h http.Handler, clients int, d time.Duration) tputRow {
	url, stop := serveLoopback(t, h)
	defer stop()
	return driveURL(t, url, clients, d)
}

// driveURL is drive's load generator, against the server at url.
func driveURL(t *testing.T, url string, clients int, d time.Duration) tputRow {
	cs, closeAll, err := newTputClients(*tputClientKind, url, clients)
	if err != nil {
		t.Fatal(err)
	}
	defer closeAll()
	for _, c := range cs {
		if err := c.get("/prime"); err != nil || c.session() == "" {
			t.Fatalf("prime: %q, %v", c.session(), err)
		}
	}
	lats := make([][]time.Duration, clients)
	errs := make([]error, clients)
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			lat := make([]time.Duration, 0, 1024)
			for {
				t0 := time.Now()
				if !t0.Before(deadline) {
					break
				}
				path := "/read"
				if rng.IntN(10) == 0 {
					path = "/write"
				}
				if err := c.get(path); err != nil {
					errs[i] = err
					break
				}
				lat = append(lat, time.Since(t0))
			}
			lats[i] = lat
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	all := slices.Concat(lats...)
	if len(all) == 0 {
		t.Fatal("no request completed")
	}
	slices.Sort(all)
	return tputRow{clients: clients, rps: float64(len(all)) / elapsed.Seconds(), p50: all[len(all)/2], p99: all[len(all)*99/100]}
}
