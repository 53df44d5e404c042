package conformance

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

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

// ---------------------------------------------------------------------
// Helpers

func date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// now returns the current time in UTC truncated to the microsecond, the
// precision every store keeps.
func now() time.Time {
	return time.Now().UTC().Truncate(time.Microsecond)
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("crypto/rand: %v", err)
	}
	return hex.EncodeToString(b)
}

// newKey returns a random store key: 64 lowercase hex characters.
func newKey(t *testing.T) string {
	t.Helper()
	return randomHex(t, session.KeyLen/2)
}

// newUser returns a user name no other subtest or run will use.
func newUser(t *testing.T, label string) string {
	t.Helper()
	return "conformance-" + label + "-" + randomHex(t, 8)
}

// live returns a record of user that expires in an hour.
func live(user, data string) session.Record {
	n := now()
	return session.Record{
		User:     user,
		Data:     []byte(data),
		Created:  n.Add(-10 * time.Minute),
		Accessed: n.Add(-time.Minute),
		Expires:  n.Add(time.Hour),
	}
}

// dated returns a record of user with the given access and expiry times.
func dated(user, data string, accessed, expires time.Time) session.Record {
	return session.Record{
		User:     user,
		Data:     []byte(data),
		Created:  accessed,
		Accessed: accessed,
		Expires:  expires,
	}
}

func mustSave(t *testing.T, s session.Store, key string, rec session.Record) {
	t.Helper()
	if err := s.Save(context.Background(), key, rec); err != nil {
		t.Fatalf("Save(version %d) = %v, want nil", rec.Version, err)
	}
}

func mustLoad(t *testing.T, s session.Store, key string) session.Record {
	t.Helper()
	rec, err := s.Load(context.Background(), key)
	if err != nil {
		t.Fatalf("Load of a live record = %v, want nil", err)
	}
	return rec
}

// wantNotFound checks that Load reports ErrNotFound for key; why says
// what the test expects and is part of the failure message.
func wantNotFound(t *testing.T, s session.Store, key, why string) {
	t.Helper()
	rec, err := s.Load(context.Background(), key)
	if !errors.Is(err, session.ErrNotFound) {
		t.Errorf("%s: Load = (version %d, %v), want ErrNotFound", why, rec.Version, err)
	}
}

// diffRecord describes how got differs from want, or returns "".
func diffRecord(got, want session.Record) string {
	var d []string
	if got.User != want.User {
		d = append(d, fmt.Sprintf("User = %q, want %q", got.User, want.User))
	}
	if !bytes.Equal(got.Data, want.Data) {
		d = append(d, fmt.Sprintf("Data = %s, want %s", showBytes(got.Data), showBytes(want.Data)))
	}
	if !got.Created.Equal(want.Created) {
		d = append(d, fmt.Sprintf("Created = %v, want %v", got.Created, want.Created))
	}
	if !got.Accessed.Equal(want.Accessed) {
		d = append(d, fmt.Sprintf("Accessed = %v, want %v", got.Accessed, want.Accessed))
	}
	if !got.Expires.Equal(want.Expires) {
		d = append(d, fmt.Sprintf("Expires = %v, want %v", got.Expires, want.Expires))
	}
	if got.Version != want.Version {
		d = append(d, fmt.Sprintf("Version = %d, want %d", got.Version, want.Version))
	}
	return strings.Join(d, "; ")
}

func showBytes(b []byte) string {
	if len(b) > 40 {
		return fmt.Sprintf("%d bytes %q...", len(b), b[:40])
	}
	return fmt.Sprintf("%q", b)
}

// wantRecord loads key and checks it against want (whose Version is the
// stored version expected).
func wantRecord(t *testing.T, s session.Store, key string, want session.Record, why string) {
	t.Helper()
	got, err := s.Load(context.Background(), key)
	if err != nil {
		t.Errorf("%s: Load = %v, want the record", why, err)
		return
	}
	if d := diffRecord(got, want); d != "" {
		t.Errorf("%s: loaded record differs: %s", why, d)
	}
}

// withVersion returns rec with Version v.
func withVersion(rec session.Record, v uint64) session.Record {
	rec.Version = v
	return rec
}

// list collects what s.List(f) yields, failing on an error. It checks that
// every yielded record matches f and that no key is yielded twice.
func list(t *testing.T, s session.Store, f session.Filter) map[string]session.Record {
	t.Helper()
	got := make(map[string]session.Record)
	for e, err := range s.List(context.Background(), f) {
		if err != nil {
			t.Fatalf("List(%s) yielded error %v", showFilter(f), err)
		}
		if !f.Match(e.Record) {
			t.Errorf("List(%s) yielded key %s whose record does not match: User %q, Accessed %v, Expires %v",
				showFilter(f), e.Key, e.Record.User, e.Record.Accessed, e.Record.Expires)
		}
		if _, dup := got[e.Key]; dup {
			t.Errorf("List(%s) yielded key %s twice", showFilter(f), e.Key)
		}
		got[e.Key] = e.Record
	}
	return got
}

func showFilter(f session.Filter) string {
	var p []string
	if f.User != "" {
		p = append(p, "User: "+f.User)
	}
	if !f.ExpiresBefore.IsZero() {
		p = append(p, "ExpiresBefore: "+f.ExpiresBefore.Format(time.RFC3339))
	}
	if !f.AccessedBefore.IsZero() {
		p = append(p, "AccessedBefore: "+f.AccessedBefore.Format(time.RFC3339))
	}
	return "Filter{" + strings.Join(p, ", ") + "}"
}

// wantListed checks that got holds exactly the keys of want that are
// true, among the keys of want (other keys of got are ignored).
func wantListed(t *testing.T, got map[string]session.Record, want map[string]bool, what string) {
	t.Helper()
	for key, in := range want {
		_, listed := got[key]
		switch {
		case in && !listed:
			t.Errorf("%s: key %s is missing from the listing", what, key)
		case !in && listed:
			t.Errorf("%s: key %s was listed but does not match", what, key)
		}
	}
}

// ---------------------------------------------------------------------
// Properties

func testLoadMissing(t *testing.T, s session.Store) {
	wantNotFound(t, s, newKey(t), "load of a key never saved")
}

