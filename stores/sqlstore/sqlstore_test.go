package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/session2/session2/core/session"
)

// testDialect is a minimal dialect for tests that never reach a database.
type testDialect struct{}

func (testDialect) Name() string                             { return "testdialect" }
func (testDialect) BindType() int                            { return sqlx.DOLLAR }
func (testDialect) Quote(s string) string                    { return `"` + s + `"` }
func (testDialect) Migrations(Names) []Migration             { return nil }
func (testDialect) TransactionalDDL() bool                   { return true }
func (testDialect) InsertSQL(insert string) string           { return insert }
func (testDialect) DeleteBatchSQL(Names, string, int) string { return "" }
func (testDialect) IsDuplicate(error) bool                   { return false }
func (testDialect) CountsMatchedRows() bool                  { return true }
func (testDialect) TimeValue(t time.Time) any                { return t }
func (testDialect) ScanTime(src any) (time.Time, error)      { return src.(time.Time), nil }
func (testDialect) CheckUser(string) error                   { return nil }
func (testDialect) Lock(context.Context, *sql.Conn, Names) (func(context.Context) error, error) {
	return func(context.Context) error { return nil }, nil
}

// noServer is a connector that fails every connection: a test using it
// proves that an operation returned before reaching the database.
type noServer struct{}

var errNoServer = errors.New("no database in this test")

func (noServer) Connect(context.Context) (driver.Conn, error) { return nil, errNoServer }
func (noServer) Driver() driver.Driver                        { return nil }

