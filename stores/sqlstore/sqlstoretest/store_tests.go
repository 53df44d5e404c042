package sqlstoretest

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
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
