// Package conformance holds the public test suites that every store and
// adapter of session2 passes, and that third-party ones can run too.
//
// # Stores
//
// [TestStore] checks a [session.Store] against the contract documented on
// that interface: compare-and-set saves, no resurrection of deleted
// records, expiry, copies of byte slices, the user index behind List and
// Prune, context cancellation, invalid keys, concurrency, and Close. A
// store's own test file is one call:
//
//	func TestConformance(t *testing.T) {
//		conformance.TestStore(t, func(t *testing.T) session.Store {
//			s := memstore.New()
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// Each property runs as a named subtest on a fresh store, so
// "go test -run 'TestConformance/NoResurrection'" runs one of them.
//
// [TestSharedStore] checks what a store shared by servers or kept across
// restarts promises, through the core middleware over real HTTP ([App]):
// two managers on one storage merge concurrent changes and never undo a
// logout, sessions survive a restart, and each operation costs one round
// trip.
//
// # Adapters
//
// [TestAdapter] checks that an adapter puts a router in front of the core's
// request lifecycle without changing it: it drives a small application
// through the adapter and a real HTTP server, one named subtest per
// property (cookies, persistence, renewal, logout, expiry, "remember me"
// for 30 days through idle gaps, panics and 5xx,
// streaming, concurrent merges, races with logouts and renewals, a failed
// commit's response carrying none of the handler's headers, store
// failures and hangs, late changes, Hijack). [TestAdapterOn] does the same
// over a given store; stores run it on [NetHTTP]. [TestAdapterHeaderToken]
// and [TestAdapterOnHeaderToken] run the same properties with the token in
// an Authorization header ([session.WithHeaderToken]) instead of a cookie;
// every adapter runs both modes.
//
// The fakes these suites and the project's tests share (a store wrapper
// that counts, fails and hooks calls, and a manual clock) are in the
// test kit [github.com/session2/session2/core/session/sessiontest].
//
// # Shared stores
//
// The suite never assumes that a store is empty: every subtest uses random
// keys and users of its own, and checks only its own records. A SQL store
// may therefore run it against a table that holds other data. Two things
// are worth knowing before doing so:
//
//   - Some subtests prune without a user filter, with cutoffs in the years
//     2001 to 2003 (expiry or last access before a date in those years).
//     They delete any record that old, which in practice means only the
//     suite's own leftovers.
//   - Some subtests store records that expired in the years 2002 to 2007
//     and expect List and Prune to still see them. A store with a
//     background sweeper should have it off, or running no more often than
//     once a minute, in the stores newStore returns.
//
// # Times
//
// The suite builds every time in UTC, truncated to the microsecond, and
// compares times with [time.Time.Equal], so a store may return times in any
// location as long as it keeps microsecond precision. Live records expire
// an hour or more after the wall clock, and expired ones an hour or more
// before it: the store must decide expiry with a clock within a few minutes
// of the test process's.
package conformance
