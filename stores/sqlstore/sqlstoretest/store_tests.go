package sqlstoretest

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/session2/session2/conformance"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/sqlstore"
)

func live(user, data string) session.Record {
	n := now()
	return session.Record{User: user, Data: []byte(data), Created: n, Accessed: n, Expires: n.Add(time.Hour)}
}

func mustSave(t testing.TB, s session.Store, key string, rec session.Record) {
	t.Helper()
	if err := s.Save(ctxT(t), key, rec); err != nil {
		t.Fatalf("Save: %v", err)
	}
}

func mustLoad(t testing.TB, s session.Store, key string) session.Record {
	t.Helper()
	rec, err := s.Load(ctxT(t), key)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return rec
}

func testConformance(t *testing.T, k *kit) {
	db := k.open(t, k.h.Addr, &Counter{})
	db.SetMaxOpenConns(16)
	base := k.newStore(t, db)
	conformance.TestStore(t, func(t *testing.T) session.Store {
		return k.sibling(t, base, db)
	})
}

// testStatementBudget counts, once every statement is prepared on the one
// connection, the statements and round trips of each operation.
func testStatementBudget(t *testing.T, k *kit) {
	c := &Counter{}
	p := NewProxy(t, k.h.Addr, k.h.RoundTrips)
	db := k.open(t, p.Addr(), c)
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	s := k.newStore(t, db)
	ctx := ctxT(t)

	// Warm up: every statement gets prepared on the connection.
	warm := newKey(t)
	mustSave(t, s, warm, live("warm", "w"))
	mustLoad(t, s, warm)
	r := live("warm", "w2")
	r.Version = 1
	mustSave(t, s, warm, r)
	if err := s.Touch(ctx, warm, now(), now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.Touch(ctx, newKey(t), now(), now().Add(time.Hour)); !errors.Is(err, session.ErrNotFound) {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, warm); err != nil {
		t.Fatal(err)
	}

	key := newKey(t)
	rec := live("budget", "data")
	upd := live("budget", "data, changed")
	upd.Version = 1
	missingTouch := 1
	if !k.h.Dialect.CountsMatchedRows() {
		missingTouch = 2 // the UPDATE, then the SELECT telling missing from unchanged
	}
	steps := []struct {
		name string
		want int
		err  error
		fn   func() error
	}{
		{"Save (create)", 1, nil, func() error { return s.Save(ctx, key, rec) }},
		{"Load", 1, nil, func() error { _, err := s.Load(ctx, key); return err }},
		{"Save (update)", 1, nil, func() error { return s.Save(ctx, key, upd) }},
		{"Touch", 1, nil, func() error { return s.Touch(ctx, key, now(), now().Add(2*time.Hour)) }},
		{"Save (create over an existing key)", 1, session.ErrConflict, func() error { return s.Save(ctx, key, rec) }},
		{"Save (stale version)", 1, session.ErrConflict, func() error { return s.Save(ctx, key, upd) }},
		{"Load (missing)", 1, session.ErrNotFound, func() error { _, err := s.Load(ctx, newKey(t)); return err }},
		{"Delete", 1, nil, func() error { return s.Delete(ctx, key) }},
		{"Save (update after Delete)", 1, session.ErrConflict, func() error { return s.Save(ctx, key, upd) }},
		{"Touch (missing)", missingTouch, session.ErrNotFound, func() error { return s.Touch(ctx, key, now(), now()) }},
	}
	for _, st := range steps {
		s0, p0, r0 := c.Statements(), c.Prepares(), p.RoundTrips()
		err := st.fn()
		if st.err == nil && err != nil || st.err != nil && !errors.Is(err, st.err) {
			t.Errorf("%s: error %v, want %v", st.name, err, st.err)
		}
		if n := c.Statements() - s0; n != int64(st.want) {
			t.Errorf("%s: %d statements, want %d", st.name, n, st.want)
		}
		if n := c.Prepares() - p0; n != 0 {
			t.Errorf("%s: %d statements prepared, want 0 (prepared statements must be reused)", st.name, n)
		}
		if k.h.RoundTrips != nil {
			if n := p.RoundTrips() - r0; n != st.want {
				t.Errorf("%s: %d round trips, want %d", st.name, n, st.want)
			}
		}
	}
}

func testTableNames(t *testing.T, k *kit) {
	db := k.open(t, k.h.Addr, &Counter{})
	bad := []string{
		"", "a b", `a"b`, "a`b", "a'b", "x; DROP TABLE y", "sessions--", "Sessions", "1abc",
		"a.b.c", ".a", "a.", "a-b", "a\x00b", "séance", strings.Repeat("a", sqlstore.MaxNameLen+1),
		"a." + strings.Repeat("b", sqlstore.MaxNameLen+1), "a b.c", "a.b c", "a/*x*/",
	}
	for _, name := range bad {
		s, err := sqlstore.New(db, k.h.Dialect, sqlstore.WithTable(name), sqlstore.WithSweepInterval(0))
		if err == nil {
			s.Close()
			t.Errorf("New(WithTable(%q)) succeeded, want an error", name)
			continue
		}
		if !errors.Is(err, session.ErrInvalidConfig) {
			t.Errorf("New(WithTable(%q)) = %v, want an error wrapping ErrInvalidConfig", name, err)
		}
	}
	good := []string{"sessions", "_s", "app_sessions_2", "app.sessions", strings.Repeat("a", sqlstore.MaxNameLen)}
	for _, name := range good {
		s, err := sqlstore.New(db, k.h.Dialect, sqlstore.WithTable(name), sqlstore.WithSweepInterval(0))
		if err != nil {
			t.Errorf("New(WithTable(%q)): %v", name, err)
			continue
		}
		if got := s.Names().Raw; got != name {
			t.Errorf("New(WithTable(%q)).Names().Raw = %q", name, got)
		}
		s.Close()
	}
	badOpts := map[string]sqlstore.Option{
		"WithSweepBatch(0)":     sqlstore.WithSweepBatch(0),
		"WithPageSize(0)":       sqlstore.WithPageSize(0),
		"WithSweepInterval(-1)": sqlstore.WithSweepInterval(-1),
		"WithClock(nil)":        sqlstore.WithClock(nil),
		"WithSetupTimeout(0)":   sqlstore.WithSetupTimeout(0),
	}
	for name, o := range badOpts {
		if s, err := sqlstore.New(db, k.h.Dialect, o); !errors.Is(err, session.ErrInvalidConfig) {
			if s != nil {
				s.Close()
			}
			t.Errorf("New(%s) = %v, want an error wrapping ErrInvalidConfig", name, err)
		}
	}
	if _, err := sqlstore.New((*sqlx.DB)(nil), k.h.Dialect); !errors.Is(err, session.ErrInvalidConfig) {
		t.Errorf("New(nil *sqlx.DB) = %v, want ErrInvalidConfig", err)
	}
	if _, err := sqlstore.New((*sql.DB)(nil), k.h.Dialect); !errors.Is(err, session.ErrInvalidConfig) {
		t.Errorf("New(nil *sql.DB) = %v, want ErrInvalidConfig", err)
	}
	if _, err := sqlstore.New(db, nil); !errors.Is(err, session.ErrInvalidConfig) {
		t.Errorf("New(nil dialect) = %v, want ErrInvalidConfig", err)
	}
}

func testQualifiedTable(t *testing.T, k *kit) {
	if k.h.Schema == "" {
		t.Skip("Harness.Schema is not set")
	}
	db := k.open(t, k.h.Addr, &Counter{})
	s := k.newStore(t, db, sqlstore.WithTable(k.h.Schema+"."+tableName(t)))
	key := newKey(t)
	user := "qualified-" + randomHex(t, 4)
	mustSave(t, s, key, live(user, "in a schema"))
	if got := mustLoad(t, s, key); string(got.Data) != "in a schema" {
		t.Errorf("Load = %q", got.Data)
	}
	if n, err := s.Prune(ctxT(t), session.Filter{User: user}); n != 1 || err != nil {
		t.Errorf("Prune(User) = %d, %v; want 1, nil", n, err)
	}
}

func testSizeCap(t *testing.T, k *kit) {
	db := k.open(t, k.h.Addr, &Counter{})
	s := k.newStore(t, db)
	ctx := ctxT(t)

	big := make([]byte, session.DefaultMaxSize)
	for i := range big {
		big[i] = byte(i*7 + i/256)
	}
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	for name, data := range map[string][]byte{"the size cap": big, "every byte value": all} {
		key := newKey(t)
		rec := live("size-"+randomHex(t, 4), "")
		rec.Data = data
		mustSave(t, s, key, rec)
		if got := mustLoad(t, s, key); !bytes.Equal(got.Data, data) {
			t.Errorf("%s: %d bytes saved, %d loaded, or different bytes", name, len(data), len(got.Data))
		}
	}

	longUser := randomHex(t, 4) + strings.Repeat("u", sqlstore.MaxUserLen-8)
	key := newKey(t)
	mustSave(t, s, key, live(longUser, "long user"))
	if got := mustLoad(t, s, key); got.User != longUser {
		t.Errorf("a user of %d bytes came back as %d bytes", len(longUser), len(got.User))
	}
	n := 0
	for _, err := range s.List(ctx, session.Filter{User: longUser}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 1 {
		t.Errorf("List(User: %d-byte user) yields %d records, want 1", len(longUser), n)
	}

	tooLong := longUser + "x"
	key2 := newKey(t)
	if err := s.Save(ctx, key2, live(tooLong, "too long a user")); err == nil {
		t.Errorf("Save with a user of %d bytes succeeded, want an error", len(tooLong))
	}
	if _, err := s.Load(ctx, key2); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("after a rejected Save, Load = %v, want ErrNotFound", err)
	}
	for e, err := range s.List(ctx, session.Filter{User: tooLong}) {
		t.Errorf("List(User: too long) yields %v, %v; want nothing", e.Key, err)
	}
}

// testCorruptRow plants rows no Save would write and checks they give
// errors, never a panic or another record.
func testCorruptRow(t *testing.T, k *kit) {
	db := k.open(t, k.h.Addr, &Counter{})
	s := k.newStore(t, db)
	ctx := ctxT(t)
	d := k.h.Dialect
	n := now()
	key := newKey(t)
	user := "corrupt-" + randomHex(t, 4)
	k.exec(t, "INSERT INTO "+s.Names().Table+" (session_key, user_name, data, created, accessed, expires, version) VALUES (?, ?, ?, ?, ?, ?, ?)",
		key, user, []byte("\xff\xfe not a session"), d.TimeValue(n), d.TimeValue(n), d.TimeValue(n.Add(time.Hour)), -1)
	if _, err := s.Load(ctx, key); err == nil || errors.Is(err, session.ErrNotFound) {
		t.Errorf("Load of a row with version -1 = %v, want an error other than ErrNotFound", err)
	}
	var last error
	for _, err := range s.List(ctx, session.Filter{User: user}) {
		last = err
	}
	if last == nil {
		t.Error("List over a row with version -1 yields no error")
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Errorf("Delete of the corrupt row: %v", err)
	}

	garbage := newKey(t)
	k.exec(t, "INSERT INTO "+s.Names().Table+" (session_key, user_name, data, created, accessed, expires, version) VALUES (?, ?, ?, ?, ?, ?, ?)",
		garbage, "", []byte("\x00\xffgarbage"), d.TimeValue(n), d.TimeValue(n), d.TimeValue(n.Add(time.Hour)), 3)
	got, err := s.Load(ctx, garbage)
	if err != nil || string(got.Data) != "\x00\xffgarbage" || got.Version != 3 {
		t.Errorf("Load of a row with garbage data = %q version %d, %v; want the bytes as stored (the manager decides)", got.Data, got.Version, err)
	}
}

func testTimeRange(t *testing.T, k *kit) {
	db := k.open(t, k.h.Addr, &Counter{})
	s := k.newStore(t, db)
	ctx := ctxT(t)
	key := newKey(t)
	rec := live("range-"+randomHex(t, 4), "far")
	rec.Expires = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := s.Save(ctx, key, rec); err == nil {
		t.Error("Save with an expiry in the year 10000 succeeded, want an error")
	}
	if err := s.Touch(ctx, key, now(), rec.Expires); err == nil {
		t.Error("Touch to the year 10000 succeeded, want an error")
	}
	rec = live(rec.User, "old and far")
	rec.Created = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	rec.Expires = time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)
	mustSave(t, s, key, rec)
	got := mustLoad(t, s, key)
	if !got.Created.Equal(rec.Created) || !got.Expires.Equal(rec.Expires) {
		t.Errorf("the edges of the time range came back as %v and %v", got.Created, got.Expires)
	}
	count := func(f session.Filter) int {
		n := 0
		for _, err := range s.List(ctx, f) {
			if err != nil {
				t.Fatalf("List(%+v): %v", f, err)
			}
			n++
		}
		return n
	}
	far := time.Date(20000, 1, 1, 0, 0, 0, 0, time.UTC)
	early := time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC)
	if n := count(session.Filter{User: rec.User, ExpiresBefore: far, AccessedBefore: far}); n != 1 {
		t.Errorf("cutoffs in the year 20000 match %d records, want 1", n)
	}
	if n := count(session.Filter{User: rec.User, ExpiresBefore: early}); n != 0 {
		t.Errorf("an expiry cutoff in the year -5 matches %d records, want 0", n)
	}
	if n := count(session.Filter{User: rec.User, AccessedBefore: early}); n != 0 {
		t.Errorf("an access cutoff in the year -5 matches %d records, want 0", n)
	}
}

