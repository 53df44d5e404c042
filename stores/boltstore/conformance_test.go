package boltstore_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/session2/session2/conformance"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/boltstore"
	"go.etcd.io/bbolt"
)

// TestConformance runs the public store suite on a store that opens its
// own file, with the sweeper on at its default interval.
func TestConformance(t *testing.T) {
	conformance.TestStore(t, func(t *testing.T) session.Store {
		s, err := boltstore.Open(filepath.Join(t.TempDir(), "sessions.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// TestConformanceSharedHandle runs the suite on stores that share one
// application handle, each in a bucket of its own.
func TestConformanceSharedHandle(t *testing.T) {
	db, err := bbolt.Open(filepath.Join(t.TempDir(), "app.db"), 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conformance.TestStore(t, func(t *testing.T) session.Store {
		s, err := boltstore.New(db, boltstore.WithBucket(t.Name()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// TestAdapterConformance runs the whole request lifecycle over the bolt
// store, behind the core's net/http middleware.
func TestAdapterConformance(t *testing.T) {
	conformance.TestAdapterOn(t, func(t *testing.T) session.Store {
		s, err := boltstore.Open(filepath.Join(t.TempDir(), "sessions.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}, conformance.NetHTTP)
}
