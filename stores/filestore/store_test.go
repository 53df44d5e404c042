//go:build unix && !aix && (!solaris || illumos)

package filestore_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
	"github.com/session2/session2/stores/filestore"
)

// Byte offsets of the two touch slots in a record file (see format.go).
const slot0, slot1 = 80, 120

// TestTouchSlots: Touch alternates between the header's two slots without
// changing the data, the version or the file's size; a torn slot falls
// back to the other one, and only two torn slots make the file corrupt.
func TestTouchSlots(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t, t.TempDir())
	key := newKey(t)
	rec := liveRec("u", "data that Touch must not rewrite")
	mustSave(t, s, key, rec)
	fi1, err := os.Stat(recPath(s, key))
	if err != nil {
		t.Fatal(err)
	}
	base := rec.Accessed
	touch := func(i int) (time.Time, time.Time) {
		a, e := base.Add(time.Duration(i)*time.Minute), base.Add(48*time.Hour+time.Duration(i)*time.Minute)
		if err := s.Touch(ctx, key, a, e); err != nil {
			t.Fatalf("Touch #%d: %v", i, err)
		}
		return a, e
	}
	a1, e1 := touch(1) // slot 1
	a2, e2 := touch(2) // slot 0
	got := mustLoad(t, s, key)
	if !got.Accessed.Equal(a2) || !got.Expires.Equal(e2) || got.Version != 1 || string(got.Data) != string(rec.Data) || got.User != "u" {
		t.Fatalf("after two touches loaded %+v; want accessed %v, expires %v, version 1, same data", got, a2, e2)
	}
	fi2, err := os.Stat(recPath(s, key))
	if err != nil {
		t.Fatal(err)
	}
	if fi2.Size() != fi1.Size() || !os.SameFile(fi1, fi2) {
		t.Errorf("Touch replaced or resized the file (size %d -> %d)", fi1.Size(), fi2.Size())
	}

	// Tear the slot Touch #2 wrote: the record falls back to Touch #1.
	flip(t, recPath(s, key), slot0+10)
	got = mustLoad(t, s, key)
	if !got.Accessed.Equal(a1) || !got.Expires.Equal(e1) {
		t.Errorf("with the newest slot torn, loaded accessed %v expires %v; want the previous touch's %v, %v", got.Accessed, got.Expires, a1, e1)
	}
	// The next Touch overwrites the torn slot and wins.
	a3, e3 := touch(3)
	got = mustLoad(t, s, key)
	if !got.Accessed.Equal(a3) || !got.Expires.Equal(e3) {
		t.Errorf("after a touch over the torn slot, loaded %v, %v; want %v, %v", got.Accessed, got.Expires, a3, e3)
	}
	// Both slots torn: corrupt.
	flip(t, recPath(s, key), slot0+10)
	flip(t, recPath(s, key), slot1+10)
	if _, err := s.Load(ctx, key); !errors.Is(err, filestore.ErrCorrupt) {
		t.Errorf("Load with both slots torn = %v, want ErrCorrupt", err)
	}
}

// TestTouchExpired: Touch does not revive an expired record.
func TestTouchExpired(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	s, _ := open(t, t.TempDir(), filestore.WithClock(clock))
	key := newKey(t)
	mustSave(t, s, key, session.Record{Data: []byte("x"), Created: now, Accessed: now, Expires: now})
	wantNotFound(t, s.Touch(ctx, key, now, now.Add(time.Hour)), "Touch of a record expiring now")
	_, err := s.Load(ctx, key)
	wantNotFound(t, err, "Load of a record expiring now")
}