// testLinkCut cuts the store's link to the database: every operation
// fails with an error (Load never says "not found"), nothing is lost, and
// the store works again once the link is back.
func testLinkCut(t *testing.T, k *kit) {
	p := NewProxy(t, k.h.Addr, nil)
	db := k.open(t, p.Addr(), &Counter{})
	s := k.newStore(t, db)
	keys := make([]string, 5)
	user := "cut-" + randomHex(t, 4)
	for i := range keys {
		keys[i] = newKey(t)
		mustSave(t, s, keys[i], live(user, fmt.Sprintf("record %d", i)))
	}

	p.Cut()
	ops := map[string]func(ctx context.Context) error{
		"Load": func(ctx context.Context) error {
			_, err := s.Load(ctx, keys[0])
			if errors.Is(err, session.ErrNotFound) {
				return fmt.Errorf("ErrNotFound during an outage: %w", err)
			}
			return err
		},
		"Save (create)": func(ctx context.Context) error { return s.Save(ctx, newKey(t), live(user, "during the cut")) },
		"Save (update)": func(ctx context.Context) error {
			r := live(user, "changed during the cut")
			r.Version = 1
			return s.Save(ctx, keys[1], r)
		},
		"Touch":  func(ctx context.Context) error { return s.Touch(ctx, keys[2], now(), now()) },
		"Delete": func(ctx context.Context) error { return s.Delete(ctx, keys[3]) },
		"Prune":  func(ctx context.Context) error { _, err := s.Prune(ctx, session.Filter{User: user}); return err },
		"Setup":  func(ctx context.Context) error { return s.Setup(ctx) },
		"List": func(ctx context.Context) error {
			var last error
			for _, err := range s.List(ctx, session.Filter{User: user}) {
				last = err
			}
			return last
		},
	}
	for name, op := range ops {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := op(ctx)
		cancel()
		switch {
		case err == nil:
			t.Errorf("%s succeeded with the database cut off", name)
		case strings.Contains(err.Error(), "ErrNotFound during"):
			t.Errorf("%s: %v", name, err)
		case errors.Is(err, context.DeadlineExceeded):
			t.Errorf("%s hung with the database cut off: %v", name, err)
		}
	}

	p.Restore()
	for i, key := range keys {
		got, err := s.Load(ctxT(t), key)
		if err != nil {
			t.Fatalf("after the link came back, Load of record %d: %v", i, err)
		}
		if want := fmt.Sprintf("record %d", i); string(got.Data) != want || got.Version != 1 {
			t.Errorf("after the outage, record %d holds %q version %d, want %q version 1", i, got.Data, got.Version, want)
		}
	}
	r := live(user, "after the outage")
	r.Version = 1
	mustSave(t, s, keys[1], r)
	if got := mustLoad(t, s, keys[1]); string(got.Data) != "after the outage" {
		t.Errorf("Save after the outage did not stick: %q", got.Data)
	}
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

func testListPages(t *testing.T, k *kit) {
	c := &Counter{}
	db := k.open(t, k.h.Addr, c)
	s := k.newStore(t, db, sqlstore.WithPageSize(3))
	ctx := ctxT(t)
	u, v := "pages-u-"+randomHex(t, 4), "pages-v-"+randomHex(t, 4)
	mine := map[string]string{}
	for i := 0; i < 10; i++ {
		key := newKey(t)
		mine[key] = fmt.Sprintf("u%d", i)
		mustSave(t, s, key, live(u, mine[key]))
	}
	for i := 0; i < 2; i++ {
		mustSave(t, s, newKey(t), live(v, "v"))
	}
	list := func(f session.Filter, stopAfter int) (map[string]string, int64) {
		s0 := c.Statements()
		got := map[string]string{}
		for e, err := range s.List(ctx, f) {
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			if _, dup := got[e.Key]; dup {
				t.Errorf("List yields key %s twice", e.Key)
			}
			got[e.Key] = string(e.Record.Data)
			if len(got) == stopAfter {
				break
			}
		}
		return got, c.Statements() - s0
	}
	got, n := list(session.Filter{User: u}, -1)
	if len(got) != 10 {
		t.Errorf("List(User) with pages of 3 yields %d records, want 10", len(got))
	}
	for key, data := range mine {
		if got[key] != data {
			t.Errorf("List(User) misses or changes key %s: %q, want %q", key, got[key], data)
		}
	}
	if n != 4 {
		t.Errorf("List(User) of 10 records in pages of 3 ran %d SELECTs, want 4", n)
	}
	if got, n = list(session.Filter{}, -1); len(got) != 12 || n != 5 {
		t.Errorf("List() of 12 records in pages of 3 yields %d records with %d SELECTs, want 12 with 5", len(got), n)
	}
	if got, n = list(session.Filter{}, 4); len(got) != 4 || n != 2 {
		t.Errorf("List() stopped after 4 records yields %d records with %d SELECTs, want 4 with 2", len(got), n)
	}
}

func testPruneBatches(t *testing.T, k *kit) {
	c := &Counter{}
	db := k.open(t, k.h.Addr, c)
	s := k.newStore(t, db, sqlstore.WithSweepBatch(4))
	ctx := ctxT(t)
	n0 := now()
	user := "prune-" + randomHex(t, 4)
	for i := 0; i < 10; i++ {
		mustSave(t, s, newKey(t), session.Record{User: user, Data: []byte("old"), Created: n0.Add(-2 * time.Hour), Accessed: n0.Add(-2 * time.Hour), Expires: n0.Add(-time.Hour)})
	}
	liveKeys := []string{newKey(t), newKey(t), newKey(t)}
	for _, key := range liveKeys {
		mustSave(t, s, key, live(user, "live"))
	}
	s0 := c.Statements()
	n, err := s.Prune(ctx, session.Filter{ExpiresBefore: now()})
	if n != 10 || err != nil {
		t.Errorf("Prune(expired) = %d, %v; want 10, nil", n, err)
	}
	if st := c.Statements() - s0; st != 3 {
		t.Errorf("Prune of 10 rows in batches of 4 ran %d DELETEs, want 3", st)
	}
	for _, key := range liveKeys {
		mustLoad(t, s, key)
	}
	s0 = c.Statements()
	if n, err := s.Prune(ctx, session.Filter{User: user}); n != 3 || err != nil {
		t.Errorf("Prune(User) = %d, %v; want 3, nil", n, err)
	}
	if st := c.Statements() - s0; st != 1 {
		t.Errorf("Prune(User) of 3 rows in batches of 4 ran %d DELETEs, want 1", st)
	}
}

func testSweeper(t *testing.T, k *kit) {
	db := k.open(t, k.h.Addr, &Counter{})
	clock := now().Add(24 * time.Hour) // the store's clock: a day ahead
	var (
		mu      sync.Mutex
		deleted int
		closed  atomic.Bool
	)
	swept := make(chan struct{}, 1)
	hook := func(n int, err error) {
		if closed.Load() {
			t.Error("the sweeper ran after Close returned")
		}
		mu.Lock()
		deleted += n
		mu.Unlock()
		select {
		case swept <- struct{}{}:
		default:
		}
	}
	s := k.newStore(t, db, sqlstore.WithClock(func() time.Time { return clock }),
		sqlstore.WithSweepInterval(5*time.Millisecond), sqlstore.WithSweepBatch(2), sqlstore.WithSweepHook(hook))
	user := "sweep-" + randomHex(t, 4)
	n0 := now()
	for i := 0; i < 5; i++ {
		// Live by the wall clock, expired by the store's.
		mustSave(t, s, newKey(t), session.Record{User: user, Data: []byte("stale"), Created: n0, Accessed: n0, Expires: n0.Add(time.Hour)})
	}
	keep := newKey(t)
	mustSave(t, s, keep, session.Record{User: user, Data: []byte("fresh"), Created: n0, Accessed: n0, Expires: clock.Add(time.Hour)})

	deadline := time.After(30 * time.Second)
	for {
		mu.Lock()
		d := deleted
		mu.Unlock()
		if d >= 5 {
			break
		}
		select {
		case <-swept:
		case <-deadline:
			t.Fatalf("the sweeper deleted %d of 5 expired rows in 30 s", d)
		}
	}
	var left int
	for e, err := range s.List(ctxT(t), session.Filter{User: user}) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Key != keep {
			t.Errorf("after sweeping, an expired row is left: %q", e.Record.Data)
		}
		left++
	}
	if left != 1 {
		t.Errorf("after sweeping, %d rows of the user are left, want the 1 live one", left)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	closed.Store(true)
}

// testPrepareRetried checks that a statement whose preparation failed (no
// table yet) is prepared again later.
func testPrepareRetried(t *testing.T, k *kit) {
	db := k.open(t, k.h.Addr, &Counter{})
	s, err := sqlstore.New(db, k.h.Dialect, sqlstore.WithTable(tableName(t)), sqlstore.WithSweepInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	k.dropAtEnd(t, s.Names())
	key := newKey(t)
	if _, err := s.Load(ctxT(t), key); err == nil || errors.Is(err, session.ErrNotFound) {
		t.Errorf("Load before Setup = %v, want an error other than ErrNotFound", err)
	}
	if err := s.Setup(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(ctxT(t), key); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("Load after Setup = %v, want ErrNotFound", err)
	}
	mustSave(t, s, key, live("retry", "after setup"))
	mustLoad(t, s, key)
}

// testPruneRechecks: a session that stops matching a Prune's filter while
// the DELETE runs (a request touches it) must survive. The touching
// transaction holds the row while Prune starts, and commits while Prune's
// DELETE waits for the row; the pause before the commit only gives the
// DELETE time to reach the row (were it shorter, the test would pass
// without exercising the race, never fail wrongly).
func testPruneRechecks(t *testing.T, k *kit) {
	db := k.open(t, k.h.Addr, &Counter{})
	s := k.newStore(t, db)
	ctx := ctxT(t)
	n := now()
	key := newKey(t)
	old := n.Add(-2 * time.Hour)
	if err := s.Save(ctx, key, session.Record{User: "prune-" + randomHex(t, 4), Data: []byte("x"), Created: old, Accessed: old, Expires: n.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	tx, err := k.admin.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, sqlx.Rebind(k.h.Dialect.BindType(), "UPDATE "+s.Names().Table+" SET accessed = ? WHERE session_key = ?"), k.h.Dialect.TimeValue(n), key); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.Prune(ctx, session.Filter{AccessedBefore: n.Add(-time.Hour)})
		done <- err
	}()
	time.Sleep(300 * time.Millisecond)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(ctx, key); err != nil {
		t.Errorf("a session touched while Prune(AccessedBefore) ran was deleted: Load = %v", err)
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
