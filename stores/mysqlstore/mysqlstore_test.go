package mysqlstore_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // the zones of TestDSNOptions, wherever the tests run

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"
	"github.com/session2/session2/conformance"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/mysqlstore"
	"github.com/session2/session2/stores/sqlstore"
	"github.com/session2/session2/stores/sqlstore/sqlstoretest"
)

const dsnVar = "SESSION2_MYSQL_DSN"

// serverConfig returns the driver configuration from SESSION2_MYSQL_DSN,
// either a go-sql-driver DSN such as root@tcp(127.0.0.1:3306)/test or a
// mysql:// URL, or skips the test when it is not set. The DSN is used as
// given: the tests add no options the store needs.
func serverConfig(t *testing.T) *mysql.Config {
	t.Helper()
	raw := os.Getenv(dsnVar)
	if raw == "" {
		t.Skip(dsnVar + " is not set: no MySQL or MariaDB to test against")
	}
	if strings.HasPrefix(raw, "mysql://") {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("%s: %v", dsnVar, err)
		}
		if raw, err = mysqlstore.DSN(u); err != nil {
			t.Fatalf("%s: %v", dsnVar, err)
		}
	}
	cfg, err := mysql.ParseDSN(raw)
	if err != nil {
		t.Fatalf("%s must be a go-sql-driver DSN such as root@tcp(127.0.0.1:3306)/test, or a mysql:// URL: %v", dsnVar, err)
	}
	if cfg.Net != "tcp" {
		t.Fatalf("%s must reach the server over TCP, so that the tests can put a proxy in front of it", dsnVar)
	}
	return cfg
}

func dsnAt(cfg *mysql.Config, addr string) string {
	c := cfg.Clone()
	c.Addr = addr
	return c.FormatDSN()
}

func TestStore(t *testing.T) {
	sqlstoretest.Run(t, harness(t, &mysql.MySQLDriver{}, 39)) // 39 allocations measured: go-sql-driver/mysql, database/sql and the store
}

// TestStoreOnOpen runs the kit on handles of Open's driver, whose
// sockets hold the store's deadlines (the hung-server tests among them).
func TestStoreOnOpen(t *testing.T) {
	sqlstoretest.Run(t, harness(t, mysqlstore.Driver(), 36)) // 36 measured: no watcher of the driver or database/sql
}

// harness is the kit's harness for the server of SESSION2_MYSQL_DSN
// through d, a Load allowed loadAllocs allocations.
func harness(t *testing.T, d driver.Driver, loadAllocs float64) sqlstoretest.Harness {
	cfg := serverConfig(t)
	return sqlstoretest.Harness{
		Dialect:    mysqlstore.Dialect(),
		Driver:     d,
		Addr:       cfg.Addr,
		DSN:        func(addr string) string { return dsnAt(cfg, addr) },
		Schema:     cfg.DBName,
		RoundTrips: func() sqlstoretest.RoundTripCounter { return &wireCounter{} },
		LoadAllocs: loadAllocs,
	}
}

// TestDSNOptions runs the conformance suite over connections with the
// opposite of every option DSN sets (no parseTime, a loc far from UTC, no
// clientFoundRows) and with all of them: the store needs none.
func TestDSNOptions(t *testing.T) {
	base := serverConfig(t)
	plain := base.Clone()
	plain.ParseTime = false
	plain.ClientFoundRows = false
	plain.Loc = mustZone(t, "Asia/Kolkata") // UTC+5:30
	set := base.Clone()
	set.ParseTime = true
	set.ClientFoundRows = true
	set.Loc = mustZone(t, "America/Phoenix") // UTC-7
	for name, cfg := range map[string]*mysql.Config{"without": plain, "with": set} {
		t.Run(name, func(t *testing.T) {
			db, err := sql.Open("mysql", cfg.FormatDSN())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			db.SetMaxOpenConns(16)
			table := fmt.Sprintf("s2t_opts_%d", time.Now().UnixNano()%1e9)
			s, err := mysqlstore.New(db, sqlstore.WithTable(table), sqlstore.WithSweepInterval(0))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				s.Close()
				db.Exec("DROP TABLE IF EXISTS " + s.Names().Table)
				db.Exec("DROP TABLE IF EXISTS " + s.Names().Versions)
			})
			if err := s.Setup(context.Background()); err != nil {
				t.Fatal(err)
			}
			conformance.TestStore(t, func(t *testing.T) session.Store {
				s2, err := mysqlstore.New(db, sqlstore.WithTable(table), sqlstore.WithSweepInterval(0))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s2.Close() })
				return s2
			})
		})
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// quiet silences the driver's log of broken connections, which the tests
// that cut the link provoke on purpose.
type quiet struct{}

func (quiet) Print(...any) {}

func TestMain(m *testing.M) {
	mysql.SetLogger(quiet{})
	os.Exit(m.Run())
}