func testRoundTrip(t *testing.T, s session.Store) {
	key := newKey(t)
	first := live(newUser(t, "roundtrip"), "first \x00\xff data")
	mustSave(t, s, key, first)
	wantRecord(t, s, key, withVersion(first, 1), "after the first save (version 0)")

	second := session.Record{
		User:     newUser(t, "roundtrip2"),
		Data:     []byte("second data"),
		Created:  first.Created.Add(time.Second),
		Accessed: first.Accessed.Add(30*time.Second + 123456*time.Microsecond),
		Expires:  first.Expires.Add(time.Hour + 654321*time.Microsecond),
		Version:  1,
	}
	mustSave(t, s, key, second)
	wantRecord(t, s, key, withVersion(second, 2), "after the second save (version 1)")

	third := live("", "anonymous again")
	third.Version = 2
	mustSave(t, s, key, third)
	wantRecord(t, s, key, withVersion(third, 3), "after the third save (version 2, empty user)")
}

func testTimeZones(t *testing.T, s session.Store) {
	// Times handed to a store may be in any location; they must come back
	// as the same instants. A store that drops the zone (keeps the wall
	// clock) shifts them by hours.
	key := newKey(t)
	user := newUser(t, "zones")
	n := now()
	east := time.FixedZone("UTC+05:30", 5*3600+30*60)
	west := time.FixedZone("UTC-08:00", -8*3600)
	rec := session.Record{
		User:     user,
		Data:     []byte("zoned"),
		Created:  n.Add(-time.Hour).In(east),
		Accessed: n.Add(-time.Minute).In(west),
		Expires:  n.Add(2 * time.Hour).In(east),
	}
	mustSave(t, s, key, rec)
	wantRecord(t, s, key, withVersion(rec, 1), "times in UTC+05:30 and UTC-08:00")

	accessed, expires := n.In(time.Local), n.Add(3*time.Hour).In(west)
	if err := s.Touch(context.Background(), key, accessed, expires); err != nil {
		t.Fatalf("Touch with zoned times = %v", err)
	}
	want := withVersion(rec, 1)
	want.Accessed, want.Expires = accessed, expires
	wantRecord(t, s, key, want, "Touch with times in Local and UTC-08:00")

	// Filters with zoned cutoffs select by instant too.
	f := session.Filter{User: user, ExpiresBefore: n.Add(3 * time.Hour).In(east), AccessedBefore: n.Add(time.Microsecond).In(west)}
	wantListed(t, list(t, s, f), map[string]bool{key: true}, "List with cutoffs in other zones")
	f.ExpiresBefore = n.Add(3*time.Hour - time.Microsecond).In(east)
	wantListed(t, list(t, s, f), map[string]bool{key: false}, "List with an ExpiresBefore one microsecond before Expires")
}

func testDataCopiedOnSave(t *testing.T, s session.Store) {
	key := newKey(t)
	rec := live(newUser(t, "copyin"), "original")
	want := withVersion(rec, 1)
	want.Data = []byte("original")
	mustSave(t, s, key, rec)
	copy(rec.Data, "XXXXXXXX")
	wantRecord(t, s, key, want, "the slice given to Save (create) was changed after Save returned")

	upd := rec
	upd.Data = []byte("updated!")
	upd.Version = 1
	mustSave(t, s, key, upd)
	copy(upd.Data, "YYYYYYYY")
	want = withVersion(upd, 2)
	want.Data = []byte("updated!")
	wantRecord(t, s, key, want, "the slice given to Save (update) was changed after Save returned")
}

func testDataCopiedOnLoad(t *testing.T, s session.Store) {
	key := newKey(t)
	rec := live(newUser(t, "copyout"), "original")
	mustSave(t, s, key, rec)
	want := withVersion(rec, 1)
	want.Data = []byte("original")

	got := mustLoad(t, s, key)
	copy(got.Data, "XXXXXXXX")
	got.Data = append(got.Data[:0], "appended over the loaded slice"...)
	wantRecord(t, s, key, want, "the slice returned by Load was changed")

	for e, err := range s.List(context.Background(), session.Filter{User: rec.User}) {
		if err != nil {
			t.Fatalf("List(User) yielded error %v", err)
		}
		copy(e.Record.Data, "YYYYYYYY")
	}
	wantRecord(t, s, key, want, "the slice yielded by List was changed")
}

func testCreateConflict(t *testing.T, s session.Store) {
	key := newKey(t)
	first := live(newUser(t, "create"), "first")
	mustSave(t, s, key, first)

	second := live(newUser(t, "create2"), "second")
	err := s.Save(context.Background(), key, second)
	if !errors.Is(err, session.ErrConflict) {
		t.Errorf("create (version 0) over an existing key: Save = %v, want ErrConflict", err)
	}
	wantRecord(t, s, key, withVersion(first, 1), "after a conflicting create")
}

func testStaleVersionConflict(t *testing.T, s session.Store) {
	key := newKey(t)
	user := newUser(t, "stale")
	mustSave(t, s, key, live(user, "v1"))
	v2 := withVersion(live(user, "v2"), 1)
	mustSave(t, s, key, v2)

	for _, stale := range []uint64{1, 3, 1 << 40} {
		rec := withVersion(live(newUser(t, "stale2"), "stale write"), stale)
		err := s.Save(context.Background(), key, rec)
		if !errors.Is(err, session.ErrConflict) {
			t.Errorf("save with version %d over stored version 2: Save = %v, want ErrConflict", stale, err)
		}
	}
	wantRecord(t, s, key, withVersion(v2, 2), "after stale-version saves")
	if got := list(t, s, session.Filter{User: user}); len(got) != 1 {
		t.Errorf("after stale-version saves, List(User) yields %d records, want 1", len(got))
	}
}

