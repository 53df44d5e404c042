package sqlstoretest

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/sqlstore"
)

// CheckSharedHandle checks that db, a handle the store shares with the
// application (such as the one of postgresstore.Open), serves both: after
// a store's call whose deadline has passed, on the same connection, the
// application's query of 300ms succeeds, and the application's query that
// outlives its own 200ms deadline still ends soon after it. sleep returns
// a query of one row and one integer column that takes the given time on
// the server, such as "SELECT 1 FROM pg_sleep(0.3)" for "0.3". The
// handle is limited to one connection, so that every statement runs on
// the same one.
func CheckSharedHandle(t *testing.T, db *sql.DB, d sqlstore.Dialect, sleep func(seconds string) string) {
	t.Helper()
	db.SetMaxOpenConns(1)
	x := sqlx.NewDb(db, d.Name())
	k := &kit{h: Harness{Dialect: d}, admin: x}
	store := k.newStore(t, x)
	short, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := store.Load(short, strings.Repeat("ab", 32)); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Load of a missing key: %v", err)
	}
	<-short.Done()
	var one int
	if err := db.QueryRowContext(context.Background(), sleep("0.3")).Scan(&one); err != nil {
		t.Fatalf("the application's 300ms query after a store's deadline passed: %v", err)
	}
	ctx, stop := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer stop()
	start := time.Now()
	if err := db.QueryRowContext(ctx, sleep("30")).Scan(&one); err == nil {
		t.Fatal("the application's 30s query under a 200ms deadline succeeded")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("the application's query under a 200ms deadline took %v", took)
	}
}
