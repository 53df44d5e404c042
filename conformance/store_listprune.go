package conformance

// The store properties of List and Prune and their filters.

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
)

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