func testNoResurrection(t *testing.T, s session.Store) {
	ctx := context.Background()
	key := newKey(t)
	user := newUser(t, "resurrect")
	mustSave(t, s, key, live(user, "alive"))
	if err := s.Delete(ctx, key); err != nil {
		t.Fatalf("Delete = %v, want nil", err)
	}
	err := s.Save(ctx, key, withVersion(live(user, "in-flight request"), 1))
	if !errors.Is(err, session.ErrConflict) {
		t.Errorf("update (version 1) of a deleted record: Save = %v, want ErrConflict", err)
	}
	wantNotFound(t, s, key, "a deleted record was updated")
	if got := list(t, s, session.Filter{User: user}); len(got) != 0 {
		t.Errorf("a deleted record was updated: List(User) yields %d records, want 0", len(got))
	}

	never := newKey(t)
	err = s.Save(ctx, never, withVersion(live(user, "never created"), 1))
	if !errors.Is(err, session.ErrConflict) {
		t.Errorf("update (version 1) of a key never saved: Save = %v, want ErrConflict", err)
	}
	wantNotFound(t, s, never, "a key never saved was updated")
}

func testDeleteIdempotent(t *testing.T, s session.Store) {
	ctx := context.Background()
	if err := s.Delete(ctx, newKey(t)); err != nil {
		t.Errorf("Delete of a key never saved = %v, want nil", err)
	}
	key := newKey(t)
	other := newKey(t)
	mustSave(t, s, key, live(newUser(t, "delete"), "doomed"))
	keep := live(newUser(t, "delete2"), "kept")
	mustSave(t, s, other, keep)
	for i := 0; i < 2; i++ {
		if err := s.Delete(ctx, key); err != nil {
			t.Errorf("Delete #%d of a saved key = %v, want nil", i+1, err)
		}
		wantNotFound(t, s, key, "after Delete")
	}
	wantRecord(t, s, other, withVersion(keep, 1), "Delete of another key")
	// The key is free again: a create succeeds.
	mustSave(t, s, key, live("", "reborn"))
	if got := mustLoad(t, s, key); got.Version != 1 {
		t.Errorf("create after Delete: Version = %d, want 1", got.Version)
	}
}

func testExpiredNotLoaded(t *testing.T, s session.Store) {
	ctx := context.Background()
	n := now()
	key := newKey(t)
	rec := dated(newUser(t, "expired"), "expired data", n.Add(-2*time.Hour), n.Add(-time.Hour))
	mustSave(t, s, key, rec)
	wantNotFound(t, s, key, "an expired record (Expires an hour ago)")
	err := s.Touch(ctx, key, n, n.Add(time.Hour))
	if !errors.Is(err, session.ErrNotFound) {
		t.Errorf("Touch of an expired record = %v, want ErrNotFound", err)
	}
	wantNotFound(t, s, key, "an expired record after Touch")

	old := newKey(t)
	mustSave(t, s, old, dated("", "long expired", date(2001, 1, 1), date(2001, 1, 2)))
	wantNotFound(t, s, old, "a record that expired in 2001")
}

func testTouch(t *testing.T, s session.Store) {
	ctx := context.Background()
	key := newKey(t)
	rec := live(newUser(t, "touch"), "touched data")
	mustSave(t, s, key, rec)

	n := now()
	accessed, expires := n.Add(7*time.Microsecond), n.Add(2*time.Hour+3*time.Microsecond)
	if err := s.Touch(ctx, key, accessed, expires); err != nil {
		t.Fatalf("Touch of a live record = %v, want nil", err)
	}
	want := withVersion(rec, 1)
	want.Accessed, want.Expires = accessed, expires
	wantRecord(t, s, key, want, "after Touch (only Accessed and Expires change)")

	// Touch does not change the version: the version loaded before it
	// still saves.
	upd := withVersion(live(rec.User, "saved after touch"), 1)
	if err := s.Save(ctx, key, upd); err != nil {
		t.Errorf("Save with the version loaded before Touch = %v, want nil (Touch must not change the version)", err)
	}

	// Touch can also expire a record.
	if err := s.Touch(ctx, key, n, n.Add(-time.Minute)); err != nil {
		t.Fatalf("Touch moving Expires into the past = %v, want nil", err)
	}
	wantNotFound(t, s, key, "after Touch moved Expires into the past")
}

func testTouchMissing(t *testing.T, s session.Store) {
	ctx := context.Background()
	n := now()
	key := newKey(t)
	if err := s.Touch(ctx, key, n, n.Add(time.Hour)); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("Touch of a key never saved = %v, want ErrNotFound", err)
	}
	wantNotFound(t, s, key, "Touch of a key never saved created it")

	mustSave(t, s, key, live("", "deleted"))
	if err := s.Delete(ctx, key); err != nil {
		t.Fatalf("Delete = %v", err)
	}
	if err := s.Touch(ctx, key, n, n.Add(time.Hour)); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("Touch of a deleted key = %v, want ErrNotFound", err)
	}
	wantNotFound(t, s, key, "Touch of a deleted key recreated it")
}

func testSetupIdempotent(t *testing.T, s session.Store) {
	key := newKey(t)
	rec := live(newUser(t, "setup"), "kept across Setup")
	mustSave(t, s, key, rec)
	for i := 0; i < 2; i++ {
		if err := s.Setup(context.Background()); err != nil {
			t.Fatalf("Setup call #%d on a set-up store = %v, want nil", i+1, err)
		}
	}
	wantRecord(t, s, key, withVersion(rec, 1), "after Setup twice")
	if got := list(t, s, session.Filter{User: rec.User}); len(got) != 1 {
		t.Errorf("after Setup twice, List(User) yields %d records, want 1 (the user index must survive)", len(got))
	}
}

func testListByUser(t *testing.T, s session.Store) {
	u, v := newUser(t, "list-u"), newUser(t, "list-v")
	mine := map[string]session.Record{}
	for i := 0; i < 3; i++ {
		key := newKey(t)
		rec := live(u, fmt.Sprintf("u record %d", i))
		mustSave(t, s, key, rec)
		mine[key] = withVersion(rec, 1)
	}
	vKey := newKey(t)
	mustSave(t, s, vKey, live(v, "v record"))
	anon := newKey(t)
	mustSave(t, s, anon, live("", "anonymous"))

	got := list(t, s, session.Filter{User: u})
	if len(got) != len(mine) {
		t.Errorf("List(User: u) yields %d records, want %d", len(got), len(mine))
	}
	for key, want := range mine {
		rec, ok := got[key]
		if !ok {
			t.Errorf("List(User: u) misses key %s", key)
			continue
		}
		if d := diffRecord(rec, want); d != "" {
			t.Errorf("List(User: u) yields a record that differs from the saved one: %s", d)
		}
	}
	if got := list(t, s, session.Filter{User: v}); len(got) != 1 || got[vKey].Version != 1 {
		t.Errorf("List(User: v) yields %d records, want exactly v's one", len(got))
	}
	if got := list(t, s, session.Filter{User: newUser(t, "nobody")}); len(got) != 0 {
		t.Errorf("List(User: a user with no records) yields %d records, want 0", len(got))
	}
}

