package mysqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/session2/session2/core/session/sessiontest"
	"github.com/session2/session2/stores/mysqlstore"
	"github.com/session2/session2/stores/sqlstore"
)

// TestSetupTimeout runs Setup with a context that has no deadline against
// a server that accepts connections and never answers: Setup must give up
// after the store's setup timeout with a deadline error, not hang. It
// needs no MySQL.
func TestSetupTimeout(t *testing.T) {
	addr := sessiontest.SilentServer(t)
	db, err := sql.Open("mysql", "app@tcp("+addr+")/app")
	if err != nil {
		t.Fatal(err)
	}
	s, err := mysqlstore.New(db, sqlstore.WithSweepInterval(0), sqlstore.WithSetupTimeout(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Setup(context.Background()) }()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Setup against a silent server: %v, want a deadline error", err)
		}
		t.Logf("Setup: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("Setup(context.Background()) against a silent server has not returned after 30s, with a setup timeout of 100ms")
	}
}