// wireCounter counts round trips in MySQL's client protocol: every command
// packet (sequence number 0) except the ones the server does not answer
// (COM_QUIT, COM_STMT_SEND_LONG_DATA, COM_STMT_CLOSE).
type wireCounter struct {
	mu  sync.Mutex
	buf []byte
	n   int
}

func (c *wireCounter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf = append(c.buf, p...)
	for len(c.buf) >= 4 {
		l := int(c.buf[0]) | int(c.buf[1])<<8 | int(c.buf[2])<<16
		if len(c.buf) < 4+l {
			break
		}
		seq := c.buf[3]
		if seq == 0 && l > 0 {
			switch c.buf[4] {
			case 0x01, 0x18, 0x19:
			default:
				c.n++
			}
		}
		c.buf = c.buf[4+l:]
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

// TestUnpreparedCostsMore shows why the store prepares: go-sql-driver
// sends a statement with parameters as a prepare, an execute and a close
// unless it is prepared (or interpolateParams is set). It also proves the
// round-trip counter counts.
func TestUnpreparedCostsMore(t *testing.T) {
	cfg := serverConfig(t)
	p := sqlstoretest.NewProxy(t, cfg.Addr, func() sqlstoretest.RoundTripCounter { return &wireCounter{} })
	db, err := sql.Open("mysql", dsnAt(cfg, p.Addr()))
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
	if err := db.QueryRowContext(ctx, "SELECT ?", 1).Scan(&one); err != nil {
		t.Fatal(err)
	}
	if n := p.RoundTrips() - r0; n != 2 {
		t.Errorf("an unprepared statement with a parameter took %d round trips, want 2", n)
	}
	st, err := db.PrepareContext(ctx, "SELECT ?")
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

func TestDSN(t *testing.T) {
	cases := []struct {
		url            string
		user, pw, addr string
		net, db        string
		params         map[string]string
	}{
		{url: "mysql://app:secret@db.example:3307/sessions", user: "app", pw: "secret", net: "tcp", addr: "db.example:3307", db: "sessions"},
		{url: "mysql://app@db.example/sessions", user: "app", net: "tcp", addr: "db.example:3306", db: "sessions"},
		{url: "mysql://root@[::1]:3306/test", user: "root", net: "tcp", addr: "[::1]:3306", db: "test"},
		{url: "mysql://root@/test", user: "root", net: "tcp", addr: "127.0.0.1:3306", db: "test"},
		{url: "mysql://app:p%40ss%3Aw%2Frd%28x%29@h:1/d", user: "app", pw: "p@ss:w/rd(x)", net: "tcp", addr: "h:1", db: "d"},
		{url: "mysql://app@/d?socket=/run/mysqld/mysqld.sock", user: "app", net: "unix", addr: "/run/mysqld/mysqld.sock", db: "d"},
		{url: "mysql://app@h/d?timeout=5s&tls=skip-verify&collation=utf8mb4_bin", user: "app", net: "tcp", addr: "h:3306", db: "d",
			params: map[string]string{}},
	}
	for _, c := range cases {
		u, err := url.Parse(c.url)
		if err != nil {
			t.Fatal(err)
		}
		dsn, err := mysqlstore.DSN(u)
		if err != nil {
			t.Errorf("DSN(%s): %v", c.url, err)
			continue
		}
		if strings.Contains(c.url, "secret") && !strings.Contains(dsn, "secret") {
			t.Errorf("DSN(%s) lost the password", c.url)
		}
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			t.Errorf("DSN(%s) = %q, which the driver does not parse: %v", c.url, dsn, err)
			continue
		}
		if cfg.User != c.user || cfg.Passwd != c.pw || cfg.Net != c.net || cfg.Addr != c.addr || cfg.DBName != c.db {
			t.Errorf("DSN(%s) = %q: user %q password %q net %s addr %s db %q; want %q %q %s %s %q",
				c.url, dsn, cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName, c.user, c.pw, c.net, c.addr, c.db)
		}
		if !cfg.ParseTime || !cfg.ClientFoundRows || cfg.Loc != time.UTC {
			t.Errorf("DSN(%s) = %q: parseTime %v clientFoundRows %v loc %v; want true true UTC", c.url, dsn, cfg.ParseTime, cfg.ClientFoundRows, cfg.Loc)
		}
		if c.params != nil && (cfg.Timeout != 5*time.Second || cfg.TLSConfig != "skip-verify" || cfg.Collation != "utf8mb4_bin") {
			t.Errorf("DSN(%s) = %q: the driver's parameters did not pass through", c.url, dsn)
		}
	}
	u, _ := url.Parse("mysql://app@h/d?parseTime=false")
	if dsn, _ := mysqlstore.DSN(u); !strings.Contains(dsn, "parseTime=false") {
		t.Errorf("DSN overrode the URL's parseTime=false: %s", dsn)
	}
	for _, raw := range []string{"postgres://h/d", "mysql:opaque", "mysql://h/a/b", "mysql://a:b@h/d?socket=/s", "mysql://a%3Ab@h/d"} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if dsn, err := mysqlstore.DSN(u); err == nil {
			t.Errorf("DSN(%s) = %q, want an error", raw, dsn)
		}
	}
}

func TestIsDuplicate(t *testing.T) {
	d := mysqlstore.Dialect()
	dup := &mysql.MySQLError{Number: 1062, Message: "Duplicate entry"}
	other := &mysql.MySQLError{Number: 1146, Message: "Table doesn't exist"}
	cases := []struct {
		err  error
		want bool
	}{
		{dup, true},
		{fmt.Errorf("wrapped: %w", dup), true},
		{errors.Join(errors.New("first"), dup), true},
		{other, false},
		{fmt.Errorf("wrapped: %w", other), false},
		{errors.New("some error"), false},
		{errors.New("Error 1062 (23000): Duplicate entry 'x' for key 'PRIMARY'"), true},
	}
	for _, c := range cases {
		if got := d.IsDuplicate(c.err); got != c.want {
			t.Errorf("IsDuplicate(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// mysqlURL returns the server as a mysql:// URL.
func mysqlURL(cfg *mysql.Config) *url.URL {
	u := &url.URL{Scheme: "mysql", Host: cfg.Addr, Path: "/" + cfg.DBName}
	if cfg.Passwd != "" {
		u.User = url.UserPassword(cfg.User, cfg.Passwd)
	} else {
		u.User = url.User(cfg.User)
	}
	return u
}

func TestOpenURL(t *testing.T) {
	cfg := serverConfig(t)
	mysqlstore.Register("mysql")
	mysqlstore.Register("mysql")
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Register with another driver name did not panic")
			}
		}()
		mysqlstore.Register("mariadb")
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	u := mysqlURL(cfg)
	table := fmt.Sprintf("s2t_url_%d", time.Now().UnixNano()%1e9)
	u.RawQuery = url.Values{"table": {table}, "sweep": {"0"}, "batch": {"10"}}.Encode()
	s, err := session.OpenStore(ctx, u.String())
	if err != nil {
		t.Fatalf("OpenStore: %v", err)
	}
	ss := s.(*sqlstore.Store)
	n, db := ss.Names(), ss.DB()
	t.Cleanup(func() {
		admin, err := sql.Open("mysql", cfg.FormatDSN())
		if err == nil {
			admin.Exec("DROP TABLE IF EXISTS " + n.Table)
			admin.Exec("DROP TABLE IF EXISTS " + n.Versions)
			admin.Close()
		}
	})
	if n.Raw != table {
		t.Errorf("the table parameter was not applied: %q", n.Raw)
	}
	if db.Driver() != mysqlstore.Driver() {
		t.Errorf("a store URL opened with go-sql-driver/mysql runs on %T, not on Open's driver", db.Driver())
	}
	if err := s.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	// With a read timeout, which Open's driver refuses, the URL keeps the
	// driver's own handle.
	timed := *u
	timed.RawQuery += "&readTimeout=5s"
	if ts, err := session.OpenStore(ctx, timed.String()); err != nil {
		t.Errorf("OpenStore with readTimeout: %v", err)
	} else {
		if d := ts.(*sqlstore.Store).DB().Driver(); d == mysqlstore.Driver() {
			t.Error("a store URL with readTimeout runs on Open's driver, which would replace the timeout")
		}
		ts.Close()
	}
	key := strings.Repeat("1e", 32)
	now := time.Now()
	if err := s.Save(ctx, key, session.Record{Data: []byte("by URL"), Created: now, Accessed: now, Expires: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.PingContext(ctx); err == nil {
		t.Error("a store opened by URL left its database open after Close")
	}

	bad := mysqlURL(cfg)
	bad.Host = "127.0.0.1:1"
	bad.User = url.UserPassword("app", "secret")
	for _, raw := range []string{bad.String(), u.String() + "&sweep=soon", u.String() + "&table=no;way"} {
		if s, err := session.OpenStore(ctx, raw); err == nil {
			s.Close()
			t.Errorf("OpenStore(%s) succeeded, want an error", raw)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("an error shows the password: %v", err)
		}
	}
}

func TestNew(t *testing.T) {
	cfg := serverConfig(t)
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if s, err := mysqlstore.New(sqlx.NewDb(db, "mysql"), sqlstore.WithSweepInterval(0)); err != nil {
		t.Errorf("New(*sqlx.DB): %v", err)
	} else {
		s.Close()
	}
	if _, err := mysqlstore.New((*sqlx.DB)(nil)); !errors.Is(err, session.ErrInvalidConfig) {
		t.Errorf("New(nil) = %v, want ErrInvalidConfig", err)
	}
}
