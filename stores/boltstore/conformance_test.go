package boltstore_test

import (
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/session2/session2/conformance"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/boltstore"
	"go.etcd.io/bbolt"
)

// openFile opens a store on the bolt file at path, closed by t.Cleanup.
func openFile(t *testing.T, path string) *boltstore.Store {
	s, err := boltstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestConformance runs the public store suite on a store that opens its
// own file, with the sweeper on at its default interval.
func TestConformance(t *testing.T) {
	conformance.TestStore(t, func(t *testing.T) session.Store {
		return openFile(t, filepath.Join(t.TempDir(), "sessions.db"))
	})
}

// TestShared runs what every shared store promises: two managers on one
// store (one process holds a bolt file at a time), and a restart: the
// sessions survive closing the file and opening it again.
func TestShared(t *testing.T) {
	var paths sync.Map // store → its file; a closed bbolt handle forgets its path
	conformance.TestSharedStore(t, conformance.SharedStore{
		Open: func(t *testing.T) session.Store {
			path := filepath.Join(t.TempDir(), "sessions.db")
			s := openFile(t, path)
			paths.Store(s, path)
			return s
		},
		Reopen: func(t *testing.T, s session.Store) session.Store {
			path, _ := paths.Load(s)
			return openFile(t, path.(string))
		},
		OneHandle: true,
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
		return openFile(t, filepath.Join(t.TempDir(), "sessions.db"))
	}, conformance.NetHTTP)
}
