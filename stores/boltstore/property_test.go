package boltstore

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
	"go.etcd.io/bbolt"
)

// model is the reference the property test compares the store against: a
// plain map, with expiry decided by the same clock.
type model map[string]session.Record

func (m model) matching(f session.Filter) []string {
	var keys []string
	for k, r := range m {
		if f.Match(r) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// openNoSync opens a store on a fresh file without fsync: the property
// test checks logic, not durability, and runs thousands of writes.
func openNoSync(t *testing.T, opts ...Option) *Store {
	t.Helper()
	db, err := bbolt.Open(filepath.Join(t.TempDir(), "prop.db"), 0o600, &bbolt.Options{Timeout: time.Second, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(db, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		db.Close()
	})
	return s
}

func TestPropertyIndexesMatchRecords(t *testing.T) {
	seeds := 8
	ops := 600
	if testing.Short() {
		seeds, ops = 2, 300
	}
	for seed := 1; seed <= seeds; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			runProperty(t, uint64(seed), ops)
		})
	}
}

func runProperty(t *testing.T, seed uint64, ops int) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 0x5e5510))
	clock := sessiontest.NewClock(time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC))
	s := openNoSync(t, WithClock(clock.Now), WithSweepInterval(0), WithSweepBatch(1+rng.IntN(5)))

	keys := make([]string, 10)
	for i := range keys {
		var b [32]byte
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		keys[i] = hex.EncodeToString(b[:])
	}
	// Users include a prefix of another ("a" of "ab") and a name that
	// extends another with the index separator ("a\x00b").
	users := []string{"", "", "a", "ab", "a\x00b", "zoë"}
	m := model{}
	randTime := func() time.Time {
		return clock.Now().Add(time.Duration(rng.IntN(40)-10) * time.Minute).Add(time.Duration(rng.IntN(1000)) * time.Millisecond)
	}
	live := func(k string) bool { r, ok := m[k]; return ok && r.Expires.After(clock.Now()) }

	for i := 0; i < ops; i++ {
		key := keys[rng.IntN(len(keys))]
		user := users[rng.IntN(len(users))]
		op := rng.IntN(12)
		trace := fmt.Sprintf("seed %d op %d (kind %d) key %s…", seed, i, op, key[:8])
		switch op {
		case 0, 1: // create
			rec := session.Record{User: user, Data: []byte(fmt.Sprint("c", i)), Created: clock.Now(), Accessed: clock.Now(), Expires: randTime()}
			err := s.Save(ctx, key, rec)
			if _, present := m[key]; present {
				if !errors.Is(err, session.ErrConflict) {
					t.Fatalf("%s: create over a present key: %v", trace, err)
				}
			} else {
				if err != nil {
					t.Fatalf("%s: create: %v", trace, err)
				}
				rec.Version = 1
				m[key] = rec
			}
		case 2, 3: // update with the right version, possibly changing user
			old, present := m[key]
			rec := session.Record{User: user, Data: []byte(fmt.Sprint("u", i)), Created: old.Created, Accessed: clock.Now(), Expires: randTime(), Version: old.Version}
			if !present {
				rec.Version = 1 + uint64(rng.IntN(3))
			}
			err := s.Save(ctx, key, rec)
			if !present {
				if !errors.Is(err, session.ErrConflict) {
					t.Fatalf("%s: update of a missing key: %v", trace, err)
				}
				break
			}
			if err != nil {
				t.Fatalf("%s: update: %v", trace, err)
			}
			rec.Version++
			m[key] = rec
		case 4: // update with a wrong version (0 is a create over a present key)
			old, present := m[key]
			var wrong uint64
			switch {
			case !present:
				wrong = 1 + uint64(rng.IntN(3))
			default:
				choices := []uint64{0, old.Version + 1, old.Version + 2}
				if old.Version > 1 {
					choices = append(choices, old.Version-1)
				}
				wrong = choices[rng.IntN(len(choices))]
			}
			err := s.Save(ctx, key, session.Record{User: user, Data: []byte("x"), Expires: randTime(), Version: wrong})
			if !errors.Is(err, session.ErrConflict) {
				t.Fatalf("%s: wrong version %d (have %d): %v", trace, wrong, old.Version, err)
			}
		case 5: // delete
			if err := s.Delete(ctx, key); err != nil {
				t.Fatalf("%s: delete: %v", trace, err)
			}
			delete(m, key)
		case 6: // touch
			acc, exp := clock.Now(), randTime()
			err := s.Touch(ctx, key, acc, exp)
			if !live(key) {
				if !errors.Is(err, session.ErrNotFound) {
					t.Fatalf("%s: touch of a dead key: %v", trace, err)
				}
				break
			}
			if err != nil {
				t.Fatalf("%s: touch: %v", trace, err)
			}
			r := m[key]
			r.Accessed, r.Expires = acc, exp
			m[key] = r
		case 7: // prune a user
			u := users[2+rng.IntN(len(users)-2)]
			f := session.Filter{User: u}
			if rng.IntN(3) == 0 {
				f.ExpiresBefore = clock.Now()
			}
			prune(t, trace, s, m, f)
		case 8: // prune expired, as the sweeper does
			prune(t, trace, s, m, session.Filter{ExpiresBefore: clock.Now()})
		case 9: // prune idle
			prune(t, trace, s, m, session.Filter{AccessedBefore: clock.Now().Add(-time.Duration(rng.IntN(5)) * time.Minute)})
		case 10: // load
			got, err := s.Load(ctx, key)
			if !live(key) {
				if !errors.Is(err, session.ErrNotFound) {
					t.Fatalf("%s: load of a dead key: %v", trace, err)
				}
				break
			}
			if err != nil {
				t.Fatalf("%s: load: %v", trace, err)
			}
			if want := m[key]; !equalRecord(got, want) {
				t.Fatalf("%s: load = %+v, want %+v", trace, got, want)
			}
		case 11: // time passes
			clock.Advance(time.Duration(rng.IntN(4)) * time.Minute)
		}
		if i%25 == 0 || i == ops-1 {
			checkConsistent(t, trace, s, m)
			checkLists(t, trace, s, m, users, clock.Now())
		}
	}
}

