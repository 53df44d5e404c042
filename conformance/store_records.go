package conformance

// The store properties of one record: Load, Save, Delete, Touch, Setup.

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
)

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
