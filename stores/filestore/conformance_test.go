//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly || illumos

package filestore_test

import (
	"net/http"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/session2/session2/adapters/chi/chisession"
	"github.com/session2/session2/conformance"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/filestore"
)

func TestConformance(t *testing.T) {
	conformance.TestStore(t, func(t *testing.T) session.Store {
		s, err := filestore.New(t.TempDir(), filestore.WithSweepInterval(0))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// TestAdapterConformance runs the whole request lifecycle over the file
// store, behind chi and chisession.
func TestAdapterConformance(t *testing.T) {
	conformance.TestAdapterOn(t, func(t *testing.T) session.Store {
		s, err := filestore.New(t.TempDir(), filestore.WithSweepInterval(0))
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
