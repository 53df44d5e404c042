//go:build unix && !aix && (!solaris || illumos)

package filestore_test

import (
	"testing"

	"github.com/session2/session2/conformance"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/filestore"
)

// openDir opens a store on dir, closed by t.Cleanup.
func openDir(t *testing.T, dir string) *filestore.Store {
	s, err := filestore.New(dir, filestore.WithSweepInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	conformance.TestStore(t, func(t *testing.T) session.Store { return openDir(t, t.TempDir()) })
}

// TestShared runs what every shared store promises: two servers, each with
// a store of its own on one directory (as two processes are); a restart.
func TestShared(t *testing.T) {
	conformance.TestSharedStore(t, conformance.SharedStore{
		Open:   func(t *testing.T) session.Store { return openDir(t, t.TempDir()) },
		Reopen: func(t *testing.T, s session.Store) session.Store { return openDir(t, s.(*filestore.Store).Dir()) },
	})
}

// TestAdapterConformance runs the whole request lifecycle over the file
// store, behind the core's net/http middleware.
func TestAdapterConformance(t *testing.T) {
	conformance.TestAdapterOn(t, func(t *testing.T) session.Store { return openDir(t, t.TempDir()) }, conformance.NetHTTP)
}