func testListByExpiresBefore(t *testing.T, s session.Store) {
	// With a user: live records, a cutoff in the future.
	u := newUser(t, "list-exp")
	n := now()
	soon, later := newKey(t), newKey(t)
	mustSave(t, s, soon, dated(u, "soon", n, n.Add(time.Hour)))
	mustSave(t, s, later, dated(u, "later", n, n.Add(3*time.Hour)))
	f := session.Filter{User: u, ExpiresBefore: n.Add(2 * time.Hour)}
	got := list(t, s, f)
	wantListed(t, got, map[string]bool{soon: true, later: false}, "List(User, ExpiresBefore: in 2h)")
	if len(got) != 1 {
		t.Errorf("List(User, ExpiresBefore: in 2h) yields %d records, want 1", len(got))
	}
	// The boundary: Expires equal to the cutoff matches.
	f.ExpiresBefore = n.Add(time.Hour)
	wantListed(t, list(t, s, f), map[string]bool{soon: true, later: false}, "List(User, ExpiresBefore equal to a record's Expires)")

	// Without a user: records that expired long ago.
	v := newUser(t, "list-exp-v")
	old, newer := newKey(t), newKey(t)
	mustSave(t, s, old, dated(v, "old", date(2004, 9, 1), date(2005, 1, 1)))
	mustSave(t, s, newer, dated(v, "newer", date(2004, 9, 1), date(2005, 6, 1)))
	wantListed(t, list(t, s, session.Filter{ExpiresBefore: listExpiresCutoff}),
		map[string]bool{old: true, newer: false, soon: false, later: false}, "List(ExpiresBefore: 2005-03-01)")
}

func testListByAccessedBefore(t *testing.T, s session.Store) {
	u := newUser(t, "list-acc")
	n := now()
	idle, busy := newKey(t), newKey(t)
	mustSave(t, s, idle, dated(u, "idle", n.Add(-2*time.Hour), n.Add(time.Hour)))
	mustSave(t, s, busy, dated(u, "busy", n.Add(-time.Minute), n.Add(time.Hour)))
	got := list(t, s, session.Filter{User: u, AccessedBefore: n.Add(-time.Hour)})
	wantListed(t, got, map[string]bool{idle: true, busy: false}, "List(User, AccessedBefore: 1h ago)")
	if len(got) != 1 {
		t.Errorf("List(User, AccessedBefore: 1h ago) yields %d records, want 1", len(got))
	}
	// The boundary: Accessed equal to the cutoff does not match.
	wantListed(t, list(t, s, session.Filter{User: u, AccessedBefore: n.Add(-2 * time.Hour)}),
		map[string]bool{idle: false, busy: false}, "List(User, AccessedBefore equal to a record's Accessed)")

	v := newUser(t, "list-acc-v")
	old := newKey(t)
	mustSave(t, s, old, dated(v, "idle since 2005", date(2005, 6, 1), n.Add(time.Hour)))
	wantListed(t, list(t, s, session.Filter{AccessedBefore: listAccessedCutoff}),
		map[string]bool{old: true, busy: false, idle: false}, "List(AccessedBefore: 2006-01-01)")
}

func testListCombined(t *testing.T, s session.Store) {
	u := newUser(t, "list-comb")
	n := now()
	both, onlyExp, onlyAcc, neither := newKey(t), newKey(t), newKey(t), newKey(t)
	mustSave(t, s, both, dated(u, "both", n.Add(-2*time.Hour), n.Add(time.Hour)))
	mustSave(t, s, onlyExp, dated(u, "expires soon", n.Add(-time.Minute), n.Add(time.Hour)))
	mustSave(t, s, onlyAcc, dated(u, "idle", n.Add(-2*time.Hour), n.Add(3*time.Hour)))
	mustSave(t, s, neither, dated(u, "neither", n.Add(-time.Minute), n.Add(3*time.Hour)))
	other := newKey(t)
	mustSave(t, s, other, dated(newUser(t, "list-comb-other"), "other user", n.Add(-2*time.Hour), n.Add(time.Hour)))

	f := session.Filter{User: u, ExpiresBefore: n.Add(2 * time.Hour), AccessedBefore: n.Add(-time.Hour)}
	got := list(t, s, f)
	wantListed(t, got, map[string]bool{both: true, onlyExp: false, onlyAcc: false, neither: false, other: false},
		"List(User, ExpiresBefore, AccessedBefore)")
	if len(got) != 1 {
		t.Errorf("List(User, ExpiresBefore, AccessedBefore) yields %d records, want 1", len(got))
	}

	v := newUser(t, "list-comb-v")
	c, d, e := newKey(t), newKey(t), newKey(t)
	mustSave(t, s, c, dated(v, "match", date(2006, 3, 1), date(2007, 1, 1)))
	mustSave(t, s, d, dated(v, "used later", date(2006, 9, 1), date(2007, 1, 1)))
	mustSave(t, s, e, dated(v, "expires later", date(2006, 3, 1), date(2007, 6, 1)))
	wantListed(t, list(t, s, session.Filter{ExpiresBefore: listCombinedExpires, AccessedBefore: listCombinedAccess}),
		map[string]bool{c: true, d: false, e: false, both: false}, "List(ExpiresBefore: 2007-03-01, AccessedBefore: 2006-07-01)")
}

