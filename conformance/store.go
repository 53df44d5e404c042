package conformance

import (
	"testing"

	"github.com/session2/session2/core/session"
)

// TestStore runs the store conformance suite: one subtest per property of
// the [session.Store] contract, each on a fresh store from newStore.
//
// newStore returns a store that is ready for use (Setup already called)
// and registers with t.Cleanup whatever it needs to release the store. It
// may return stores that share their data (one database table, say): the
// suite uses random keys and users and never assumes a store is empty.
// See the package documentation for the few assumptions the suite makes
// about a shared store and about clocks.
func TestStore(t *testing.T, newStore func(t *testing.T) session.Store) {
	t.Helper()
	if newStore == nil {
		t.Fatal("conformance: TestStore: newStore is nil")
	}
	for _, p := range storeProperties {
		t.Run(p.name, func(t *testing.T) {
			s := newStore(t)
			if s == nil {
				t.Fatal("newStore returned a nil store")
			}
			p.test(t, s)
		})
	}
}

type storeProperty struct {
	name string
	test func(t *testing.T, s session.Store)
}

// storeProperties lists the properties in the order they run. Names are
// the subtest names, so keep them stable: stores' CI may select them.
var storeProperties = []storeProperty{
	{"LoadMissing", testLoadMissing},
	{"RoundTrip", testRoundTrip},
	{"TimeZones", testTimeZones},
	{"DataCopiedOnSave", testDataCopiedOnSave},
	{"DataCopiedOnLoad", testDataCopiedOnLoad},
	{"CreateConflict", testCreateConflict},
	{"StaleVersionConflict", testStaleVersionConflict},
	{"NoResurrection", testNoResurrection},
	{"DeleteIdempotent", testDeleteIdempotent},
	{"ExpiredNotLoaded", testExpiredNotLoaded},
	{"Touch", testTouch},
	{"TouchMissing", testTouchMissing},
	{"SetupIdempotent", testSetupIdempotent},
	{"ListByUser", testListByUser},
	{"ListByExpiresBefore", testListByExpiresBefore},
	{"ListByAccessedBefore", testListByAccessedBefore},
	{"ListCombined", testListCombined},
	{"ListAllAndStopEarly", testListAllAndStopEarly},
	{"PruneByUser", testPruneByUser},
	{"PruneByExpiresBefore", testPruneByExpiresBefore},
	{"PruneByAccessedBefore", testPruneByAccessedBefore},
	{"PruneCombined", testPruneCombined},
	{"UserChangeFollowsIndex", testUserChange},
	{"UserMatchedExactly", testUserMatchedExactly},
	{"ConcurrentIncrements", testConcurrentIncrements},
	{"LogoutUserWinsOverRenewal", raced(testLogoutUserWinsOverRenewal)},
	{"RevokeSessionWinsOverRenewal", raced(testRevokeSessionWinsOverRenewal)},
	{"CapWinsOverRenewal", raced(testCapWinsOverRenewal)},
	{"CapConcurrentLogins", raced(testCapConcurrentLogins)},
	{"LargeData", testLargeData},
	{"EmptyData", testEmptyData},
	{"CancelledContext", testCancelledContext},
	{"InvalidKeys", testInvalidKeys},
	{"Capabilities", testCapabilities},
	{"CloseIdempotent", testCloseIdempotent},
}

// Time eras for the filters without a user. Such a filter may match other
// records of a shared store, so the suite keeps it to dates nothing but the
// suite itself stores: cutoffs of the prune tests are older, in their
// dimension, than every record of any other test, so that two runs sharing a
// store can only ever delete each other's records that were meant to go.
var (
	// PruneByAccessedBefore: idle since 2000, live.
	pruneAccessedCutoff = date(2001, 1, 1)
	pruneAccessedOld    = date(2000, 6, 1)

	// PruneByExpiresBefore: expired in 2002, last used in late 2001.
	pruneExpiresCutoff = date(2002, 3, 1)
	pruneExpiresOld    = date(2002, 1, 1)
	pruneExpiresNew    = date(2002, 6, 1)
	pruneExpiresUsed   = date(2001, 9, 1)

	// PruneCombined: expiry before 2003-03 and last access before 2001-07.
	pruneCombinedExpires  = date(2003, 3, 1)
	pruneCombinedAccessed = date(2001, 7, 1)

	// List tests: later eras, out of reach of every prune cutoff above.
	listExpiresCutoff   = date(2005, 3, 1)
	listAccessedCutoff  = date(2006, 1, 1)
	listCombinedExpires = date(2007, 3, 1)
	listCombinedAccess  = date(2006, 7, 1)
)
