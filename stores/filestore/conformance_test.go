//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly || illumos

package filestore_test

import (
	"testing"

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
// store, behind the core's net/http middleware.
func TestAdapterConformance(t *testing.T) {
	conformance.TestAdapterOn(t, func(t *testing.T) session.Store {
		s, err := filestore.New(t.TempDir(), filestore.WithSweepInterval(0))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}, conformance.NetHTTP)
}