func prune(t *testing.T, trace string, s *Store, m model, f session.Filter) {
	t.Helper()
	want := m.matching(f)
	n, err := s.Prune(context.Background(), f)
	if err != nil {
		t.Fatalf("%s: prune %+v: %v", trace, f, err)
	}
	if n != len(want) {
		t.Fatalf("%s: prune %+v deleted %d, want %d", trace, f, n, len(want))
	}
	for _, k := range want {
		delete(m, k)
	}
}

func equalRecord(a, b session.Record) bool {
	return a.User == b.User && bytes.Equal(a.Data, b.Data) && a.Version == b.Version &&
		a.Created.Equal(b.Created) && a.Accessed.Equal(b.Accessed) && a.Expires.Equal(b.Expires)
}

// checkConsistent reads the buckets directly: the records equal the model,
// and each index holds exactly the entries the records call for.
func checkConsistent(t *testing.T, trace string, s *Store, m model) {
	t.Helper()
	err := s.db.View(func(tx *bbolt.Tx) error {
		b, err := s.buckets(tx)
		if err != nil {
			return err
		}
		wantExpiry := map[string]bool{}
		wantUsers := map[string]bool{}
		seen := 0
		err = b.records.ForEach(func(k, raw []byte) error {
			seen++
			key := hex.EncodeToString(k)
			v, err := decodeRecord(raw)
			if err != nil {
				return fmt.Errorf("record %s: %w", key, err)
			}
			want, ok := m[key]
			if !ok {
				return fmt.Errorf("record %s is not in the model", key)
			}
			if got := v.record(); !equalRecord(got, want) {
				return fmt.Errorf("record %s = %+v, model has %+v", key, got, want)
			}
			wantExpiry[string(expiryKey(v.rawExpire, k))] = true
			if len(v.user) > 0 {
				wantUsers[string(userKey(v.user, k))] = true
			}
			return nil
		})
		if err != nil {
			return err
		}
		if seen != len(m) {
			return fmt.Errorf("%d records stored, model has %d", seen, len(m))
		}
		for name, pair := range map[string]struct {
			bucket *bbolt.Bucket
			want   map[string]bool
		}{"expiry": {b.expiry, wantExpiry}, "users": {b.users, wantUsers}} {
			got := 0
			err := pair.bucket.ForEach(func(k, _ []byte) error {
				got++
				if !pair.want[string(k)] {
					return fmt.Errorf("%s index: dangling entry %x", name, k)
				}
				return nil
			})
			if err != nil {
				return err
			}
			if got != len(pair.want) {
				return fmt.Errorf("%s index: %d entries, records call for %d", name, got, len(pair.want))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("%s: %v", trace, err)
	}
}

// checkLists compares List under several filters with the model.
func checkLists(t *testing.T, trace string, s *Store, m model, users []string, now time.Time) {
	t.Helper()
	filters := []session.Filter{{}, {ExpiresBefore: now}, {AccessedBefore: now}}
	for _, u := range users[2:] {
		filters = append(filters, session.Filter{User: u}, session.Filter{User: u, ExpiresBefore: now})
	}
	for _, f := range filters {
		var got []string
		for e, err := range s.List(context.Background(), f) {
			if err != nil {
				t.Fatalf("%s: list %+v: %v", trace, f, err)
			}
			if !equalRecord(e.Record, m[e.Key]) {
				t.Fatalf("%s: list %+v yielded %+v, model has %+v", trace, f, e.Record, m[e.Key])
			}
			got = append(got, e.Key)
		}
		sort.Strings(got)
		if want := m.matching(f); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s: list %+v = %v, want %v", trace, f, got, want)
		}
	}
}

// TestPruneByUserReadsOnlyThatUser shows that the user and expiry filters
// are answered from their index: walk visits no entry of other users, and
// no live record.
func TestPruneByUserReadsOnlyThatUser(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	s := openNoSync(t, WithClock(func() time.Time { return now }), WithSweepInterval(0))
	for i := 0; i < 300; i++ {
		user, ttl := "crowd", time.Hour
		if i%100 == 0 {
			user, ttl = "few", -time.Hour
		}
		var b [32]byte
		b[0], b[1] = byte(i), byte(i>>8)
		rec := session.Record{User: user, Data: []byte("d"), Created: now, Accessed: now, Expires: now.Add(ttl)}
		if err := s.Save(ctx, hex.EncodeToString(b[:]), rec); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []session.Filter{{User: "few"}, {ExpiresBefore: now}} {
		visited := 0
		err := s.db.View(func(tx *bbolt.Tx) error {
			b, err := s.buckets(tx)
			if err != nil {
				return err
			}
			_, done := s.walk(b, f, nil, 1000, func(_, _ []byte, v view, st entryState) {
				visited++
				if st != stateOK || !v.match(f) {
					t.Errorf("walk %+v visited a non-matching entry", f)
				}
			})
			if !done {
				t.Errorf("walk %+v not done", f)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if visited != 3 {
			t.Errorf("walk %+v visited %d entries, want 3", f, visited)
		}
	}
}

// TestSweeper lets the background sweeper run and checks that it deletes
// the expired records, in batches, and only those.
func TestSweeper(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	swept := make(chan int, 100)
	hook := func(c *config) {
		c.afterSweep = func(n int, err error) {
			if err != nil {
				t.Errorf("sweep: %v", err)
			}
			if n > 0 {
				swept <- n // at most 40 sends: the buffer holds them all
			}
		}
	}
	s := openNoSync(t, WithClock(func() time.Time { return now }), WithSweepInterval(time.Millisecond), WithSweepBatch(4), hook)
	for i := 0; i < 50; i++ {
		var b [32]byte
		b[0] = byte(i)
		ttl := time.Hour
		if i%5 != 0 {
			ttl = -time.Second
		}
		rec := session.Record{User: "u", Data: []byte("d"), Created: now, Accessed: now, Expires: now.Add(ttl)}
		if err := s.Save(ctx, hex.EncodeToString(b[:]), rec); err != nil {
			t.Fatal(err)
		}
	}
	total := 0
	for total < 40 {
		total += <-swept
	}
	if total != 40 {
		t.Fatalf("sweeper deleted %d, want 40", total)
	}
	left := 0
	for e, err := range s.List(ctx, session.Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		if !e.Record.Expires.After(now) {
			t.Errorf("expired record %s left", e.Key)
		}
		left++
	}
	if left != 10 {
		t.Fatalf("%d records left, want 10", left)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestPruneInBatches checks that Prune commits one short write transaction
// per batch instead of one long one: bbolt's transaction id grows by one
// per committed write.
func TestPruneInBatches(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	s := openNoSync(t, WithClock(func() time.Time { return now }), WithSweepInterval(0), WithSweepBatch(4))
	for i := 0; i < 50; i++ {
		var b [32]byte
		b[0] = byte(i)
		ttl := -time.Second
		if i%5 == 0 {
			ttl = time.Hour
		}
		rec := session.Record{Data: []byte("d"), Created: now, Accessed: now, Expires: now.Add(ttl)}
		if err := s.Save(ctx, hex.EncodeToString(b[:]), rec); err != nil {
			t.Fatal(err)
		}
	}
	txid := func() int {
		var id int
		if err := s.db.View(func(tx *bbolt.Tx) error { id = tx.ID(); return nil }); err != nil {
			t.Fatal(err)
		}
		return id
	}
	before := txid()
	n, err := s.Prune(ctx, session.Filter{ExpiresBefore: now})
	if err != nil || n != 40 {
		t.Fatalf("Prune = %d, %v; want 40", n, err)
	}
	if commits := txid() - before; commits < 40/4 {
		t.Fatalf("Prune of 40 records with batch 4 committed %d transactions, want at least 10", commits)
	}
}

// TestDanglingIndexEntries plants index entries that no record calls for
// (as a crash of an older version or a hand edit might leave) and checks
// that List ignores them, Prune never deletes the wrong record because of
// them, and Prune and the sweep remove them.
func TestDanglingIndexEntries(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	s := openNoSync(t, WithClock(func() time.Time { return now }), WithSweepInterval(0))
	bob := "b0b0000000000000000000000000000000000000000000000000000000000000"
	rec := session.Record{User: "bob", Data: []byte("d"), Created: now, Accessed: now, Expires: now.Add(time.Hour)}
	if err := s.Save(ctx, bob, rec); err != nil {
		t.Fatal(err)
	}
	rec.Version = 1
	k, _ := parseKey(bob)
	missing, _ := parseKey("dead000000000000000000000000000000000000000000000000000000000000")
	past := make([]byte, timeLen)
	putTime(past, now.Add(-time.Hour))
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b, err := s.buckets(tx)
		if err != nil {
			return err
		}
		for _, e := range [][]byte{
			userKey("mallory", k[:]),       // a user bob's record does not have
			userKey("mallory", missing[:]), // no record at all
		} {
			if err := b.users.Put(e, []byte{}); err != nil {
				return err
			}
		}
		for _, e := range [][]byte{
			expiryKey(past, k[:]),       // an expiry bob's record does not have
			expiryKey(past, missing[:]), // no record at all
			past[:5],                    // malformed
		} {
			if err := b.expiry.Put(e, []byte{}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	for _, f := range []session.Filter{{User: "mallory"}, {ExpiresBefore: now}} {
		for e, err := range s.List(ctx, f) {
			t.Fatalf("List %+v yielded %s, %v", f, e.Key, err)
		}
	}
	for _, f := range []session.Filter{{User: "mallory"}, {ExpiresBefore: now}} {
		if n, err := s.Prune(ctx, f); err != nil || n != 0 {
			t.Fatalf("Prune %+v = %d, %v; want 0", f, n, err)
		}
	}
	checkConsistent(t, "after pruning dangling entries", s, model{bob: rec})
}
