package bench

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/alexedwards/scs/mysqlstore"
	"github.com/alexedwards/scs/postgresstore"
	"github.com/alexedwards/scs/v2"
	"github.com/go-sql-driver/mysql"
	"github.com/lib/pq"

	"github.com/session2/session2/bench/internal/servers"
	"github.com/session2/session2/bench/internal/tput"
	"github.com/session2/session2/core/session"
	s2mysql "github.com/session2/session2/stores/mysqlstore"
	s2pg "github.com/session2/session2/stores/postgresstore"
	"github.com/session2/session2/stores/sqlstore"
	"github.com/session2/session2/stores/sqlstore/sqlstoretest"
)

// The SQL benchmarks: session2's core middleware over postgresstore and
// mysqlstore against scs's LoadAndSave over its postgresstore and
// mysqlstore, on the servers SESSION2_POSTGRES_DSN and SESSION2_MYSQL_DSN
// name, with an idle timeout set on both (so that a read-only request must
// move the session's expiry), for a read-only request and a write.
//
// Besides ns/op each reports stmts/op, the statements the database driver
// executed per request, counted by a wrapper around the driver.

// sqlContender is one library on one database, ready to serve.
type sqlContender struct {
	handler http.Handler
	counter *sqlstoretest.Counter
}

// sqlDB is a database server the benchmarks run against.
type sqlDB struct {
	name string
	// setup creates the contenders' tables, dropped by b's cleanup, and
	// returns their constructors; it skips b when the server's variable
	// is not set.
	setup func(b *testing.B) (session2, scs func(b *testing.B) sqlContender)
}

// BenchmarkSQL measures one request through each contender on each
// database: go test -run '^$' -bench SQL -count 6.
//
// db=postgres-async is PostgreSQL with synchronous_commit=off on both
// contenders' connections: a commit then returns before its WAL reaches
// the disk, which shows what the requests cost apart from the disk's
// flush. It is for reading the figures, not a recommended setting.
func BenchmarkSQL(b *testing.B) {
	dbs := []sqlDB{
		{"postgres", func(b *testing.B) (func(*testing.B) sqlContender, func(*testing.B) sqlContender) {
			return setupPostgres(b, false)
		}},
		{"postgres-async", func(b *testing.B) (func(*testing.B) sqlContender, func(*testing.B) sqlContender) {
			return setupPostgres(b, true)
		}},
		{"mysql", setupMySQL},
	}
	for _, db := range dbs {
		b.Run("db="+db.name, func(b *testing.B) {
			s2, sc := db.setup(b)
			for _, kind := range []string{kindRead, kindWrite} {
				b.Run("kind="+kind, func(b *testing.B) {
					b.Run("lib=session2", func(b *testing.B) { benchSQL(b, s2(b), kind) })
					b.Run("lib=scs", func(b *testing.B) { benchSQL(b, sc(b), kind) })
				})
			}
		})
	}
}

// benchSQL serves b.N requests of kind through c, with the cookie of a
// session created before the timer starts, and reports the statements per
// request.
func benchSQL(b *testing.B, c sqlContender, kind string) {
	cookie := primeCookie(b, c)
	path := "/" + kind
	b.ReportAllocs()
	s0 := c.counter.Statements()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.Header.Set("Cookie", cookie)
		w := httptest.NewRecorder()
		c.handler.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("%s: status %d: %s", path, w.Code, w.Body)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(c.counter.Statements()-s0)/float64(b.N), "stmts/op")
}

// primeCookie creates a session through c and returns its cookie.
func primeCookie(b *testing.B, c sqlContender) string {
	w := httptest.NewRecorder()
	c.handler.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/prime", nil))
	if w.Code != http.StatusOK {
		b.Fatalf("/prime: status %d: %s", w.Code, w.Body)
	}
	cookie := responseCookie(w)
	if cookie == "" {
		b.Fatal("/prime set no cookie")
	}
	return cookie
}

// session2SQL builds session2's contender on store.
func session2SQL(b *testing.B, store session.Store, c *sqlstoretest.Counter) sqlContender {
	h, err := tput.Session2(store)
	if err != nil {
		b.Fatal(err)
	}
	return sqlContender{handler: h, counter: c}
}

// scsSQL builds scs's contender on store.
func scsSQL(store scs.Store, c *sqlstoretest.Counter) sqlContender {
	return sqlContender{handler: tput.SCS(store), counter: c}
}

