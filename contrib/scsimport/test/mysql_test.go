package test

import (
	"database/sql"
	"testing"

	"github.com/alexedwards/scs/mysqlstore"
	"github.com/alexedwards/scs/v2"
	"github.com/go-sql-driver/mysql"
	"github.com/session2/session2/contrib/scsimport"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// openMySQL returns a fresh database holding scs's table "sessions" (scs's
// mysqlstore has no other name), dropped at the end of the test.
func openMySQL(t *testing.T) *sql.DB {
	t.Helper()
	cfg, err := mysql.ParseDSN(env(t, "SESSION2_MYSQL_DSN"))
	if err != nil {
		t.Fatal(err)
	}
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	name := "scsimport_" + suffix(t)
	if _, err := admin.ExecContext(ctx(t), "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Exec("DROP DATABASE IF EXISTS " + name) })
	cfg.DBName = name
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, q := range []string{
		"CREATE TABLE sessions (token CHAR(43) PRIMARY KEY, data BLOB NOT NULL, expiry TIMESTAMP(6) NOT NULL)",
		"CREATE INDEX sessions_expiry_idx ON sessions (expiry)",
	} {
		if _, err := db.ExecContext(ctx(t), q); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// scsMySQL returns the database and an scs manager on scs's MySQL store
// in it (its sessions table, fresh).
func scsMySQL(t *testing.T) (*sql.DB, *scs.SessionManager) {
	t.Helper()
	db := openMySQL(t)
	sm := scs.New()
	sm.Store = mysqlstore.NewWithCleanupInterval(db, 0)
	return db, sm
}

func TestMySQLSwitch(t *testing.T) {
	db, sm := scsMySQL(t)
	old := scsApp(sm)
	alice := scsLogin(t, old, 42, "apples")
	bob := scsLogin(t, old, 7, "pears")

	imp, err := scsimport.MySQL(db, scsimport.WithUserKey("userID"))
	if err != nil {
		t.Fatal(err)
	}
	var events []session.Event
	_, h := newApp(t, sessiontest.NewStore(), imp, &events)
	switchOver(t, h, alice, "42|apples|3|"+since, &events)
	if n := rowCount(t, db, "SELECT count(*) FROM sessions WHERE token = ?", alice.Value); n != 0 {
		t.Fatal("alice's scs row was not deleted")
	}
	if n := rowCount(t, db, "SELECT count(*) FROM sessions WHERE token = ?", bob.Value); n != 1 {
		t.Fatal("bob's scs row went with alice's")
	}
	switchOver(t, h, bob, "7|pears|3|"+since, &events)
}