func testListAllAndStopEarly(t *testing.T, s session.Store) {
	ctx := context.Background()
	mine := map[string]bool{}
	user := newUser(t, "list-all")
	for i := 0; i < 5; i++ {
		key := newKey(t)
		mustSave(t, s, key, live(user, "listed"))
		mine[key] = true
	}
	anon := newKey(t)
	mustSave(t, s, anon, live("", "anonymous"))
	mine[anon] = true
	expired := newKey(t)
	n := now()
	mustSave(t, s, expired, dated(user, "expired", n.Add(-2*time.Hour), n.Add(-time.Hour)))
	mine[expired] = true

	// The zero filter matches every record, expired or not. The store may
	// hold others: stop as soon as ours are all seen.
	missing := len(mine)
	seen := map[string]bool{}
	for e, err := range s.List(ctx, session.Filter{}) {
		if err != nil {
			t.Fatalf("List(Filter{}) yielded error %v", err)
		}
		if mine[e.Key] && !seen[e.Key] {
			seen[e.Key] = true
			if missing--; missing == 0 {
				break
			}
		}
	}
	if missing != 0 {
		t.Errorf("List(Filter{}) missed %d of the %d records saved (the zero filter matches all, expired included)", missing, len(mine))
	}

	// A consumer that stops early: the iterator must stop calling it.
	calls := 0
	for _, err := range s.List(ctx, session.Filter{User: user}) {
		if err != nil {
			t.Fatalf("List(User) yielded error %v", err)
		}
		calls++
		break
	}
	if calls != 1 {
		t.Errorf("List(User) of a user with 6 records yielded %d before the consumer stopped, want 1", calls)
	}
	// And a consumer that changes the store while listing.
	deleted := 0
	for e, err := range s.List(ctx, session.Filter{User: user}) {
		if err != nil {
			t.Fatalf("List(User) yielded error %v while its consumer deleted records", err)
		}
		if err := s.Delete(ctx, e.Key); err != nil {
			t.Fatalf("Delete from inside a List loop = %v", err)
		}
		deleted++
	}
	if deleted != 6 {
		t.Errorf("List(User) with Delete inside the loop yielded %d records, want 6", deleted)
	}
	if got := list(t, s, session.Filter{User: user}); len(got) != 0 {
		t.Errorf("after deleting every listed record, List(User) yields %d, want 0", len(got))
	}
}

func testPruneByUser(t *testing.T, s session.Store) {
	ctx := context.Background()
	u, v := newUser(t, "prune-u"), newUser(t, "prune-v")
	var uKeys []string
	for i := 0; i < 3; i++ {
		key := newKey(t)
		mustSave(t, s, key, live(u, "u"))
		uKeys = append(uKeys, key)
	}
	// An expired record of u goes too: Prune by user is "log out everywhere".
	n := now()
	expired := newKey(t)
	mustSave(t, s, expired, dated(u, "expired", n.Add(-2*time.Hour), n.Add(-time.Hour)))
	vKey := newKey(t)
	vRec := live(v, "v")
	mustSave(t, s, vKey, vRec)
	anon := newKey(t)
	anonRec := live("", "anonymous")
	mustSave(t, s, anon, anonRec)

	got, err := s.Prune(ctx, session.Filter{User: u})
	if err != nil {
		t.Fatalf("Prune(User: u) = %v", err)
	}
	if got != 4 {
		t.Errorf("Prune(User: u) deleted %d records, want u's 4", got)
	}
	for _, key := range uKeys {
		wantNotFound(t, s, key, "after Prune(User: u), u's record")
	}
	if left := list(t, s, session.Filter{User: u}); len(left) != 0 {
		t.Errorf("after Prune(User: u), List(User: u) yields %d records, want 0", len(left))
	}
	wantRecord(t, s, vKey, withVersion(vRec, 1), "Prune(User: u) must keep v's record")
	wantRecord(t, s, anon, withVersion(anonRec, 1), "Prune(User: u) must keep anonymous records")

	again, err := s.Prune(ctx, session.Filter{User: u})
	if err != nil || again != 0 {
		t.Errorf("second Prune(User: u) = (%d, %v), want (0, nil)", again, err)
	}
}

func testPruneByExpiresBefore(t *testing.T, s session.Store) {
	ctx := context.Background()
	u := newUser(t, "prune-exp")
	n := now()
	soon, later := newKey(t), newKey(t)
	mustSave(t, s, soon, dated(u, "soon", n, n.Add(time.Hour)))
	laterRec := dated(u, "later", n, n.Add(3*time.Hour))
	mustSave(t, s, later, laterRec)
	got, err := s.Prune(ctx, session.Filter{User: u, ExpiresBefore: n.Add(2 * time.Hour)})
	if err != nil || got != 1 {
		t.Errorf("Prune(User, ExpiresBefore: in 2h) = (%d, %v), want (1, nil)", got, err)
	}
	wantNotFound(t, s, soon, "Prune(User, ExpiresBefore: in 2h) of a record expiring in 1h")
	wantRecord(t, s, later, withVersion(laterRec, 1), "Prune(User, ExpiresBefore: in 2h) must keep a record expiring in 3h")

	// Without a user, on records expired since 2002 (see the eras above).
	v := newUser(t, "prune-exp-v")
	old, newer := newKey(t), newKey(t)
	mustSave(t, s, old, dated(v, "old", pruneExpiresUsed, pruneExpiresOld))
	mustSave(t, s, newer, dated(v, "newer", pruneExpiresUsed, pruneExpiresNew))
	if _, err := s.Prune(ctx, session.Filter{ExpiresBefore: pruneExpiresCutoff}); err != nil {
		t.Fatalf("Prune(ExpiresBefore: 2002-03-01) = %v", err)
	}
	wantListed(t, list(t, s, session.Filter{User: v}), map[string]bool{old: false, newer: true},
		"after Prune(ExpiresBefore: 2002-03-01), List(User)")
	wantRecord(t, s, later, withVersion(laterRec, 1), "Prune(ExpiresBefore: 2002-03-01) must keep a live record")
}