func mustExec(b *testing.B, db *sql.DB, query string) {
	b.Helper()
	if _, err := db.Exec(query); err != nil {
		b.Fatalf("%s: %v", query, err)
	}
}

// setupPostgres prepares both contenders' tables on the PostgreSQL server,
// with synchronous_commit off on their connections when async is set.
func setupPostgres(b *testing.B, async bool) (func(*testing.B) sqlContender, func(*testing.B) sqlContender) {
	dsn, err := servers.PostgresDSN()
	if errors.Is(err, servers.ErrNotSet) {
		b.Skip(err)
	}
	if async {
		u, err := url.Parse(dsn)
		if err != nil {
			b.Fatalf("SESSION2_POSTGRES_DSN must be a URL: %v", err)
		}
		q := u.Query()
		q.Set("synchronous_commit", "off") // lib/pq sends it as a run-time parameter
		u.RawQuery = q.Encode()
		dsn = u.String()
	}
	open := func(b *testing.B) (*sql.DB, *sqlstoretest.Counter) {
		c := &sqlstoretest.Counter{}
		db := sql.OpenDB(c.Connector(&pq.Driver{}, dsn))
		b.Cleanup(func() { db.Close() })
		return db, c
	}
	admin, _ := open(b)
	suffix := servers.Unique()
	s2Table, scsTable := "s2bench_"+suffix, "scsbench_"+suffix
	mustExec(b, admin, "CREATE TABLE "+scsTable+" (token TEXT PRIMARY KEY, data BYTEA NOT NULL, expiry TIMESTAMPTZ NOT NULL)")
	mustExec(b, admin, "CREATE INDEX "+scsTable+"_expiry_idx ON "+scsTable+" (expiry)")
	b.Cleanup(func() {
		for _, t := range []string{scsTable, s2Table, s2Table + "_schema"} {
			admin.Exec("DROP TABLE IF EXISTS " + t)
		}
	})
	s2 := func(b *testing.B) sqlContender {
		db, c := open(b)
		store, err := s2pg.New(db, sqlstore.WithTable(s2Table), sqlstore.WithSweepInterval(0))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { store.Close() })
		if err := store.Setup(context.Background()); err != nil {
			b.Fatal(err)
		}
		return session2SQL(b, store, c)
	}
	sc := func(b *testing.B) sqlContender {
		db, c := open(b)
		return scsSQL(postgresstore.NewWithConfig(db, postgresstore.Config{TableName: scsTable, CleanUpInterval: 0}), c)
	}
	return s2, sc
}

// setupMySQL prepares both contenders' tables on the MySQL server, in a
// database of the benchmark's own, since scs's mysqlstore always uses a
// table named sessions.
func setupMySQL(b *testing.B) (func(*testing.B) sqlContender, func(*testing.B) sqlContender) {
	cfg, err := servers.MySQLConfig()
	if errors.Is(err, servers.ErrNotSet) {
		b.Skip(err)
	}
	if err != nil {
		b.Fatal(err)
	}
	adminDB, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { adminDB.Close() })
	dbName := "s2bench_" + servers.Unique()
	mustExec(b, adminDB, "CREATE DATABASE "+dbName)
	b.Cleanup(func() { adminDB.Exec("DROP DATABASE IF EXISTS " + dbName) })
	cfg.DBName = dbName
	open := func(b *testing.B) (*sql.DB, *sqlstoretest.Counter) {
		c := &sqlstoretest.Counter{}
		db := sql.OpenDB(c.Connector(&mysql.MySQLDriver{}, cfg.FormatDSN()))
		b.Cleanup(func() { db.Close() })
		return db, c
	}
	admin, _ := open(b)
	mustExec(b, admin, "CREATE TABLE sessions (token CHAR(43) PRIMARY KEY, data BLOB NOT NULL, expiry TIMESTAMP(6) NOT NULL)")
	mustExec(b, admin, "CREATE INDEX sessions_expiry_idx ON sessions (expiry)")
	s2 := func(b *testing.B) sqlContender {
		db, c := open(b)
		store, err := s2mysql.New(db, sqlstore.WithTable("s2sessions"), sqlstore.WithSweepInterval(0))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { store.Close() })
		if err := store.Setup(context.Background()); err != nil {
			b.Fatal(err)
		}
		return session2SQL(b, store, c)
	}
	sc := func(b *testing.B) sqlContender {
		db, c := open(b)
		return scsSQL(mysqlstore.NewWithCleanupInterval(db, 0), c)
	}
	return s2, sc
}
