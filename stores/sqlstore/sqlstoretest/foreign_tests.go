package sqlstoretest

import (
	"errors"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/sqlstore"
)

// plantForeign creates, under a fresh name, a table shaped like scs's
// session table (token, data, expiry) holding one row, and returns a store
// configured for that name, not set up. t.Cleanup drops both tables.
func (k *kit) plantForeign(t *testing.T, db *sqlx.DB) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.New(db, k.h.Dialect, sqlstore.WithTable(tableName(t)), sqlstore.WithSweepInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	k.dropAtEnd(t, s.Names())
	k.exec(t, "CREATE TABLE "+s.Names().Table+" (token VARCHAR(64) NOT NULL PRIMARY KEY, data VARCHAR(200) NOT NULL, expiry TIMESTAMP NOT NULL)")
	k.exec(t, "INSERT INTO "+s.Names().Table+" (token, data, expiry) VALUES (?, ?, ?)", "theirs", "their data", now())
	return s
}

// tableExists reports whether a table of that unqualified name exists in
// any schema the server's information_schema shows.
func (k *kit) tableExists(t testing.TB, name string) bool {
	t.Helper()
	var n int
	q := sqlx.Rebind(k.h.Dialect.BindType(), "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = ?")
	if err := k.admin.QueryRowContext(ctxT(t), q, name).Scan(&n); err != nil {
		t.Fatalf("looking for table %s: %v", name, err)
	}
	return n > 0
}

// checkForeignRefused checks Setup's refusal of the foreign table of s, and
// that the table is as plantForeign left it.
func (k *kit) checkForeignRefused(t *testing.T, s *sqlstore.Store, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("Setup over another library's table of the same name succeeded, want an error")
	}
	if !errors.Is(err, session.ErrInvalidConfig) {
		t.Errorf("Setup over another library's table: %v, want an error wrapping ErrInvalidConfig", err)
	}
	raw := s.Names().Raw
	for _, want := range []string{
		`table "` + raw + `" exists and is not a session2 table`,
		"its columns: token, data, expiry",
		k.h.Dialect.Name() + `.WithTable("`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Setup's error %q does not say %q", err, want)
		}
	}
	var n int
	if err := k.admin.QueryRowContext(ctxT(t), "SELECT COUNT(*) FROM "+s.Names().Table+" WHERE token = 'theirs'").Scan(&n); err != nil || n != 1 {
		t.Errorf("the other table holds %d of its rows (%v) after Setup, want its 1 row untouched", n, err)
	}
	q := sqlx.Rebind(k.h.Dialect.BindType(), "SELECT COUNT(*) FROM information_schema.columns WHERE table_name = ?")
	if err := k.admin.QueryRowContext(ctxT(t), q, raw).Scan(&n); err != nil || n != 3 {
		t.Errorf("the other table has %d columns (%v) after Setup, want its 3", n, err)
	}
}

// testForeignTable: Setup over a table of the same name that another
// library (scs's shape) made refuses, names the table, its columns and
// WithTable, and creates nothing: no schema-version table, no index, no
// change to the table; a second Setup says the same.
func testForeignTable(t *testing.T, k *kit) {
	db := k.open(t, k.h.Addr, &Counter{})
	s := k.plantForeign(t, db)
	for i := 0; i < 2; i++ {
		k.checkForeignRefused(t, s, s.Setup(ctxT(t)))
		if k.tableExists(t, s.Names().Raw+"_schema") {
			t.Fatalf("Setup %d refused the table but left %s behind", i+1, s.Names().Versions)
		}
	}
}

// testForeignTableVersioned: the session table was replaced by another
// library's after Setup recorded the schema version; Setup, which trusts
// the version, still refuses with the same message and touches nothing.
func testForeignTableVersioned(t *testing.T, k *kit) {
	db := k.open(t, k.h.Addr, &Counter{})
	s := k.newStore(t, db)
	k.exec(t, "DROP TABLE "+s.Names().Table)
	k.exec(t, "CREATE TABLE "+s.Names().Table+" (token VARCHAR(64) NOT NULL PRIMARY KEY, data VARCHAR(200) NOT NULL, expiry TIMESTAMP NOT NULL)")
	k.exec(t, "INSERT INTO "+s.Names().Table+" (token, data, expiry) VALUES (?, ?, ?)", "theirs", "their data", now())
	k.checkForeignRefused(t, s, s.Setup(ctxT(t)))
}

// testSetupKeepsOwnTable: a session2 table from an earlier Setup is
// accepted, with its rows, even when its schema-version table is gone
// (a dump of the session table alone, restored): Setup records the version
// again, twice in a row without error.
func testSetupKeepsOwnTable(t *testing.T, k *kit) {
	db := k.open(t, k.h.Addr, &Counter{})
	s := k.newStore(t, db)
	key := newKey(t)
	mustSave(t, s, key, live("own", "kept"))
	k.exec(t, "DROP TABLE "+s.Names().Versions)
	for i := 0; i < 2; i++ {
		if err := s.Setup(ctxT(t)); err != nil {
			t.Fatalf("Setup %d over a session2 table without its version table: %v", i+1, err)
		}
	}
	if have, want, err := s.SchemaVersion(ctxT(t)); err != nil || have != want {
		t.Errorf("SchemaVersion = %d, %d, %v; want the version recorded again", have, want, err)
	}
	if got := mustLoad(t, s, key); string(got.Data) != "kept" {
		t.Errorf("after Setup, the record holds %q", got.Data)
	}
}

// failingStep is a dialect with one more migration step than its own,
// which fails.
type failingStep struct{ sqlstore.Dialect }

// IsMissingTable is the wrapped dialect's, which Setup needs to know the
// tables it created.
func (f failingStep) IsMissingTable(err error) bool {
	return f.Dialect.(sqlstore.MissingTableDetector).IsMissingTable(err)
}

func (f failingStep) Migrations(n sqlstore.Names) []sqlstore.Migration {
	steps := f.Dialect.Migrations(n)
	return append(steps, sqlstore.Migration{
		Version:     len(steps) + 1,
		Description: "a step of sqlstoretest that fails",
		Statements:  []string{"SELECT no_such_column FROM " + n.Table},
	})
}

// testSetupFailureLeavesNothing: a Setup on a fresh name whose last
// migration step fails leaves neither the session table nor the
// schema-version table behind, whether the database's DDL is
// transactional (rolled back) or not (dropped again, which needs the
// dialect to recognise a missing table).
func testSetupFailureLeavesNothing(t *testing.T, k *kit) {
	if _, ok := k.h.Dialect.(sqlstore.MissingTableDetector); !ok {
		t.Skipf("the dialect %s does not recognise a missing table", k.h.Dialect.Name())
	}
	db := k.open(t, k.h.Addr, &Counter{})
	s, err := sqlstore.New(db, failingStep{k.h.Dialect}, sqlstore.WithTable(tableName(t)), sqlstore.WithSweepInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	k.dropAtEnd(t, s.Names())
	if err := s.Setup(ctxT(t)); err == nil {
		t.Fatal("Setup with a failing migration step succeeded")
	}
	for _, name := range []string{s.Names().Raw, s.Names().Raw + "_schema"} {
		if k.tableExists(t, name) {
			t.Errorf("the failed Setup left table %s behind", name)
		}
	}
}
