package postgresstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/postgresstore"
	"github.com/session2/session2/stores/sqlstore"
)

// Open's handle serves the store and the application alike: the
// application's own statements on it keep lib/pq's behaviour, whatever
// deadline a store's call set before them on the same connection.
func TestOpen(t *testing.T) {
	u := serverURL(t)
	if _, err := postgresstore.Open("postgres://%zz"); err == nil {
		t.Fatal("Open of a malformed URL succeeded")
	}
	db, err := postgresstore.Open(u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // every statement below on the same connection
	if db.Driver() != postgresstore.Driver() {
		t.Fatal("Open's handle is not on Driver")
	}
	table := "s2t_open_" + time.Now().Format("150405_000000000")[7:]
	store, err := postgresstore.New(db, sqlstore.WithTable(table), sqlstore.WithSweepInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Setup(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		store.Close()
		for _, n := range []string{table, table + "_schema"} {
			db.Exec("DROP TABLE IF EXISTS " + n)
		}
	})
	short, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := store.Load(short, strings.Repeat("ab", 32)); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Load of a missing key: %v", err)
	}
	<-short.Done()
	var one int
	if err := db.QueryRowContext(context.Background(), "SELECT 1 FROM pg_sleep(0.3)").Scan(&one); err != nil {
		t.Fatalf("the application's 300ms query after a store's deadline passed: %v", err)
	}
	// lib/pq still cancels the application's statement when its context
	// ends: the server stops the sleep.
	ctx, stop := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer stop()
	start := time.Now()
	err = db.QueryRowContext(ctx, "SELECT 1 FROM pg_sleep(30)").Scan(&one)
	if err == nil {
		t.Fatal("a 30s sleep under a 200ms deadline succeeded")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("the application's cancelled query took %v", took)
	}
}
