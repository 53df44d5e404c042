package bench

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/alexedwards/scs/mysqlstore"
	"github.com/alexedwards/scs/postgresstore"
	"github.com/go-sql-driver/mysql"
	"github.com/lib/pq"

	"github.com/session2/session2/bench/internal/servers"
	s2mysql "github.com/session2/session2/stores/mysqlstore"
	s2pg "github.com/session2/session2/stores/postgresstore"
	"github.com/session2/session2/stores/sqlstore"
	"github.com/session2/session2/stores/sqlstore/sqlstoretest"
)

// sqlPath is the three contenders of BenchmarkSQLPath on one database,
// sharing one *sql.DB.
type sqlPath struct{ floor, session2, scs sqlContender }

// sqlPathDBs are the handles BenchmarkSQLPath runs on: each driver's own,
// and the one of the store's Open (the same driver, its sockets holding
// the store's deadlines: see sqlstore.DeadlineDriver).
var sqlPathDBs = []struct {
	name  string
	setup func(*testing.B) sqlPath
}{
	{"postgres", func(b *testing.B) sqlPath { return setupPostgresPath(b, &pq.Driver{}) }},
	{"postgres-open", func(b *testing.B) sqlPath { return setupPostgresPath(b, s2pg.Driver()) }},
	{"mysql", func(b *testing.B) sqlPath { return setupMySQLPath(b, &mysql.MySQLDriver{}) }},
	{"mysql-open", func(b *testing.B) sqlPath { return setupMySQLPath(b, s2mysql.Driver()) }},
}

// BenchmarkSQLPath measures the raw SQL floor (see floorHandler) beside
// session2 and scs, on one *sql.DB per database and handle shared by all
// three, so that the ratio session2/floor can be read from one run:
//
//	BenchmarkSQLPath/{postgres,postgres-open,mysql,mysql-open}/{read,bump}/{floor,session2,scs}
//
// read is a request that reads the session (the floor: one prepared
// SELECT by key); bump one that changes it (the floor: that SELECT, then
// one prepared UPDATE). cmd/pathratio prints the ratios from the output
// of interleaved passes.
func BenchmarkSQLPath(b *testing.B) {
	kinds := []struct{ name, kind string }{{"read", kindRead}, {"bump", kindWrite}}
	for _, db := range sqlPathDBs {
		b.Run(db.name, func(b *testing.B) {
			p := db.setup(b)
			for _, k := range kinds {
				b.Run(k.name, func(b *testing.B) {
					b.Run("floor", func(b *testing.B) { benchSQL(b, p.floor, k.kind) })
					b.Run("session2", func(b *testing.B) { benchSQL(b, p.session2, k.kind) })
					b.Run("scs", func(b *testing.B) { benchSQL(b, p.scs, k.kind) })
				})
			}
		})
	}
}

// setupPostgresPath opens one *sql.DB on SESSION2_POSTGRES_DSN through d
// (lib/pq, or postgresstore's driver over it), creates session2's table
// (which the floor shares) and scs's, and builds the three contenders on
// that handle.
func setupPostgresPath(b *testing.B, d driver.Driver) sqlPath {
	dsn, err := servers.PostgresDSN()
	if errors.Is(err, servers.ErrNotSet) {
		b.Skip(err)
	}
	c := &sqlstoretest.Counter{}
	db := sql.OpenDB(c.Connector(d, dsn))
	b.Cleanup(func() { db.Close() })
	suffix := servers.Unique()
	s2Table, scsTable := "s2path_"+suffix, "scspath_"+suffix
	mustExec(b, db, "CREATE TABLE "+scsTable+" (token TEXT PRIMARY KEY, data BYTEA NOT NULL, expiry TIMESTAMPTZ NOT NULL)")
	mustExec(b, db, "CREATE INDEX "+scsTable+"_expiry_idx ON "+scsTable+" (expiry)")
	b.Cleanup(func() {
		for _, t := range []string{scsTable, s2Table, s2Table + "_schema"} {
			db.Exec("DROP TABLE IF EXISTS " + t)
		}
	})
	store, err := s2pg.New(db, sqlstore.WithTable(s2Table), sqlstore.WithSweepInterval(0))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	if err := store.Setup(context.Background()); err != nil {
		b.Fatal(err)
	}
	return sqlPath{
		floor:    sqlContender{handler: floorHandler(b, db, floorStatements(s2Table, pgPlaceholder)), counter: c},
		session2: session2SQL(b, store, c),
		scs:      scsSQL(postgresstore.NewWithConfig(db, postgresstore.Config{TableName: scsTable, CleanUpInterval: 0}), c),
	}
}

