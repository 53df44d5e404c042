//go:build unix && !aix && (!solaris || illumos)

package filestore_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
	"github.com/session2/session2/stores/filestore"
)

// expiryEntry is the path of key's entry in the expiry index.
func expiryEntry(s *filestore.Store, key string, expires time.Time) string {
	return filepath.Join(s.Dir(), "e", strconv.FormatInt(expires.Unix()/60, 10), key)
}

// indexed reports whether the expiry index holds key in the bucket of
// expires or an earlier one.
func indexed(t *testing.T, s *filestore.Store, key string, expires time.Time) bool {
	t.Helper()
	last := expires.Unix() / 60
	for _, b := range names(t, filepath.Join(s.Dir(), "e")) {
		n, err := strconv.ParseInt(b, 10, 64)
		if err == nil && n <= last && exists(filepath.Join(s.Dir(), "e", b, key)) {
			return true
		}
	}
	return false
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// TestLayout: records sit in subdirectories named by their key's first two
// hex digits, every record has one expiry index entry in the minute of its
// expiry or an earlier one (moved at once by Save and Touch only to an
// earlier minute, removed by Delete), and no operation leaves a lock file
// or a temporary file behind.
func TestLayout(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t, t.TempDir())
	key := newKey(t)
	rec := liveRec("u", "x")
	mustSave(t, s, key, rec)
	if !exists(filepath.Join(s.Dir(), "r", key[:2], key)) {
		t.Fatal("the record is not in its subdirectory")
	}
	if !exists(expiryEntry(s, key, rec.Expires)) {
		t.Error("Save made no expiry index entry")
	}

	// A later expiry leaves the entry in its earlier bucket (the sweep
	// moves it when that bucket ends); an earlier one moves it at once.
	rec2 := withVersion(rec, 1)
	rec2.Expires = rec.Expires.Add(time.Hour)
	mustSave(t, s, key, rec2)
	if !exists(expiryEntry(s, key, rec.Expires)) || exists(expiryEntry(s, key, rec2.Expires)) {
		t.Error("Save moving the expiry an hour later moved the index entry")
	}
	if err := s.Touch(ctx, key, time.Now(), rec2.Expires.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if !exists(expiryEntry(s, key, rec.Expires)) || exists(expiryEntry(s, key, rec2.Expires.Add(5*time.Minute))) {
		t.Error("Touch moving the expiry later moved the index entry")
	}
	e3 := rec.Expires.Add(-10 * time.Minute)
	if err := s.Touch(ctx, key, time.Now(), e3); err != nil {
		t.Fatal(err)
	}
	// (The entry left in rec.Expires's bucket stays until that bucket
	// ends: Touch removes the entry of the expiry it replaces, which the
	// previous Touch never made.)
	if !exists(expiryEntry(s, key, e3)) {
		t.Error("Touch moving the expiry earlier made no entry in the new minute")
	}
	rec3 := withVersion(rec, 2)
	rec3.Expires = e3.Add(-10 * time.Minute)
	mustSave(t, s, key, rec3)
	if exists(expiryEntry(s, key, e3)) || !exists(expiryEntry(s, key, rec3.Expires)) {
		t.Error("Save moving the expiry earlier did not move the index entry")
	}
	e3 = rec3.Expires
	for _, d := range []string{"l", "t"} {
		if n := names(t, filepath.Join(s.Dir(), d)); len(n) != 0 {
			t.Errorf("%s/ holds %v after Save and Touch, want nothing", d, n)
		}
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if exists(expiryEntry(s, key, e3)) {
		t.Error("Delete left the expiry index entry")
	}
	if n := names(t, filepath.Join(s.Dir(), "l")); len(n) != 0 {
		t.Errorf("l/ holds %v after Delete", n)
	}
}

// TestSweepByExpiryIndex: Sweep reads only the expiry index's ended
// buckets. A record file missing from the index (as after a crash) is
// invisible to it, and Scrub finds it; an entry left in an old bucket for
// a record that lives on is moved to the record's own minute.
func TestSweepByExpiryIndex(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	now := sessiontest.NewClock(t0)
	clock := now.Now
	s, rep := open(t, t.TempDir(), filestore.WithClock(clock))
	rec := func(exp time.Duration) session.Record {
		return session.Record{User: "u", Data: []byte("d"), Created: t0, Accessed: t0, Expires: t0.Add(exp)}
	}

	expired, unindexed, alive := newKey(t), newKey(t), newKey(t)
	mustSave(t, s, expired, rec(time.Hour))
	mustSave(t, s, unindexed, rec(time.Hour))
	mustSave(t, s, alive, rec(5*time.Hour))
	if err := os.Remove(expiryEntry(s, unindexed, t0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	// A stale entry in an early bucket for the live record.
	writeFile(t, expiryEntry(s, alive, t0.Add(time.Hour)), nil)
	// A corrupt record outside the index: Sweep must not read it.
	garbage := newKey(t)
	writeFile(t, recPath(s, garbage), []byte("garbage"))
	rep.take()

	now.Set(t0.Add(2 * time.Hour))
	st, err := s.Sweep(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := (filestore.SweepStats{Expired: 1, Index: 1}); st != want {
		t.Errorf("Sweep = %+v, want %+v", st, want)
	}
	if got := rep.take(); len(got) != 0 {
		t.Errorf("Sweep read records outside the index: reports %v", got)
	}
	if exists(recPath(s, expired)) || !exists(recPath(s, unindexed)) || !exists(recPath(s, alive)) {
		t.Error("Sweep removed the wrong records")
	}
	if exists(expiryEntry(s, alive, t0.Add(time.Hour))) || !exists(expiryEntry(s, alive, t0.Add(5*time.Hour))) {
		t.Error("Sweep did not drop the stale entry, or lost the record's own")
	}
	if n := names(t, filepath.Join(s.Dir(), "e")); len(n) != 1 {
		t.Errorf("e/ holds %v, want the live record's bucket alone", n)
	}

	st, err = s.Scrub(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := (filestore.SweepStats{Expired: 1, Corrupt: 1}); st != want {
		t.Errorf("Scrub = %+v, want %+v", st, want)
	}
	if exists(recPath(s, unindexed)) || exists(recPath(s, garbage)) {
		t.Error("Scrub left the unindexed expired record or the corrupt file")
	}

	// Scrub restores a live record's lost entry.
	if err := os.Remove(expiryEntry(s, alive, t0.Add(5*time.Hour))); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Scrub(ctx); err != nil {
		t.Fatal(err)
	}
	if !exists(expiryEntry(s, alive, t0.Add(5*time.Hour))) {
		t.Error("Scrub did not restore the expiry entry")
	}

	// Prune by expiry goes through the index, the cutoff's own minute
	// included.
	now.Set(t0.Add(5*time.Hour + 30*time.Second))
	n, err := s.Prune(ctx, session.Filter{ExpiresBefore: clock()})
	if err != nil || n != 1 {
		t.Errorf("Prune(expired) = %d, %v; want 1", n, err)
	}
}

// TestExpiryIndexUnderConcurrency: Saves, Touches and Deletes of a few keys
// from several goroutines, with sweeps running and the clock moving, leave
// every record (expired or not) with an expiry index entry in its minute or
// an earlier one (so that a sweep finds it), and no lock or temporary file
// behind.
func TestExpiryIndexUnderConcurrency(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	now := sessiontest.NewClock(t0)
	clock := now.Now
	s, _ := open(t, t.TempDir(), filestore.WithClock(clock))
	keys := make([]string, 12)
	for i := range keys {
		keys[i] = newKey(t)
	}
	stop := make(chan struct{})
	sweeps := make(chan error, 1)
	go func() {
		defer close(sweeps)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := s.Sweep(ctx); err != nil {
				sweeps <- err
				return
			}
			now.Advance(20 * time.Second)
		}
	}()
	var wg sync.WaitGroup
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 3))
			for i := 0; i < 150; i++ {
				key := keys[rng.IntN(len(keys))]
				exp := clock().Add(time.Duration(rng.IntN(600)-120) * time.Second)
				switch rng.IntN(4) {
				case 0:
					_ = s.Delete(ctx, key)
				case 1:
					_ = s.Touch(ctx, key, clock(), exp)
				default:
					rec, err := s.Load(ctx, key)
					if err != nil {
						rec = session.Record{User: "u" + strconv.Itoa(rng.IntN(3)), Data: []byte("d"), Created: clock()}
					}
					rec.Accessed, rec.Expires = clock(), exp
					if err := s.Save(ctx, key, rec); err != nil && !errors.Is(err, session.ErrConflict) {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	if err := <-sweeps; err != nil {
		t.Fatal(err)
	}
	n := 0
	for e, err := range s.List(ctx, session.Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if !indexed(t, s, e.Key, e.Record.Expires) {
			t.Errorf("record %.8s expiring %v has no expiry index entry in its minute or an earlier one", e.Key, e.Record.Expires)
		}
	}
	for _, d := range []string{"l", "t"} {
		if got := names(t, filepath.Join(s.Dir(), d)); len(got) != 0 {
			t.Errorf("%s/ holds %v", d, got)
		}
	}
	// Once everything has expired, a sweep leaves nothing.
	now.Set(clock().Add(time.Hour))
	if _, err := s.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	for e, err := range s.List(ctx, session.Filter{}) {
		t.Errorf("after the last sweep, List yields %.8s (%v)", e.Key, err)
	}
	if got := names(t, filepath.Join(s.Dir(), "e")); len(got) != 0 {
		t.Errorf("e/ holds %v after everything was swept", got)
	}
	t.Logf("%d records when the writers stopped", n)
}

// TestSweepMovesLaggingEntry: a Touch to a later minute leaves the
// record's expiry entry in its old bucket; when that bucket ends, the
// sweep finds the record alive and moves the entry to the record's own
// minute, and the record lives on until then.
func TestSweepMovesLaggingEntry(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	now := sessiontest.NewClock(t0)
	clock := now.Now
	s, _ := open(t, t.TempDir(), filestore.WithClock(clock))
	key := newKey(t)
	mustSave(t, s, key, session.Record{Data: []byte("d"), Created: t0, Accessed: t0, Expires: t0.Add(time.Hour)})
	if err := s.Touch(ctx, key, t0, t0.Add(5*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if !exists(expiryEntry(s, key, t0.Add(time.Hour))) {
		t.Fatal("the entry did not stay in its bucket")
	}

	now.Set(t0.Add(2 * time.Hour))
	st, err := s.Sweep(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := (filestore.SweepStats{Index: 1}); st != want {
		t.Errorf("Sweep = %+v, want %+v", st, want)
	}
	if exists(expiryEntry(s, key, t0.Add(time.Hour))) || !exists(expiryEntry(s, key, t0.Add(5*time.Hour))) {
		t.Error("the sweep did not move the entry to the record's minute")
	}
	if got := mustLoad(t, s, key); string(got.Data) != "d" {
		t.Errorf("Load after the sweep: %q", got.Data)
	}

	now.Set(t0.Add(6 * time.Hour))
	if st, err := s.Sweep(ctx); err != nil || st.Expired != 1 {
		t.Errorf("Sweep after the record's expiry = %+v, %v; want it removed", st, err)
	}
	if exists(recPath(s, key)) {
		t.Error("the expired record survived the sweep")
	}
}