func testPruneByAccessedBefore(t *testing.T, s session.Store) {
	ctx := context.Background()
	u := newUser(t, "prune-acc")
	n := now()
	idle, busy := newKey(t), newKey(t)
	mustSave(t, s, idle, dated(u, "idle", n.Add(-2*time.Hour), n.Add(time.Hour)))
	busyRec := dated(u, "busy", n.Add(-time.Minute), n.Add(time.Hour))
	mustSave(t, s, busy, busyRec)
	got, err := s.Prune(ctx, session.Filter{User: u, AccessedBefore: n.Add(-time.Hour)})
	if err != nil || got != 1 {
		t.Errorf("Prune(User, AccessedBefore: 1h ago) = (%d, %v), want (1, nil)", got, err)
	}
	wantNotFound(t, s, idle, "Prune(User, AccessedBefore: 1h ago) of a record idle for 2h")
	wantRecord(t, s, busy, withVersion(busyRec, 1), "Prune(User, AccessedBefore: 1h ago) must keep a record used a minute ago")

	// Without a user, on a live record idle since 2000.
	v := newUser(t, "prune-acc-v")
	old := newKey(t)
	mustSave(t, s, old, dated(v, "idle since 2000", pruneAccessedOld, n.Add(time.Hour)))
	recent := newKey(t)
	recentRec := live(v, "recent")
	mustSave(t, s, recent, recentRec)
	got, err = s.Prune(ctx, session.Filter{AccessedBefore: pruneAccessedCutoff})
	if err != nil {
		t.Fatalf("Prune(AccessedBefore: 2001-01-01) = %v", err)
	}
	if got < 1 {
		t.Errorf("Prune(AccessedBefore: 2001-01-01) reports %d deleted, want at least 1", got)
	}
	wantNotFound(t, s, old, "Prune(AccessedBefore: 2001-01-01) of a record idle since 2000")
	wantRecord(t, s, recent, withVersion(recentRec, 1), "Prune(AccessedBefore: 2001-01-01) must keep a recent record")
	wantRecord(t, s, busy, withVersion(busyRec, 1), "Prune(AccessedBefore: 2001-01-01) must keep a recent record")
}

func testPruneCombined(t *testing.T, s session.Store) {
	ctx := context.Background()
	u := newUser(t, "prune-comb")
	n := now()
	keys := map[string]session.Record{}
	add := func(data string, accessed, expires time.Time) string {
		key := newKey(t)
		rec := dated(u, data, accessed, expires)
		mustSave(t, s, key, rec)
		keys[key] = withVersion(rec, 1)
		return key
	}
	both := add("both", n.Add(-2*time.Hour), n.Add(time.Hour))
	add("expires soon", n.Add(-time.Minute), n.Add(time.Hour))
	add("idle", n.Add(-2*time.Hour), n.Add(3*time.Hour))
	add("neither", n.Add(-time.Minute), n.Add(3*time.Hour))
	got, err := s.Prune(ctx, session.Filter{User: u, ExpiresBefore: n.Add(2 * time.Hour), AccessedBefore: n.Add(-time.Hour)})
	if err != nil || got != 1 {
		t.Errorf("Prune(User, ExpiresBefore: in 2h, AccessedBefore: 1h ago) = (%d, %v), want (1, nil)", got, err)
	}
	for key, rec := range keys {
		if key == both {
			wantNotFound(t, s, key, "Prune(User, ExpiresBefore, AccessedBefore) of the record matching both")
		} else {
			wantRecord(t, s, key, rec, fmt.Sprintf("Prune(User, ExpiresBefore, AccessedBefore) must keep the record %q", rec.Data))
		}
	}

	// Without a user (see the eras above).
	v := newUser(t, "prune-comb-v")
	c, d, e := newKey(t), newKey(t), newKey(t)
	mustSave(t, s, c, dated(v, "match", date(2001, 3, 1), date(2003, 1, 1)))
	mustSave(t, s, d, dated(v, "used later", date(2001, 9, 1), date(2003, 1, 1)))
	mustSave(t, s, e, dated(v, "expires later", date(2001, 3, 1), date(2003, 6, 1)))
	if _, err := s.Prune(ctx, session.Filter{ExpiresBefore: pruneCombinedExpires, AccessedBefore: pruneCombinedAccessed}); err != nil {
		t.Fatalf("Prune(ExpiresBefore: 2003-03-01, AccessedBefore: 2001-07-01) = %v", err)
	}
	wantListed(t, list(t, s, session.Filter{User: v}), map[string]bool{c: false, d: true, e: true},
		"after Prune(ExpiresBefore: 2003-03-01, AccessedBefore: 2001-07-01), List(User)")
}

