package postgresstore_test

import (
	"testing"

	"github.com/session2/session2/stores/postgresstore"
	"github.com/session2/session2/stores/sqlstore/sqlstoretest"
)

// Open's handle serves the store and the application alike: the
// application's own statements on it keep lib/pq's behaviour (a deadline
// that the server's sleep outlives cancels it), whatever deadline a
// store's call set before them on the same connection.
func TestOpen(t *testing.T) {
	u := serverURL(t)
	if _, err := postgresstore.Open("postgres://%zz"); err == nil {
		t.Fatal("Open of a malformed URL succeeded")
	}
	db, err := postgresstore.Open(u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if db.Driver() != postgresstore.Driver() {
		t.Fatal("Open's handle is not on Driver")
	}
	sqlstoretest.CheckSharedHandle(t, db, postgresstore.Dialect(), func(s string) string {
		return "SELECT 1 FROM pg_sleep(" + s + ")"
	})
}
