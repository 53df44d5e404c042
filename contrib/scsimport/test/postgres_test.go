package test

import (
	"database/sql"
	"fmt"
	"net/http"
	"testing"

	"github.com/alexedwards/scs/postgresstore"
	"github.com/alexedwards/scs/v2"
	_ "github.com/lib/pq"
	"github.com/session2/session2/contrib/scsimport"
	"github.com/session2/session2/core/session"
	pgstore "github.com/session2/session2/stores/postgresstore"
	"github.com/session2/session2/stores/sqlstore"
)

// openPostgres returns the database and a fresh scs table in it, as scs's
// README creates it, dropped at the end of the test.
func openPostgres(t *testing.T) (*sql.DB, string) {
	t.Helper()
	db, err := sql.Open("postgres", env(t, "SESSION2_POSTGRES_DSN"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	table := "scs_" + suffix(t)
	if _, err := db.ExecContext(ctx(t), fmt.Sprintf(`CREATE TABLE %s (token TEXT PRIMARY KEY, data BYTEA NOT NULL, expiry TIMESTAMPTZ NOT NULL)`, table)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Exec("DROP TABLE IF EXISTS " + table) })
	return db, table
}

// session2Postgres returns session2's PostgreSQL store in a table of its
// own beside scs's.
func session2Postgres(t *testing.T, db *sql.DB) session.Store {
	t.Helper()
	table := "s2_" + suffix(t)
	st, err := pgstore.New(db, sqlstore.WithTable(table), sqlstore.WithSetup())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		st.Close()
		for _, q := range []string{"DROP TABLE IF EXISTS " + table, "DROP TABLE IF EXISTS " + table + "_schema"} {
			db.Exec(q)
		}
	})
	return st
}

func TestPostgresSwitch(t *testing.T) {
	db, table := openPostgres(t)
	sm := scs.New()
	sm.Store = postgresstore.NewWithConfig(db, postgresstore.Config{TableName: table})
	old := scsApp(sm)
	alice := scsLogin(t, old, 42, "apples")
	bob := scsLogin(t, old, 7, "pears")
	if got, _ := get(old, "/whoami", alice); got != "42|apples" {
		t.Fatalf("the scs app itself reads %q", got)
	}

	imp, err := scsimport.Postgres(db, scsimport.WithTable(table), scsimport.WithUserKey("userID"))
	if err != nil {
		t.Fatal(err)
	}
	var events []session.Event
	_, h := newApp(t, session2Postgres(t, db), imp, &events)
	count := "SELECT count(*) FROM " + table + " WHERE token = $1"

	switchOver(t, h, alice, "42|apples|3|"+since, &events)
	if n := rowCount(t, db, count, alice.Value); n != 0 {
		t.Fatal("alice's scs row was not deleted")
	}
	switchOver(t, h, bob, "7|pears|3|"+since, &events)

	// The old cookie, replayed, finds nothing any more.
	if got, _ := get(h, "/", alice); got != "||0|" {
		t.Fatalf("the replayed scs cookie got %q, want a fresh session", got)
	}
}

func TestPostgresKeepOld(t *testing.T) {
	db, table := openPostgres(t)
	sm := scs.New()
	sm.Store = postgresstore.NewWithConfig(db, postgresstore.Config{TableName: table})
	old := scsApp(sm)
	alice := scsLogin(t, old, 42, "apples")

	imp, err := scsimport.Postgres(db, scsimport.WithTable(table), scsimport.WithUserKey("userID"), scsimport.KeepOld())
	if err != nil {
		t.Fatal(err)
	}
	var events []session.Event
	_, h := newApp(t, session2Postgres(t, db), imp, &events)
	switchOver(t, h, alice, "42|apples|3|"+since, &events)
	if got, _ := get(old, "/whoami", alice); got != "42|apples" {
		t.Fatalf("KeepOld: the scs app, still serving, reads %q", got)
	}
}

func TestPostgresExpiredAndGarbage(t *testing.T) {
	db, table := openPostgres(t)
	imp, err := scsimport.Postgres(db, scsimport.WithTable(table), scsimport.WithUserKey("userID"))
	if err != nil {
		t.Fatal(err)
	}
	// An expired scs row, a row of garbage, and tokens of other shapes.
	const expired = "EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE"
	const garbage = "GGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGG"
	sm := scs.New()
	store := postgresstore.NewWithConfig(db, postgresstore.Config{TableName: table})
	b, err := sm.Codec.Encode(yesterday(), map[string]any{"userID": 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Commit(expired, b, yesterday()); err != nil {
		t.Fatal(err)
	}
	if err := store.Commit(garbage, []byte("\x00\xff not a gob"), tomorrow()); err != nil {
		t.Fatal(err)
	}
	var events []session.Event
	_, h := newApp(t, session2Postgres(t, db), imp, &events)
	for _, v := range []string{expired, garbage, "short", "'; DROP TABLE x; --", expired + "A"} {
		if got, res := get(h, "/", &http.Cookie{Name: "session", Value: v}); got != "||0|" || res.StatusCode != 200 {
			t.Fatalf("cookie %q got %d %q, want a fresh session", v, res.StatusCode, got)
		}
	}
	failed := 0
	for _, e := range events {
		if e.Kind == session.EventImportFailed {
			failed++
		}
	}
	if failed != 1 {
		t.Fatalf("%d import failures reported, want 1 (the garbage row)", failed)
	}
}