func testUserChange(t *testing.T, s session.Store) {
	ctx := context.Background()
	u1, u2 := newUser(t, "change-1"), newUser(t, "change-2")
	key := newKey(t)
	mustSave(t, s, key, live(u1, "as u1"))
	mustSave(t, s, key, withVersion(live(u2, "as u2"), 1))

	if got := list(t, s, session.Filter{User: u1}); len(got) != 0 {
		t.Errorf("after the user changed from u1 to u2, List(User: u1) yields %d records, want 0", len(got))
	}
	if got := list(t, s, session.Filter{User: u2}); len(got) != 1 || got[key].User != u2 {
		t.Errorf("after the user changed from u1 to u2, List(User: u2) yields %d records, want the one", len(got))
	}
	if n, err := s.Prune(ctx, session.Filter{User: u1}); err != nil || n != 0 {
		t.Errorf("after the user changed from u1 to u2, Prune(User: u1) = (%d, %v), want (0, nil)", n, err)
	}
	if got := mustLoad(t, s, key); got.User != u2 {
		t.Errorf("after Prune(User: u1), the record's User = %q, want u2", got.User)
	}

	// To anonymous and back to u1.
	mustSave(t, s, key, withVersion(live("", "anonymous"), 2))
	if got := list(t, s, session.Filter{User: u2}); len(got) != 0 {
		t.Errorf("after the user changed from u2 to anonymous, List(User: u2) yields %d records, want 0", len(got))
	}
	mustSave(t, s, key, withVersion(live(u1, "u1 again"), 3))
	if got := list(t, s, session.Filter{User: u1}); len(got) != 1 {
		t.Errorf("after the user changed back to u1, List(User: u1) yields %d records, want 1", len(got))
	}
	if n, err := s.Prune(ctx, session.Filter{User: u2}); err != nil || n != 0 {
		t.Errorf("Prune(User: u2) of a former user = (%d, %v), want (0, nil)", n, err)
	}
	if n, err := s.Prune(ctx, session.Filter{User: u1}); err != nil || n != 1 {
		t.Errorf("Prune(User: u1) of the current user = (%d, %v), want (1, nil)", n, err)
	}
	wantNotFound(t, s, key, "after Prune(User) of the record's current user")

	// A failed save (conflict) must not move the index either.
	key2 := newKey(t)
	mustSave(t, s, key2, live(u1, "u1"))
	if err := s.Save(ctx, key2, withVersion(live(u2, "stale"), 7)); !errors.Is(err, session.ErrConflict) {
		t.Errorf("stale save = %v, want ErrConflict", err)
	}
	if err := s.Save(ctx, key2, live(u2, "create over")); !errors.Is(err, session.ErrConflict) {
		t.Errorf("create over an existing key = %v, want ErrConflict", err)
	}
	if got := list(t, s, session.Filter{User: u2}); len(got) != 0 {
		t.Errorf("after conflicting saves naming u2, List(User: u2) yields %d records, want 0", len(got))
	}
	if got := list(t, s, session.Filter{User: u1}); len(got) != 1 {
		t.Errorf("after conflicting saves naming u2, List(User: u1) yields %d records, want 1", len(got))
	}
	// And a delete removes the record from its user's index.
	if err := s.Delete(ctx, key2); err != nil {
		t.Fatalf("Delete = %v", err)
	}
	if got := list(t, s, session.Filter{User: u1}); len(got) != 0 {
		t.Errorf("after Delete, List(User: u1) yields %d records, want 0", len(got))
	}
}

func testUserMatchedExactly(t *testing.T, s session.Store) {
	ctx := context.Background()
	base := newUser(t, "Exact")
	// Users that a case-insensitive, space-padding, prefix, LIKE or
	// Unicode-folding comparison would confuse with base or each other.
	users := []string{
		base,
		strings.ToUpper(base),
		strings.ToLower(base),
		base + " ",
		base + "x",
		base[:len(base)-1],
		base + "%",
		base + "_",
		base + "e",
		base + "\u00e9",  // é
		base + "e\u0301", // e and a combining acute accent
		base + "\u00c9",  // É
		base + "'",
	}
	keys := make(map[string]string, len(users))
	for _, u := range users {
		if _, dup := keys[u]; dup {
			continue
		}
		key := newKey(t)
		mustSave(t, s, key, live(u, "exact user"))
		keys[u] = key
	}
	for u, key := range keys {
		got := list(t, s, session.Filter{User: u})
		if len(got) != 1 {
			others := []string{}
			for k, r := range got {
				if k != key {
					others = append(others, fmt.Sprintf("%q", r.User))
				}
			}
			t.Errorf("List(User: %q) yields %d records, want exactly its own; others: %s", u, len(got), strings.Join(others, ", "))
			continue
		}
		if r, ok := got[key]; !ok || r.User != u {
			t.Errorf("List(User: %q) yields a record of user %q, want its own", u, r.User)
		}
	}
	n, err := s.Prune(ctx, session.Filter{User: base})
	if err != nil || n != 1 {
		t.Errorf("Prune(User: %q) = (%d, %v), want (1, nil): users are compared byte for byte", base, n, err)
	}
	for u, key := range keys {
		if u == base {
			wantNotFound(t, s, key, "Prune(User) of the exact user")
			continue
		}
		if got := mustLoad(t, s, key); got.User != u {
			t.Errorf("after Prune(User: %q), the record of %q has User %q", base, u, got.User)
		}
	}
}

func testLargeData(t *testing.T, s session.Store) {
	key := newKey(t)
	big := make([]byte, 1<<20)
	if _, err := rand.Read(big); err != nil {
		t.Fatal(err)
	}
	rec := live(newUser(t, "large"), "")
	rec.Data = big
	mustSave(t, s, key, rec)
	wantRecord(t, s, key, withVersion(rec, 1), "a 1 MiB record")

	// Shrink it: nothing of the old data may survive.
	small := withVersion(live(rec.User, "small now"), 1)
	mustSave(t, s, key, small)
	wantRecord(t, s, key, withVersion(small, 2), "a 1 MiB record updated to 9 bytes")
}

func testEmptyData(t *testing.T, s session.Store) {
	cases := []struct {
		name string
		data []byte
	}{
		{"zero-length", []byte{}},
		{"nil", nil},
	}
	for _, c := range cases {
		key := newKey(t)
		rec := live(newUser(t, "empty"), "")
		rec.Data = c.data
		mustSave(t, s, key, rec)
		got := mustLoad(t, s, key)
		if len(got.Data) != 0 {
			t.Errorf("%s Data: loaded %d bytes, want 0", c.name, len(got.Data))
		}
		if d := diffRecord(got, withVersion(rec, 1)); d != "" {
			t.Errorf("%s Data: loaded record differs: %s", c.name, d)
		}
		// From empty to data and back.
		full := withVersion(live(rec.User, "some data"), 1)
		mustSave(t, s, key, full)
		wantRecord(t, s, key, withVersion(full, 2), c.name+" Data updated to 9 bytes")
		empty := withVersion(live(rec.User, ""), 2)
		empty.Data = c.data
		mustSave(t, s, key, empty)
		if got := mustLoad(t, s, key); len(got.Data) != 0 || got.Version != 3 {
			t.Errorf("9 bytes updated to %s Data: loaded %d bytes, version %d; want 0 bytes, version 3", c.name, len(got.Data), got.Version)
		}
	}
}

