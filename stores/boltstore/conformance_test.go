package boltstore_test

import (
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/session2/session2/adapters/chi/chisession"
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
// store, behind chi and chisession.
func TestAdapterConformance(t *testing.T) {
	conformance.TestAdapterOn(t, func(t *testing.T) session.Store {
		s, err := boltstore.Open(filepath.Join(t.TempDir(), "sessions.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}, func(t *testing.T, m *session.Manager[session.Map], routes conformance.Routes) http.Handler {
		r := chi.NewRouter()
		r.Use(chisession.Middleware(m))
		for _, rt := range routes {
			r.MethodFunc(rt.Method, rt.Path, func(w http.ResponseWriter, r *http.Request) {
				rt.Handle(w, r, chisession.Get[session.Map](r))
			})
		}
		return r
	})
}
