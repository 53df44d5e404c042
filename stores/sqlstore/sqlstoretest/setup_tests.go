package sqlstoretest

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/sqlstore"
)

// testMissingTableHint: every operation on a table Setup never created
// fails with an error wrapping sqlstore.ErrNoTable, naming the table and
// telling what to run; WithSetup then creates it in New.
func testMissingTableHint(t *testing.T, k *kit) {
	if _, ok := k.h.Dialect.(sqlstore.MissingTableDetector); !ok {
		t.Skipf("the dialect %s does not recognise a missing table", k.h.Dialect.Name())
	}
	db := k.open(t, k.h.Addr, &Counter{})
	table := tableName(t)
	s, err := sqlstore.New(db, k.h.Dialect, sqlstore.WithTable(table), sqlstore.WithSweepInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	key := newKey(t)
	checks := map[string]error{}
	_, checks["Load"] = s.Load(ctxT(t), key)
	checks["Save"] = s.Save(ctxT(t), key, live("u", "d"))
	checks["Touch"] = s.Touch(ctxT(t), key, now(), now())
	checks["Delete"] = s.Delete(ctxT(t), key)
	_, checks["Prune"] = s.Prune(ctxT(t), session.Filter{User: "u"})
	for _, err := range s.List(ctxT(t), session.Filter{}) {
		checks["List"] = err
		break
	}
	for op, err := range checks {
		if !errors.Is(err, sqlstore.ErrNoTable) {
			t.Errorf("%s on a missing table: %v, want ErrNoTable", op, err)
			continue
		}
		for _, want := range []string{table, "Setup", "sessionctl -store URL setup"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %q does not mention %q", op, err, want)
			}
		}
	}

	s2, err := sqlstore.New(db, k.h.Dialect, sqlstore.WithTable(table), sqlstore.WithSweepInterval(0), sqlstore.WithSetup())
	if err != nil {
		t.Fatalf("New with WithSetup: %v", err)
	}
	k.dropAtEnd(t, s2.Names())
	t.Cleanup(func() { s2.Close() })
	mustSave(t, s2, key, live("u", "d"))
	mustLoad(t, s, key) // the first store works now too
}

// versionRows counts the rows of a store's schema-version table.
func (k *kit) versionRows(t testing.TB, s *sqlstore.Store) int {
	t.Helper()
	var n int
	if err := k.admin.QueryRowContext(ctxT(t), "SELECT COUNT(*) FROM "+s.Names().Versions).Scan(&n); err != nil {
		t.Fatalf("counting schema versions: %v", err)
	}
	return n
}

func testSetupConcurrent(t *testing.T, k *kit) {
	db := k.open(t, k.h.Addr, &Counter{})
	name := tableName(t)
	stores := make([]*sqlstore.Store, 4)
	for i := range stores {
		s, err := sqlstore.New(db, k.h.Dialect, sqlstore.WithTable(name), sqlstore.WithSweepInterval(0))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		stores[i] = s
	}
	k.dropAtEnd(t, stores[0].Names())
	var wg sync.WaitGroup
	errs := make([]error, len(stores))
	for i, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Setup(ctxT(t))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("concurrent Setup %d: %v", i, err)
		}
	}
	want := len(k.h.Dialect.Migrations(stores[0].Names()))
	if n := k.versionRows(t, stores[0]); n != want {
		t.Errorf("after 4 concurrent Setups, %d schema-version rows, want %d", n, want)
	}
	have, w, err := stores[1].SchemaVersion(ctxT(t))
	if err != nil || have != want || w != want {
		t.Errorf("SchemaVersion = %d, %d, %v; want %d, %d, nil", have, w, err, want, want)
	}
	key := newKey(t)
	mustSave(t, stores[2], key, live("setup", "after setup"))
	mustLoad(t, stores[3], key)
}