func testCancelledContext(t *testing.T, s session.Store) {
	bg := context.Background()
	ctx, cancel := context.WithCancel(bg)
	cancel()
	wantCanceled := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context = %v, want an error wrapping context.Canceled", what, err)
		}
	}

	user := newUser(t, "ctx")
	key := newKey(t)
	rec := live(user, "untouched")
	mustSave(t, s, key, rec)
	want := withVersion(rec, 1)

	_, err := s.Load(ctx, key)
	wantCanceled("Load", err)

	fresh := newKey(t)
	wantCanceled("Save (create)", s.Save(ctx, fresh, live(user, "created")))
	wantNotFound(t, s, fresh, "Save (create) with a cancelled context must create nothing")

	wantCanceled("Save (update)", s.Save(ctx, key, withVersion(live(user, "updated"), 1)))
	n := now()
	wantCanceled("Touch", s.Touch(ctx, key, n, n.Add(5*time.Hour)))
	wantCanceled("Delete", s.Delete(ctx, key))
	wantCanceled("Setup", s.Setup(ctx))
	pruned, err := s.Prune(ctx, session.Filter{User: user})
	wantCanceled("Prune", err)
	if pruned != 0 {
		t.Errorf("Prune with a cancelled context reports %d deleted, want 0", pruned)
	}

	sawErr, entries, after := false, 0, 0
	for _, err := range s.List(ctx, session.Filter{User: user}) {
		switch {
		case sawErr:
			after++
		case err != nil:
			sawErr = true
			wantCanceled("List", err)
		default:
			entries++
		}
	}
	if !sawErr {
		t.Errorf("List with a cancelled context yielded %d records and no error, want an error wrapping context.Canceled", entries)
	}
	if after != 0 {
		t.Errorf("List went on yielding %d pairs after its error, want the error to end the sequence", after)
	}

	wantRecord(t, s, key, want, "after every method was called with a cancelled context")
	if got := list(t, s, session.Filter{User: user}); len(got) != 1 {
		t.Errorf("after every method was called with a cancelled context, List(User) yields %d records, want 1", len(got))
	}
}

func testInvalidKeys(t *testing.T, s session.Store) {
	ctx := context.Background()
	// A valid key with letters in it, so that its upper-case form differs.
	key := newKey(t)
	for strings.ToUpper(key) == key {
		key = newKey(t)
	}
	rec := live(newUser(t, "invalid"), "valid record")
	mustSave(t, s, key, rec)
	want := withVersion(rec, 1)
	intruder := newUser(t, "invalid-intruder")

	bad := []struct{ name, key string }{
		{"empty", ""},
		{"path traversal", "../x"},
		{"63 chars", key[:63]},
		{"65 chars", key + "0"},
		{"upper-case hex", strings.ToUpper(key)},
		{"non-hex letter", key[:63] + "g"},
		{"slash", key[:10] + "/" + key[11:]},
		{"traversal of 64 chars", "../" + key[3:]},
		{"NUL byte", key[:63] + "\x00"},
		{"non-ASCII", key[:62] + "é"},
		{"space", key[:63] + " "},
		{"SQL quote", key[:63] + "'"},
	}
	n := now()
	for _, b := range bad {
		if _, err := s.Load(ctx, b.key); !errors.Is(err, session.ErrInvalidKey) {
			t.Errorf("Load(%s key %q) = %v, want ErrInvalidKey", b.name, b.key, err)
		}
		if err := s.Save(ctx, b.key, live(intruder, "must not be stored")); !errors.Is(err, session.ErrInvalidKey) {
			t.Errorf("Save(%s key %q, create) = %v, want ErrInvalidKey", b.name, b.key, err)
		}
		if err := s.Save(ctx, b.key, withVersion(live(intruder, "must not be stored"), 1)); !errors.Is(err, session.ErrInvalidKey) {
			t.Errorf("Save(%s key %q, update) = %v, want ErrInvalidKey", b.name, b.key, err)
		}
		if err := s.Touch(ctx, b.key, n, n.Add(5*time.Hour)); !errors.Is(err, session.ErrInvalidKey) {
			t.Errorf("Touch(%s key %q) = %v, want ErrInvalidKey", b.name, b.key, err)
		}
		if err := s.Delete(ctx, b.key); !errors.Is(err, session.ErrInvalidKey) {
			t.Errorf("Delete(%s key %q) = %v, want ErrInvalidKey", b.name, b.key, err)
		}
	}
	wantRecord(t, s, key, want, "after calls with invalid keys, the valid record")
	if got := list(t, s, session.Filter{User: intruder}); len(got) != 0 {
		t.Errorf("Save with invalid keys stored %d records, want none", len(got))
	}
}

func testCapabilities(t *testing.T, s session.Store) {
	c := s.Capabilities()
	if c != s.Capabilities() {
		t.Errorf("Capabilities changed between two calls: %+v then %+v", c, s.Capabilities())
	}
	t.Logf("capabilities: %+v", c)
}

func testCloseIdempotent(t *testing.T, s session.Store) {
	ctx := context.Background()
	key := newKey(t)
	mustSave(t, s, key, live("", "before close"))
	for i := 0; i < 2; i++ {
		if err := s.Close(); err != nil {
			t.Fatalf("Close call #%d = %v, want nil", i+1, err)
		}
	}
	n := now()
	if _, err := s.Load(ctx, key); !errors.Is(err, session.ErrClosed) {
		t.Errorf("Load after Close = %v, want ErrClosed", err)
	}
	if err := s.Save(ctx, newKey(t), live("", "after close")); !errors.Is(err, session.ErrClosed) {
		t.Errorf("Save after Close = %v, want ErrClosed", err)
	}
	if err := s.Touch(ctx, key, n, n.Add(time.Hour)); !errors.Is(err, session.ErrClosed) {
		t.Errorf("Touch after Close = %v, want ErrClosed", err)
	}
	if err := s.Delete(ctx, key); !errors.Is(err, session.ErrClosed) {
		t.Errorf("Delete after Close = %v, want ErrClosed", err)
	}
	if _, err := s.Prune(ctx, session.Filter{User: newUser(t, "closed")}); !errors.Is(err, session.ErrClosed) {
		t.Errorf("Prune after Close = %v, want ErrClosed", err)
	}
	var listErr error
	for _, err := range s.List(ctx, session.Filter{User: newUser(t, "closed")}) {
		if err != nil {
			listErr = err
		}
	}
	if !errors.Is(listErr, session.ErrClosed) {
		t.Errorf("List after Close yielded error %v, want ErrClosed", listErr)
	}
}
