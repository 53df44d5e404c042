package conformance_test

import (
	"os"
	"testing"

	"github.com/session2/session2/conformance"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// sharedMemory is a SharedStore over one memstore per test: each store
// Open or Reopen returns is a view of it, closed on its own, as handles of
// a database are. Counted counts every call of the request path as a
// round trip.
func sharedMemory(forget bool) conformance.SharedStore {
	return conformance.SharedStore{
		Open: func(t *testing.T) session.Store { return &view{Store: newMemstore(t)} },
		Reopen: func(t *testing.T, s session.Store) session.Store {
			if forget { // a broken store: what it held is lost
				return &view{Store: newMemstore(t)}
			}
			return &view{Store: s.(*view).Store}
		},
		Counted: func(t *testing.T) (session.Store, func() int) {
			st := sessiontest.Wrap(&view{Store: newMemstore(t)})
			return st, func() int { return st.Calls(sessiontest.Load, sessiontest.Save, sessiontest.Delete, sessiontest.Touch) }
		},
	}
}

// The reference shared store passes.
func TestSharedStoreSuite(t *testing.T) {
	conformance.TestSharedStore(t, sharedMemory(false))
}

// One handle at a time: the two managers share the store.
func TestSharedStoreSuiteOneHandle(t *testing.T) {
	h := sharedMemory(false)
	h.OneHandle = true
	h.Counted = nil
	conformance.TestSharedStore(t, h)
}

// A store that forgets its sessions on a restart fails Restart, and the
// two-server properties (which reopen the storage too).
func TestBrokenForgetful(t *testing.T) {
	brokenOnly(t)
	conformance.TestSharedStore(t, sharedMemory(true))
}

// A store that costs two round trips per call fails RoundTrips.
func TestBrokenChatty(t *testing.T) {
	brokenOnly(t)
	h := sharedMemory(false)
	counted := h.Counted
	h.Counted = func(t *testing.T) (session.Store, func() int) {
		s, count := counted(t)
		return s, func() int { return 2 * count() }
	}
	conformance.TestSharedStore(t, h)
}

// TestSharedSuiteCatchesBrokenStores runs each broken shared store in a
// child process: it fails where it breaks a property and passes the rest.
func TestSharedSuiteCatchesBrokenStores(t *testing.T) {
	if os.Getenv(brokenEnv) != "" {
		t.Skip("already in a child process")
	}
	t.Run("Forgetful", func(t *testing.T) {
		t.Parallel()
		checkBrokenChild(t, "TestBrokenForgetful", []string{"TwoServersMerge", "Restart"}, []string{"RoundTrips"})
	})
	t.Run("Chatty", func(t *testing.T) {
		t.Parallel()
		checkBrokenChild(t, "TestBrokenChatty", []string{"RoundTrips"}, []string{"TwoServersMerge", "TwoServersLogoutRace", "Restart"})
	})
}