// testSetupCheap checks that Setup of a current schema is two SELECTs, so
// that applications may call it at every start.
func testSetupCheap(t *testing.T, k *kit) {
	c := &Counter{}
	db := k.open(t, k.h.Addr, c)
	s := k.newStore(t, db)
	key := newKey(t)
	mustSave(t, s, key, live("cheap", "kept"))
	s0 := c.Statements()
	if err := s.Setup(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if n := c.Statements() - s0; n != 2 {
		t.Errorf("Setup of a current schema ran %d statements, want 2 (read the version, check the columns)", n)
	}
	mustLoad(t, s, key)
}

// extraStep is a dialect with one more migration step than d, which
// creates a probe table.
type extraStep struct {
	sqlstore.Dialect
	probe string // quoted
}

func (e extraStep) Migrations(n sqlstore.Names) []sqlstore.Migration {
	steps := e.Dialect.Migrations(n)
	return append(steps, sqlstore.Migration{
		Version:     len(steps) + 1,
		Description: "a probe step of sqlstoretest",
		Statements:  []string{"CREATE TABLE IF NOT EXISTS " + e.probe + " (n INTEGER)"},
	})
}

func testMigration(t *testing.T, k *kit) {
	db := k.open(t, k.h.Addr, &Counter{})
	s := k.newStore(t, db)
	key := newKey(t)
	mustSave(t, s, key, live("migrate", "before the migration"))
	base := len(k.h.Dialect.Migrations(s.Names()))

	probe := k.h.Dialect.Quote(s.Names().Raw + "_probe")
	t.Cleanup(func() { k.admin.Exec("DROP TABLE IF EXISTS " + probe) })
	next, err := sqlstore.New(db, extraStep{k.h.Dialect, probe}, sqlstore.WithTable(s.Names().Raw), sqlstore.WithSweepInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	defer next.Close()
	for i := 0; i < 2; i++ {
		if err := next.Setup(ctxT(t)); err != nil {
			t.Fatalf("Setup with a new migration step (run %d): %v", i+1, err)
		}
	}
	if have, want, err := next.SchemaVersion(ctxT(t)); have != base+1 || want != base+1 || err != nil {
		t.Errorf("after the migration, SchemaVersion = %d, %d, %v; want %d, %d", have, want, err, base+1, base+1)
	}
	if n := k.versionRows(t, s); n != base+1 {
		t.Errorf("after the migration, %d schema-version rows, want %d", n, base+1)
	}
	var n int
	if err := k.admin.QueryRowContext(ctxT(t), "SELECT COUNT(*) FROM "+probe).Scan(&n); err != nil {
		t.Errorf("the migration's probe table: %v", err)
	}
	if got := mustLoad(t, next, key); string(got.Data) != "before the migration" {
		t.Errorf("after the migration, the record holds %q", got.Data)
	}
}

func testNewerSchema(t *testing.T, k *kit) {
	db := k.open(t, k.h.Addr, &Counter{})
	s := k.newStore(t, db)
	key := newKey(t)
	mustSave(t, s, key, live("newer", "kept"))
	base := len(k.h.Dialect.Migrations(s.Names()))
	k.exec(t, "INSERT INTO "+s.Names().Versions+" (version, description, applied) VALUES (?, ?, ?)", base+1, "from the future", "2999-01-01T00:00:00Z")
	err := s.Setup(ctxT(t))
	if !errors.Is(err, session.ErrInvalidConfig) {
		t.Errorf("Setup of a schema newer than the code = %v, want an error wrapping ErrInvalidConfig", err)
	}
	if got := mustLoad(t, s, key); string(got.Data) != "kept" {
		t.Errorf("after Setup refused a newer schema, the record holds %q", got.Data)
	}
}

// testSetupRecreatesDroppedTable: an operator who drops the session table
// to clear every session, leaving the version table, gets it back from
// Setup, which otherwise trusts the recorded version.
func testSetupRecreatesDroppedTable(t *testing.T, k *kit) {
	db := k.open(t, k.h.Addr, &Counter{})
	s := k.newStore(t, db)
	k.exec(t, "DROP TABLE "+s.Names().Table)
	if err := s.Setup(ctxT(t)); err != nil {
		t.Fatalf("Setup after the session table was dropped: %v", err)
	}
	key := newKey(t)
	mustSave(t, s, key, live("recreated", "kept"))
	mustLoad(t, s, key)
}