func newTestStore(t *testing.T, opts ...Option) *Store {
	t.Helper()
	db := sqlx.NewDb(sql.OpenDB(noServer{}), "test")
	t.Cleanup(func() { db.Close() })
	s, err := New(db, testDialect{}, append([]Option{WithSweepInterval(0)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestNames(t *testing.T) {
	n, err := namesFor(testDialect{}, "app.sessions")
	if err != nil {
		t.Fatal(err)
	}
	want := Names{Raw: "app.sessions", Table: `"app"."sessions"`, Versions: `"app"."sessions_schema"`,
		UserIndex: `"sessions_user_idx"`, ExpiresIndex: `"sessions_expires_idx"`}
	if n != want {
		t.Errorf("namesFor(app.sessions) = %+v, want %+v", n, want)
	}
	for _, bad := range []string{"", "a b", "A", "1a", "a.b.c", `a"`, "a;", strings.Repeat("x", MaxNameLen+1)} {
		if _, err := namesFor(testDialect{}, bad); !errors.Is(err, session.ErrInvalidConfig) {
			t.Errorf("namesFor(%q) = %v, want ErrInvalidConfig", bad, err)
		}
	}
}

func TestStatementsRebound(t *testing.T) {
	s := newTestStore(t, WithTable("t"))
	for i, q := range s.sqlText {
		if strings.Contains(q, "?") {
			t.Errorf("statement %d keeps a ? placeholder: %s", i, q)
		}
	}
	if got := s.sqlText[stLoad]; got != `SELECT user_name, data, created, accessed, expires, version FROM "t" WHERE session_key = $1 AND expires > $2` {
		t.Errorf("Load statement: %s", got)
	}
}

func TestMicroseconds(t *testing.T) {
	base := time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC)
	east := time.FixedZone("east", 3*3600)
	cases := []struct {
		in          time.Time
		floor, ceil time.Time
	}{
		{base, base, base},
		{base.Add(1), base, base.Add(time.Microsecond)},
		{base.Add(999), base, base.Add(time.Microsecond)},
		{base.In(east), base, base},
	}
	for _, c := range cases {
		if got := floorMicro(c.in); !got.Equal(c.floor) || got.Location() != time.UTC {
			t.Errorf("floorMicro(%v) = %v, want %v in UTC", c.in, got, c.floor)
		}
		if got := ceilMicro(c.in); !got.Equal(c.ceil) {
			t.Errorf("ceilMicro(%v) = %v, want %v", c.in, got, c.ceil)
		}
	}
}

// TestFilterWhere checks the conditions and the filters that can match
// nothing.
func TestFilterWhere(t *testing.T) {
	s := newTestStore(t)
	cut := time.Date(2024, 1, 2, 3, 4, 5, 500, time.UTC)
	w := s.filterWhere(session.Filter{User: "u", ExpiresBefore: cut, AccessedBefore: cut})
	if w.empty || w.String() != "user_name = ? AND user_name <> '' AND expires <= ? AND accessed < ?" {
		t.Errorf("filter: %q empty %v", w.String(), w.empty)
	}
	if got := w.args[1].(time.Time); !got.Equal(cut.Truncate(time.Microsecond)) {
		t.Errorf("ExpiresBefore cutoff %v, want rounded down", got)
	}
	if got := w.args[2].(time.Time); !got.Equal(cut.Truncate(time.Microsecond).Add(time.Microsecond)) {
		t.Errorf("AccessedBefore cutoff %v, want rounded up", got)
	}
	if w := s.filterWhere(session.Filter{}); w.String() != "1 = 1" || w.empty {
		t.Errorf("zero filter: %q", w.String())
	}
	for name, f := range map[string]session.Filter{
		"user too long":    {User: strings.Repeat("u", MaxUserLen+1)},
		"expiry before 1":  {ExpiresBefore: time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)},
		"access before -5": {AccessedBefore: time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		if !s.filterWhere(f).empty {
			t.Errorf("%s: a filter that matches nothing is not marked empty", name)
		}
	}
	if w := s.filterWhere(session.Filter{ExpiresBefore: time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC)}); w.empty || len(w.cond) != 0 {
		t.Errorf("a cutoff after every storable time: %q empty %v, want no condition", w.String(), w.empty)
	}
}

// TestNoDatabaseAccess checks the errors that come before any statement:
// invalid keys, cancelled contexts, a closed store.
func TestNoDatabaseAccess(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	n := time.Now()
	rec := session.Record{Created: n, Accessed: n, Expires: n.Add(time.Hour)}
	for _, key := range []string{"", "../x", strings.Repeat("A", 64), strings.Repeat("a", 63), strings.Repeat("a", 65), strings.Repeat("a", 63) + "'"} {
		if _, err := s.Load(ctx, key); !errors.Is(err, session.ErrInvalidKey) {
			t.Errorf("Load(%q) = %v", key, err)
		}
		if err := s.Save(ctx, key, rec); !errors.Is(err, session.ErrInvalidKey) {
			t.Errorf("Save(%q) = %v", key, err)
		}
		if err := s.Delete(ctx, key); !errors.Is(err, session.ErrInvalidKey) {
			t.Errorf("Delete(%q) = %v", key, err)
		}
		if err := s.Touch(ctx, key, n, n); !errors.Is(err, session.ErrInvalidKey) {
			t.Errorf("Touch(%q) = %v", key, err)
		}
	}
	key := strings.Repeat("a", 64)
	if err := s.Save(ctx, key, session.Record{User: strings.Repeat("u", MaxUserLen+1), Created: n, Accessed: n, Expires: n}); err == nil || errors.Is(err, errNoServer) {
		t.Errorf("Save with a user over the limit = %v, want an error before the database", err)
	}
	if err := s.Save(ctx, key, session.Record{Created: n, Accessed: n, Expires: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}); err == nil || errors.Is(err, errNoServer) {
		t.Errorf("Save with an expiry in 10000 = %v, want an error before the database", err)
	}
	if _, err := s.Load(ctx, key); !errors.Is(err, errNoServer) || errors.Is(err, session.ErrNotFound) {
		t.Errorf("Load without a database = %v, want the connection error", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Load(cancelled, key); !errors.Is(err, context.Canceled) {
		t.Errorf("Load with a cancelled context = %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if _, err := s.Load(ctx, key); !errors.Is(err, session.ErrClosed) {
		t.Errorf("Load after Close = %v", err)
	}
	for _, err := range s.List(ctx, session.Filter{}) {
		if !errors.Is(err, session.ErrClosed) {
			t.Errorf("List after Close yields %v", err)
		}
	}
	if _, err := s.Prune(ctx, session.Filter{}); !errors.Is(err, session.ErrClosed) {
		t.Errorf("Prune after Close = %v", err)
	}
	if err := s.Setup(ctx); !errors.Is(err, session.ErrClosed) {
		t.Errorf("Setup after Close = %v", err)
	}
}

func TestURLOptions(t *testing.T) {
	opts, rest, err := URLOptions("table=app.sess&sweep=0&batch=7&page=9&sslmode=disable&x=1&x=2")
	if err != nil {
		t.Fatal(err)
	}
	c := defaultConfig()
	for _, o := range opts {
		o(&c)
	}
	if c.table != "app.sess" || c.sweepInterval != 0 || c.sweepBatch != 7 || c.pageSize != 9 {
		t.Errorf("options applied: %+v", c)
	}
	if rest.Encode() != "sslmode=disable&x=1&x=2" {
		t.Errorf("the driver's query: %s", rest.Encode())
	}
	for _, q := range []string{"sweep=soon", "sweep=-1s", "batch=0", "page=x", "table=a&table=b", "a=%zz", "table=x;y"} {
		if _, _, err := URLOptions(q); !errors.Is(err, session.ErrInvalidConfig) {
			t.Errorf("URLOptions(%q) = %v, want ErrInvalidConfig", q, err)
		}
	}
}

func TestSweeperStopsOnClose(t *testing.T) {
	db := sqlx.NewDb(sql.OpenDB(noServer{}), "test")
	defer db.Close()
	errs := make(chan error, 100)
	s, err := New(db, testDialect{}, WithSweepInterval(time.Millisecond), WithSweepHook(func(_ int, err error) {
		select {
		case errs <- err:
		default:
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	if err := <-errs; !errors.Is(err, errNoServer) {
		t.Errorf("a sweep without a database reported %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}
