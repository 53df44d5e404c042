package postgresstore_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/postgresstore"
	"github.com/session2/session2/stores/sqlstore"
	"github.com/session2/session2/stores/sqlstore/sqlstoretest"
)

const dsnVar = "SESSION2_POSTGRES_DSN"

// serverURL returns the server's URL from SESSION2_POSTGRES_DSN, a lib/pq
// URL such as postgres://postgres@127.0.0.1:5432/test?sslmode=disable, or
// skips the test when it is not set.
func serverURL(t *testing.T) *url.URL {
	t.Helper()
	raw := os.Getenv(dsnVar)
	if raw == "" {
		t.Skip(dsnVar + " is not set: no PostgreSQL to test against")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
		t.Fatalf("%s must be a URL such as postgres://postgres@127.0.0.1:5432/test?sslmode=disable", dsnVar)
	}
	if u.Port() == "" {
		u.Host = net.JoinHostPort(u.Hostname(), "5432")
	}
	return u
}

func TestStore(t *testing.T) {
	sqlstoretest.Run(t, harness(t, &pq.Driver{}, 35)) // 35 allocations measured: lib/pq, database/sql and the store
}

// TestStoreOnOpen runs the kit on handles of Open's driver, whose
// sockets hold the store's deadlines (the hung-server tests among them).
func TestStoreOnOpen(t *testing.T) {
	sqlstoretest.Run(t, harness(t, postgresstore.Driver(), 29)) // 29 measured: no watcher of lib/pq or database/sql
}

// harness is the kit's harness for the server of SESSION2_POSTGRES_DSN
// through d, a Load allowed loadAllocs allocations.
func harness(t *testing.T, d driver.Driver, loadAllocs float64) sqlstoretest.Harness {
	u := serverURL(t)
	return sqlstoretest.Harness{
		Dialect: postgresstore.Dialect(),
		Driver:  d,
		Addr:    u.Host,
		DSN: func(addr string) string {
			v := *u
			v.Host = addr
			return v.String()
		},
		Schema:     "public",
		RoundTrips: func() sqlstoretest.RoundTripCounter { return &wireCounter{} },
		LoadAllocs: loadAllocs,
	}
}

// wireCounter counts round trips in PostgreSQL's frontend protocol: every
// Sync ('S') of the extended protocol and every simple Query ('Q') is one
// request the client then waits on.
type wireCounter struct {
	mu      sync.Mutex
	buf     []byte
	started bool
	n       int
}

func (c *wireCounter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf = append(c.buf, p...)
	for {
		if !c.started {
			// The startup message, or an SSL or GSS request before it, has
			// no type byte.
			if len(c.buf) < 8 {
				break
			}
			l := int(binary.BigEndian.Uint32(c.buf))
			if len(c.buf) < l {
				break
			}
			code := binary.BigEndian.Uint32(c.buf[4:])
			c.buf = c.buf[l:]
			c.started = code != 80877103 && code != 80877104
			continue
		}
		if len(c.buf) < 5 {
			break
		}
		l := int(binary.BigEndian.Uint32(c.buf[1:]))
		if len(c.buf) < 1+l {
			break
		}
		if c.buf[0] == 'S' || c.buf[0] == 'Q' {
			c.n++
		}
		c.buf = c.buf[1+l:]
	}
	if len(c.buf) == 0 {
		c.buf = nil
	}
	return len(p), nil
}