// setupMySQLPath is setupPostgresPath on SESSION2_MYSQL_DSN through d
// (go-sql-driver/mysql, or mysqlstore's driver over it), in a database of
// the run's own (scs's mysqlstore always uses a table named sessions).
func setupMySQLPath(b *testing.B, d driver.Driver) sqlPath {
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
	dbName := "s2path_" + servers.Unique()
	mustExec(b, adminDB, "CREATE DATABASE "+dbName)
	b.Cleanup(func() { adminDB.Exec("DROP DATABASE IF EXISTS " + dbName) })
	cfg.DBName = dbName
	c := &sqlstoretest.Counter{}
	db := sql.OpenDB(c.Connector(d, cfg.FormatDSN()))
	b.Cleanup(func() { db.Close() })
	mustExec(b, db, "CREATE TABLE sessions (token CHAR(43) PRIMARY KEY, data BLOB NOT NULL, expiry TIMESTAMP(6) NOT NULL)")
	mustExec(b, db, "CREATE INDEX sessions_expiry_idx ON sessions (expiry)")
	const s2Table = "s2sessions"
	store, err := s2mysql.New(db, sqlstore.WithTable(s2Table), sqlstore.WithSweepInterval(0))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	if err := store.Setup(context.Background()); err != nil {
		b.Fatal(err)
	}
	return sqlPath{
		floor:    sqlContender{handler: floorHandler(b, db, floorStatements(s2Table, mysqlPlaceholder)), counter: c},
		session2: session2SQL(b, store, c),
		scs:      scsSQL(mysqlstore.NewWithCleanupInterval(db, 0), c),
	}
}

// BenchmarkSQLPathPaired serves the floor's request and session2's in
// turn, one of each per iteration (the floor first on even iterations),
// timing each on its own, so that both meet the same load on a shared
// machine; it reports floor-ns/op, session2-ns/op and their ratio:
//
//	BenchmarkSQLPathPaired/{postgres,postgres-open,mysql,mysql-open}/{read,bump}
func BenchmarkSQLPathPaired(b *testing.B) {
	kinds := []struct{ name, kind string }{{"read", kindRead}, {"bump", kindWrite}}
	for _, db := range sqlPathDBs {
		b.Run(db.name, func(b *testing.B) {
			p := db.setup(b)
			for _, k := range kinds {
				b.Run(k.name, func(b *testing.B) { benchPaired(b, p.floor, p.session2, k.kind) })
			}
		})
	}
}

// benchPaired serves b.N requests of kind through each of floor and s2,
// alternating, on a session each created before the timer starts.
func benchPaired(b *testing.B, floor, s2 sqlContender, kind string) {
	fc, sc := primeCookie(b, floor), primeCookie(b, s2)
	path := "/" + kind
	serve := func(c sqlContender, cookie string) time.Duration {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.Header.Set("Cookie", cookie)
		w := httptest.NewRecorder()
		start := time.Now()
		c.handler.ServeHTTP(w, r)
		took := time.Since(start)
		if w.Code != http.StatusOK {
			b.Fatalf("%s: status %d: %s", path, w.Code, w.Body)
		}
		return took
	}
	var tf, ts time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%2 == 0 {
			tf += serve(floor, fc)
			ts += serve(s2, sc)
		} else {
			ts += serve(s2, sc)
			tf += serve(floor, fc)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(tf.Nanoseconds())/float64(b.N), "floor-ns/op")
	b.ReportMetric(float64(ts.Nanoseconds())/float64(b.N), "session2-ns/op")
	b.ReportMetric(float64(ts)/float64(tf), "ratio")
}
