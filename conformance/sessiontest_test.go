package conformance_test

import (
	"testing"

	"github.com/session2/session2/conformance"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// TestSessiontestStore checks the test kit's in-memory store against the
// store contract, and runs the adapter suite over it.
func TestSessiontestStore(t *testing.T) {
	newStore := func(t *testing.T) session.Store { return sessiontest.NewStore() }
	conformance.TestStore(t, newStore)
	t.Run("Adapter", func(t *testing.T) { conformance.TestAdapterOn(t, newStore, conformance.NetHTTP) })
}
