// Package sqlstoretest is the test kit of the SQL engine's dialects: one
// call runs, against a real database server, the conformance suite and the
// properties that are special to SQL stores (statement and round-trip
// budgets, Setup and its migrations, keyset paging, batched pruning, the
// sweeper, a database that goes away) and the request-level ones through
// the core middleware (one statement per read-only request, two per write,
// two servers sharing one table).
//
// A dialect's test file is then:
//
//	func TestStore(t *testing.T) {
//		dsn := os.Getenv("SESSION2_POSTGRES_DSN")
//		if dsn == "" {
//			t.Skip("SESSION2_POSTGRES_DSN is not set")
//		}
//		sqlstoretest.Run(t, sqlstoretest.Harness{Dialect: postgresstore.Dialect(), Driver: &pq.Driver{}, ...})
//	}
//
// Every test uses tables of its own, named with a random suffix and dropped
// when it ends, so a shared database is fine.
package sqlstoretest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/base64"
	"encoding/hex"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/session2/session2/stores/sqlstore"
)

// Harness describes the dialect under test and how to reach its server.
type Harness struct {
	// Dialect is the dialect under test.
	Dialect sqlstore.Dialect
	// Driver is the database/sql driver that reaches the server, such as
	// &pq.Driver{}.
	Driver driver.Driver
	// Addr is the server's TCP address, host:port.
	Addr string
	// DSN returns the driver's data source name for the server reached at
	// addr, which is Addr or the address of the kit's proxy in front of it.
	DSN func(addr string) string
	// Schema, when set, names a schema (PostgreSQL) or database (MySQL) the
	// tests may create tables in, to test "schema.table" names.
	Schema string
	// RoundTrips, when set, returns a counter of round trips for one
	// connection's client-to-server bytes; the kit then checks that every
	// request-time operation costs one round trip.
	RoundTrips func() RoundTripCounter
	// LoadAllocs, when set, is the most allocations a Load of a live
	// record may make, context with a deadline, driver and database/sql
	// included; the kit fails when a Load makes more, and logs the count
	// either way.
	LoadAllocs float64
}

// kit is the state one Run shares with its tests.
type kit struct {
	h     Harness
	admin *sqlx.DB // direct, uncounted: creates and drops tables
}

type kitTest struct {
	name string
	fn   func(t *testing.T, k *kit)
}

// Run runs every test of the kit as a subtest of t, against the server h
// describes.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.Dialect == nil || h.Driver == nil || h.Addr == "" || h.DSN == nil {
		t.Fatal("sqlstoretest: Harness needs Dialect, Driver, Addr and DSN")
	}
	k := &kit{h: h}
	k.admin = k.open(t, h.Addr, &Counter{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := k.admin.PingContext(ctx); err != nil {
		t.Fatalf("sqlstoretest: the server at %s does not answer: %v", h.Addr, err)
	}
	for _, kt := range kitTests {
		t.Run(kt.name, func(t *testing.T) { kt.fn(t, k) })
	}
}

var kitTests = []kitTest{
	{"Conformance", testConformance},
	{"StatementBudget", testStatementBudget},
	{"TableNames", testTableNames},
	{"QualifiedTable", testQualifiedTable},
	{"SizeCap", testSizeCap},
	{"CorruptRow", testCorruptRow},
	{"PruneRechecks", testPruneRechecks},
	{"SetupRecreatesDroppedTable", testSetupRecreatesDroppedTable},
	{"MissingTableHint", testMissingTableHint},
	{"TimeRange", testTimeRange},
	{"LinkCut", testLinkCut},
	{"Hang", testHang},
	{"HangIdleConn", testHangIdleConn},
	{"LoadAllocations", testLoadAllocations},
	{"SetupConcurrent", testSetupConcurrent},
	{"SetupCheap", testSetupCheap},
	{"Migration", testMigration},
	{"NewerSchema", testNewerSchema},
	{"ForeignTable", testForeignTable},
	{"ForeignTableVersioned", testForeignTableVersioned},
	{"SetupKeepsOwnTable", testSetupKeepsOwnTable},
	{"SetupFailureLeavesNothing", testSetupFailureLeavesNothing},
	{"ListPages", testListPages},
	{"PruneBatches", testPruneBatches},
	{"Sweeper", testSweeper},
	{"PrepareRetried", testPrepareRetried},
	{"MiddlewareStatements", testMiddlewareStatements},
	{"MiddlewareGarbageRow", testMiddlewareGarbageRow},
	{"MiddlewareSizeCap", testMiddlewareSizeCap},
	{"Shared", testShared},
	{"MiddlewareOutage", testMiddlewareOutage},
}

// open opens a database at addr whose driver counts into c, closed by
// t.Cleanup.
func (k *kit) open(t testing.TB, addr string, c *Counter) *sqlx.DB {
	t.Helper()
	db := sql.OpenDB(c.Connector(k.h.Driver, k.h.DSN(addr)))
	t.Cleanup(func() { db.Close() })
	return sqlx.NewDb(db, k.h.Dialect.Name())
}

// tableName returns a fresh table name.
func tableName(t testing.TB) string {
	return "s2t_" + randomHex(t, 6)
}

// newStore returns a store on a fresh table of db, Setup done, its sweeper
// off unless opts say otherwise; t.Cleanup closes it and drops its tables.
func (k *kit) newStore(t testing.TB, db *sqlx.DB, opts ...sqlstore.Option) *sqlstore.Store {
	t.Helper()
	all := append([]sqlstore.Option{sqlstore.WithTable(tableName(t)), sqlstore.WithSweepInterval(0)}, opts...)
	s, err := sqlstore.New(db, k.h.Dialect, all...)
	if err != nil {
		t.Fatalf("sqlstore.New: %v", err)
	}
	k.dropAtEnd(t, s.Names())
	t.Cleanup(func() { s.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Setup(ctx); err != nil {
		t.Fatalf("Setup: %v", err)
	}
	return s
}

// sibling returns a second store on the table of s, through db.
func (k *kit) sibling(t testing.TB, s *sqlstore.Store, db *sqlx.DB, opts ...sqlstore.Option) *sqlstore.Store {
	t.Helper()
	all := append([]sqlstore.Option{sqlstore.WithTable(s.Names().Raw), sqlstore.WithSweepInterval(0)}, opts...)
	s2, err := sqlstore.New(db, k.h.Dialect, all...)
	if err != nil {
		t.Fatalf("sqlstore.New: %v", err)
	}
	t.Cleanup(func() { s2.Close() })
	return s2
}

// dropAtEnd drops the tables named by n when the test ends.
func (k *kit) dropAtEnd(t testing.TB, n sqlstore.Names) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, tbl := range []string{n.Table, n.Versions} {
			if _, err := k.admin.ExecContext(ctx, "DROP TABLE IF EXISTS "+tbl); err != nil {
				t.Errorf("dropping %s: %v", tbl, err)
			}
		}
	})
}

// exec runs a statement of the kit itself on the admin handle, with "?"
// placeholders rebound for the dialect.
func (k *kit) exec(t testing.TB, query string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := k.admin.ExecContext(ctx, sqlx.Rebind(k.h.Dialect.BindType(), query), args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// newKey returns a random store key.
func newKey(t testing.TB) string { return randomHex(t, 32) }

// newToken returns a session token of the manager's shape and its store
// key, so a test can plant a row a cookie will find.
func newToken(t testing.TB) (token, key string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, keyOf(token)
}

// keyOf returns the store key of a token, as the manager derives it.
func keyOf(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// now returns the wall clock in UTC, in microseconds as stores keep it.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// ctxT returns a context that ends with the test or after a minute.
func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}