func (c *wireCounter) RoundTrips() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// TestUnpreparedCostsTwoRoundTrips shows why the store prepares: lib/pq
// sends a statement with parameters as a parse, then an execute, unless it
// is prepared. It also proves the round-trip counter counts.
func TestUnpreparedCostsTwoRoundTrips(t *testing.T) {
	u := serverURL(t)
	p := sqlstoretest.NewProxy(t, u.Host, func() sqlstoretest.RoundTripCounter { return &wireCounter{} })
	v := *u
	v.Host = p.Addr()
	db, err := sql.Open("postgres", v.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	if err := db.PingContext(ctx); err != nil {
		t.Fatal(err)
	}
	var one int
	r0 := p.RoundTrips()
	if err := db.QueryRowContext(ctx, "SELECT $1::int", 1).Scan(&one); err != nil {
		t.Fatal(err)
	}
	if n := p.RoundTrips() - r0; n != 2 {
		t.Errorf("an unprepared statement with a parameter took %d round trips, want 2", n)
	}
	st, err := db.PrepareContext(ctx, "SELECT $1::int")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r0 = p.RoundTrips()
	if err := st.QueryRowContext(ctx, 1).Scan(&one); err != nil {
		t.Fatal(err)
	}
	if n := p.RoundTrips() - r0; n != 1 {
		t.Errorf("a prepared statement took %d round trips, want 1", n)
	}
}

func TestNew(t *testing.T) {
	u := serverURL(t)
	db, err := sql.Open("postgres", u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() }) // after the tables are dropped
	table := "s2t_new_" + strings.ReplaceAll(time.Now().Format("150405.000000"), ".", "")
	s1, err := postgresstore.New(db, sqlstore.WithTable(table), sqlstore.WithSweepInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	defer s1.Close()
	t.Cleanup(func() {
		for _, tbl := range []string{s1.Names().Table, s1.Names().Versions} {
			if _, err := db.Exec("DROP TABLE IF EXISTS " + tbl); err != nil {
				t.Errorf("dropping %s: %v", tbl, err)
			}
		}
	})
	s2, err := postgresstore.New(sqlx.NewDb(db, "postgres"), sqlstore.WithTable(table), sqlstore.WithSweepInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	ctx := context.Background()
	if err := s1.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	key := strings.Repeat("ab", 32)
	n := time.Now()
	if err := s1.Save(ctx, key, session.Record{Data: []byte("x"), Created: n, Accessed: n, Expires: n.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Load(ctx, key); err != nil {
		t.Errorf("a store on a *sqlx.DB does not see what one on the *sql.DB saved: %v", err)
	}
	if _, err := postgresstore.New((*sql.DB)(nil)); !errors.Is(err, session.ErrInvalidConfig) {
		t.Errorf("New(nil) = %v, want ErrInvalidConfig", err)
	}
	if err := s1.Save(ctx, strings.Repeat("cd", 32), session.Record{User: "nul\x00user", Created: n, Accessed: n, Expires: n.Add(time.Hour)}); err == nil {
		t.Error("Save of a user with a NUL byte succeeded, want an error")
	}
	if err := s1.Save(ctx, strings.Repeat("cd", 32), session.Record{User: "bad \xff utf-8", Created: n, Accessed: n, Expires: n.Add(time.Hour)}); err == nil {
		t.Error("Save of a user that is not UTF-8 succeeded, want an error")
	}
}

func TestOpenURL(t *testing.T) {
	u := serverURL(t)
	postgresstore.Register("postgres")
	postgresstore.Register("postgres") // again with the same driver: nothing
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Register with another driver name did not panic")
			}
		}()
		postgresstore.Register("pgx")
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	table := "s2t_url_" + strings.ReplaceAll(time.Now().Format("150405.000000"), ".", "")
	for i, scheme := range []string{"postgres", "postgresql"} {
		v := *u
		v.Scheme = scheme
		q := v.Query()
		q.Set("table", table)
		q.Set("sweep", "0")
		q.Set("page", "50")
		v.RawQuery = q.Encode()
		s, err := session.OpenStore(ctx, v.String())
		if err != nil {
			t.Fatalf("OpenStore(%s): %v", scheme, err)
		}
		if err := s.Setup(ctx); err != nil {
			t.Fatalf("Setup: %v", err)
		}
		ss := s.(*sqlstore.Store)
		db := ss.DB()
		n := ss.Names()
		if db.Driver() != postgresstore.Driver() {
			t.Errorf("a store URL opened with lib/pq runs on %T, not on Open's driver", db.Driver())
		}
		t.Cleanup(func() {
			admin, err := sql.Open("postgres", u.String())
			if err == nil {
				admin.Exec("DROP TABLE IF EXISTS " + n.Table)
				admin.Exec("DROP TABLE IF EXISTS " + n.Versions)
				admin.Close()
			}
		})
		if n.Raw != table {
			t.Errorf("the table parameter was not applied: %q", n.Raw)
		}
		key := strings.Repeat("0f", 31) + fmt.Sprintf("%02x", i)
		now := time.Now()
		if err := s.Save(ctx, key, session.Record{Data: []byte(scheme), Created: now, Accessed: now, Expires: now.Add(time.Hour)}); err != nil {
			t.Errorf("Save: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := db.PingContext(ctx); err == nil {
			t.Error("a store opened by URL left its database open after Close")
		}
	}

	bad := []string{
		"postgres://127.0.0.1:1/test?sslmode=disable&connect_timeout=5",
		u.String() + "&sweep=soon",
		u.String() + "&table=bad%20name",
		u.String() + "&table=a&table=b",
	}
	for _, raw := range bad {
		if s, err := session.OpenStore(ctx, raw); err == nil {
			s.Close()
			t.Errorf("OpenStore(%s) succeeded, want an error", raw)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("an error shows the password: %v", err)
		}
	}
}