// TestLoadDuringTouches: readers take no lock and never see a torn header
// while Touch rewrites a slot in place.
func TestLoadDuringTouches(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t, t.TempDir())
	key := newKey(t)
	rec := liveRec("u", "x")
	mustSave(t, s, key, rec)
	var stop atomic.Bool
	var wg sync.WaitGroup
	for r := 0; r < 4; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				got, err := s.Load(ctx, key)
				if err != nil {
					t.Errorf("Load during touches: %v", err)
					return
				}
				if d := got.Expires.Sub(got.Accessed); d != 24*time.Hour {
					t.Errorf("Load during touches: expires - accessed = %v, want 24h (a mixed slot)", d)
					return
				}
			}
		}()
	}
	for i := 1; i <= 500; i++ {
		a := rec.Accessed.Add(time.Duration(i) * time.Second)
		if err := s.Touch(ctx, key, a, a.Add(24*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
}

// TestUserIndex: the index follows user changes and deletes, stale
// entries are ignored, and Prune and List by user read only the user's
// index directory.
func TestUserIndex(t *testing.T) {
	ctx := context.Background()
	s, rep := open(t, t.TempDir())
	key := newKey(t)
	mustSave(t, s, key, liveRec("alice", "1"))
	if !exists(indexPath(s, "alice", key)) {
		t.Fatal("no index entry for alice")
	}
	mustSave(t, s, key, withVersion(liveRec("bob", "2"), 1))
	if exists(indexPath(s, "alice", key)) || !exists(indexPath(s, "bob", key)) {
		t.Errorf("after the user changed to bob: alice entry %v (want false), bob entry %v (want true)",
			exists(indexPath(s, "alice", key)), exists(indexPath(s, "bob", key)))
	}
	mustSave(t, s, key, withVersion(liveRec("", "3"), 2))
	if exists(indexPath(s, "bob", key)) {
		t.Error("the bob entry survived the change to anonymous")
	}
	mustSave(t, s, key, withVersion(liveRec("Alice", "4"), 3))
	if err := s.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if exists(indexPath(s, "Alice", key)) || exists(lockPath(s, key)) || exists(recPath(s, key)) {
		t.Error("Delete left a file behind (index entry, lock file or record)")
	}

	// Stale entries, as a crash can leave them: one whose record is gone,
	// one whose record now belongs to someone else.
	gone, moved, mine := newKey(t), newKey(t), newKey(t)
	mustSave(t, s, moved, liveRec("carol", "carol's"))
	mustSave(t, s, mine, liveRec("dave", "dave's"))
	for _, k := range []string{gone, moved} {
		writeFile(t, indexPath(s, "dave", k), nil)
	}
	// A corrupt record outside dave's index: a by-user call must not read
	// it (it would be reported if it did).
	writeFile(t, recPath(s, newKey(t)), []byte("garbage"))
	rep.take()

	n := 0
	for e, err := range s.List(ctx, session.Filter{User: "dave"}) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Key != mine {
			t.Errorf("List(dave) yielded %.8s of user %q", e.Key, e.Record.User)
		}
		n++
	}
	if n != 1 {
		t.Errorf("List(dave) yielded %d records, want 1", n)
	}
	if got := rep.take(); len(got) != 0 {
		t.Errorf("List(dave) read records outside dave's index: reports %v", got)
	}
	st, err := s.Scrub(ctx)
	if err != nil && !errors.Is(err, filestore.ErrCorrupt) {
		t.Fatal(err)
	}
	if st.Index != 2 {
		t.Errorf("Scrub removed %d stale index entries, want 2", st.Index)
	}
	if exists(indexPath(s, "dave", gone)) || exists(indexPath(s, "dave", moved)) || !exists(indexPath(s, "dave", mine)) {
		t.Error("Scrub removed the wrong index entries")
	}
	pruned, err := s.Prune(ctx, session.Filter{User: "dave"})
	if err != nil || pruned != 1 {
		t.Errorf("Prune(dave) = %d, %v; want 1, nil", pruned, err)
	}
	if _, err := os.Stat(filepath.Dir(indexPath(s, "dave", mine))); !os.IsNotExist(err) {
		t.Errorf("dave's index directory survived pruning all his sessions: %v", err)
	}
	if got := mustLoad(t, s, moved); got.User != "carol" {
		t.Errorf("carol's record after Prune(dave): user %q", got.User)
	}
}

// TestSweep: with an injected clock, the sweep removes expired records with
// their index entries and lock files, and orphan lock files; the sweeper
// goroutine does the same on its own, and Close stops it.
func TestSweep(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	now := sessiontest.NewClock(t0)
	clock := now.Now
	s, _ := open(t, t.TempDir(), filestore.WithClock(clock))

	soon, later := newKey(t), newKey(t)
	mustSave(t, s, soon, session.Record{User: "erin", Data: []byte("a"), Created: t0, Accessed: t0, Expires: t0.Add(time.Hour)})
	mustSave(t, s, later, session.Record{User: "erin", Data: []byte("b"), Created: t0, Accessed: t0, Expires: t0.Add(3 * time.Hour)})
	if err := s.Touch(ctx, soon, t0, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if exists(lockPath(s, soon)) {
		t.Error("Touch left a lock file")
	}
	orphan := newKey(t)
	writeFile(t, lockPath(s, orphan), nil)

	now.Set(t0.Add(2 * time.Hour))
	st, err := s.Sweep(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := filestore.SweepStats{Expired: 1, Locks: 1}
	if st != want {
		t.Errorf("Sweep = %+v, want %+v", st, want)
	}
	for _, p := range []string{recPath(s, soon), lockPath(s, soon), indexPath(s, "erin", soon), lockPath(s, orphan)} {
		if exists(p) {
			t.Errorf("%s survived the sweep", p)
		}
	}
	if got := mustLoad(t, s, later); string(got.Data) != "b" {
		t.Errorf("the live record: %q", got.Data)
	}

	// The sweeper goroutine, on a second store over the same directory.
	bg, _ := open(t, s.Dir(), filestore.WithClock(clock), filestore.WithSweepInterval(time.Millisecond))
	now.Set(t0.Add(4 * time.Hour))
	deadline := time.Now().Add(30 * time.Second)
	for exists(recPath(s, later)) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if exists(recPath(s, later)) {
		t.Error("the sweeper did not remove the expired record")
	}
	bg.Close()
	if _, err := bg.Sweep(ctx); !errors.Is(err, session.ErrClosed) {
		t.Errorf("Sweep after Close = %v, want ErrClosed", err)
	}
}

// TestLockTimeout: a record lock held elsewhere makes writers fail with
// ErrLockTimeout (or the context's error) while readers go on.
func TestLockTimeout(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t, t.TempDir(), filestore.WithLockTimeout(20*time.Millisecond))
	key := newKey(t)
	mustSave(t, s, key, liveRec("", "held"))
	release := holdLock(t, s, key)
	if err := s.Save(ctx, key, withVersion(liveRec("", "blocked"), 1)); !errors.Is(err, filestore.ErrLockTimeout) {
		t.Errorf("Save = %v, want ErrLockTimeout", err)
	}
	if err := s.Touch(ctx, key, time.Now(), time.Now().Add(time.Hour)); !errors.Is(err, filestore.ErrLockTimeout) {
		t.Errorf("Touch = %v, want ErrLockTimeout", err)
	}
	if err := s.Delete(ctx, key); !errors.Is(err, filestore.ErrLockTimeout) {
		t.Errorf("Delete = %v, want ErrLockTimeout", err)
	}
	if got := mustLoad(t, s, key); string(got.Data) != "held" {
		t.Errorf("Load while locked: %q", got.Data)
	}
	patient, _ := open(t, s.Dir(), filestore.WithLockTimeout(time.Hour))
	cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := patient.Delete(cctx, key); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Delete with a context ending while it waits = %v, want context.DeadlineExceeded", err)
	}
	release()
	mustSave(t, s, key, withVersion(liveRec("", "after"), 1))
}

// TestTwoStoresOneDirectory: two stores over one directory (as two
// processes would be) see each other's writes and race compare-and-set
// through the file locks alone.
func TestTwoStoresOneDirectory(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a, _ := open(t, dir)
	b, _ := open(t, dir)
	key := newKey(t)
	mustSave(t, a, key, liveRec("", "0"))
	if err := b.Save(ctx, key, liveRec("", "dup")); !errors.Is(err, session.ErrConflict) {
		t.Errorf("create through b over a's record = %v, want ErrConflict", err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 10; j++ {
				if err := incr(ctx, s, key); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	got := mustLoad(t, b, key)
	if string(got.Data) != "80" || got.Version != 81 {
		t.Errorf("after 80 increments through two stores: data %q version %d, want \"80\" version 81", got.Data, got.Version)
	}
}

func flip(t *testing.T, path string, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b [1]byte
	if _, err := f.ReadAt(b[:], off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x40
	if _, err := f.WriteAt(b[:], off); err != nil {
		t.Fatal(err)
	}
}
