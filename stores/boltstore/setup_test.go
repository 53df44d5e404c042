package boltstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/session2/session2/stores/boltstore"
)

// TestSetupTimeout runs Setup with a context that has no deadline while
// the application holds a write transaction on the database: Setup must
// give up after the setup timeout with a deadline error instead of
// waiting for ever, and work once the transaction ends.
func TestSetupTimeout(t *testing.T) {
	s := openStore(t)
	tx, err := s.DB().Begin(true)
	if err != nil {
		t.Fatal(err)
	}
	defer boltstore.SetSetupTimeout(100 * time.Millisecond)()
	done := make(chan error, 1)
	go func() { done <- s.Setup(context.Background()) }()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Setup while a write transaction holds the database: %v, want a deadline error", err)
		}
		t.Logf("Setup: %v", err)
	case <-time.After(30 * time.Second):
		t.Error("Setup(context.Background()) has not returned after 30s, with a setup timeout of 100ms")
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := s.Setup(context.Background()); err != nil {
		t.Errorf("Setup once the transaction ended: %v", err)
	}
}
