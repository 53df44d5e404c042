package boltstore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
	"github.com/session2/session2/stores/boltstore"
	"go.etcd.io/bbolt"
)

// newKey returns a random store key.
func newKey(t testing.TB) string {
	t.Helper()
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b[:])
}

// openStore opens a store on a fresh file and closes it with the test.
func openStore(t testing.TB, opts ...boltstore.Option) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "sessions.db"), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// openFast returns a store on an application handle opened without fsync,
// for tests that make many writes and check logic, not durability.
func openFast(t testing.TB, opts ...boltstore.Option) *boltstore.Store {
	t.Helper()
	db, err := bbolt.Open(filepath.Join(t.TempDir(), "fast.db"), 0o600, &bbolt.Options{Timeout: time.Second, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	s, err := boltstore.New(db, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func record(user string, data string, now time.Time, ttl time.Duration) session.Record {
	return session.Record{
		User:     user,
		Data:     []byte(data),
		Created:  now,
		Accessed: now,
		Expires:  now.Add(ttl),
	}
}

func sameRecord(t *testing.T, got, want session.Record) {
	t.Helper()
	if got.User != want.User || !bytes.Equal(got.Data, want.Data) || got.Version != want.Version ||
		!got.Created.Equal(want.Created) || !got.Accessed.Equal(want.Accessed) || !got.Expires.Equal(want.Expires) {
		t.Fatalf("record = %+v, want %+v", got, want)
	}
}

func TestSaveLoadVersions(t *testing.T) {
	ctx := context.Background()
	clk := sessiontest.NewClock(time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC))
	s := openStore(t, boltstore.WithClock(clk.Now))
	key := newKey(t)

	if _, err := s.Load(ctx, key); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Load of a missing key: %v, want ErrNotFound", err)
	}
	if err := s.Save(ctx, key, session.Record{Version: 1, Expires: clk.Now().Add(time.Hour)}); !errors.Is(err, session.ErrConflict) {
		t.Fatalf("update of a missing key: %v, want ErrConflict", err)
	}

	rec := record("alice", "hello", clk.Now(), time.Hour)
	if err := s.Save(ctx, key, rec); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(ctx, key, rec); !errors.Is(err, session.ErrConflict) {
		t.Fatalf("second create: %v, want ErrConflict", err)
	}
	got, err := s.Load(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	rec.Version = 1
	sameRecord(t, got, rec)

	upd := got
	upd.Data = []byte("world")
	upd.User = "bob"
	if err := s.Save(ctx, key, upd); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(ctx, key, upd); !errors.Is(err, session.ErrConflict) {
		t.Fatalf("stale update: %v, want ErrConflict", err)
	}
	got, err = s.Load(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	upd.Version = 2
	sameRecord(t, got, upd)

	// No resurrection: an update after a delete is a conflict.
	if err := s.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Fatalf("second Delete: %v", err)
	}
	if err := s.Save(ctx, key, got); !errors.Is(err, session.ErrConflict) {
		t.Fatalf("update after delete: %v, want ErrConflict", err)
	}
	if _, err := s.Load(ctx, key); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Load after delete: %v, want ErrNotFound", err)
	}
}

func TestExpiryAndTouch(t *testing.T) {
	ctx := context.Background()
	clk := sessiontest.NewClock(time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC))
	s := openStore(t, boltstore.WithClock(clk.Now))
	key := newKey(t)
	rec := record("", "x", clk.Now(), time.Minute)
	if err := s.Save(ctx, key, rec); err != nil {
		t.Fatal(err)
	}
	later := clk.Now().Add(30 * time.Second)
	if err := s.Touch(ctx, key, later, later.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 1 || !got.Accessed.Equal(later) || !got.Expires.Equal(later.Add(time.Minute)) || string(got.Data) != "x" {
		t.Fatalf("after Touch: %+v", got)
	}

	clk.Advance(90 * time.Second) // exactly at Expires: expired
	if _, err := s.Load(ctx, key); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Load at expiry: %v, want ErrNotFound", err)
	}
	if err := s.Touch(ctx, key, clk.Now(), clk.Now().Add(time.Hour)); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Touch of an expired record: %v, want ErrNotFound", err)
	}
	// An expired record not yet swept still counts as present for a create.
	if err := s.Save(ctx, key, record("", "y", clk.Now(), time.Hour)); !errors.Is(err, session.ErrConflict) {
		t.Fatalf("create over an expired record: %v, want ErrConflict", err)
	}
	if err := s.Touch(ctx, newKey(t), clk.Now(), clk.Now().Add(time.Hour)); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Touch of a missing key: %v, want ErrNotFound", err)
	}
	n, err := s.Prune(ctx, session.Filter{ExpiresBefore: clk.Now()})
	if err != nil || n != 1 {
		t.Fatalf("Prune expired = %d, %v; want 1", n, err)
	}
}

func TestBytesAreCopied(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	// First while the store is small (bbolt keeps its buckets inline), then
	// after growth, when values are read straight from the file's mapping.
	for phase := 0; phase < 2; phase++ {
		key := newKey(t)
		rec := record("u", "abcdef", time.Now(), time.Hour)
		if err := s.Save(ctx, key, rec); err != nil {
			t.Fatal(err)
		}
		rec.Data[0] = 'X' // the caller's slice, after Save
		got, err := s.Load(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if string(got.Data) != "abcdef" {
			t.Fatalf("phase %d: Save kept the caller's slice: %q", phase, got.Data)
		}
		got.Data[1] = 'Y' // the returned slice belongs to the caller
		if again, err := s.Load(ctx, key); err != nil || string(again.Data) != "abcdef" {
			t.Fatalf("phase %d: Load after changing a loaded slice: %q, %v", phase, again.Data, err)
		}
		// Writes that make bbolt grow and remap its file while got is held.
		for i := 0; i < 200; i++ {
			if err := s.Save(ctx, newKey(t), record("", string(make([]byte, 8<<10)), time.Now(), time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		again, err := s.Load(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if string(again.Data) != "abcdef" || string(got.Data) != "aYcdef" {
			t.Fatalf("phase %d: stored %q, held %q", phase, again.Data, got.Data)
		}
	}
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	for _, key := range []string{"", "../etc/passwd", newKey(t)[:63], "G" + newKey(t)[1:], "A" + newKey(t)[1:]} {
		if _, err := s.Load(ctx, key); !errors.Is(err, session.ErrInvalidKey) {
			t.Errorf("Load(%q): %v, want ErrInvalidKey", key, err)
		}
		if err := s.Save(ctx, key, record("", "x", time.Now(), time.Hour)); !errors.Is(err, session.ErrInvalidKey) {
			t.Errorf("Save(%q): %v, want ErrInvalidKey", key, err)
		}
		if err := s.Delete(ctx, key); !errors.Is(err, session.ErrInvalidKey) {
			t.Errorf("Delete(%q): %v, want ErrInvalidKey", key, err)
		}
		if err := s.Touch(ctx, key, time.Now(), time.Now()); !errors.Is(err, session.ErrInvalidKey) {
			t.Errorf("Touch(%q): %v, want ErrInvalidKey", key, err)
		}
	}

	key := newKey(t)
	if err := s.Save(ctx, key, record(string(make([]byte, boltstore.MaxUserLen+1)), "x", time.Now(), time.Hour)); err == nil {
		t.Error("Save accepted a user longer than MaxUserLen")
	}
	long := string(bytes.Repeat([]byte{'u'}, boltstore.MaxUserLen))
	if err := s.Save(ctx, key, record(long, "x", time.Now(), time.Hour)); err != nil {
		t.Fatalf("Save with a user of MaxUserLen bytes: %v", err)
	}
	if n, err := s.Prune(ctx, session.Filter{User: long}); err != nil || n != 1 {
		t.Fatalf("Prune of the long user = %d, %v", n, err)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Load(cancelled, key); !errors.Is(err, context.Canceled) {
		t.Errorf("Load with a cancelled context: %v", err)
	}
	if err := s.Save(cancelled, key, record("", "x", time.Now(), time.Hour)); !errors.Is(err, context.Canceled) {
		t.Errorf("Save with a cancelled context: %v", err)
	}
	if _, err := s.Prune(cancelled, session.Filter{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Prune with a cancelled context: %v", err)
	}
	for _, err := range s.List(cancelled, session.Filter{}) {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("List with a cancelled context: %v", err)
		}
	}
}

func TestOptionsValidated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	for name, opt := range map[string]boltstore.Option{
		"open timeout 0":  boltstore.WithOpenTimeout(0),
		"negative sweep":  boltstore.WithSweepInterval(-time.Second),
		"sweep batch 0":   boltstore.WithSweepBatch(0),
		"empty bucket":    boltstore.WithBucket(""),
		"nil clock":       boltstore.WithClock(nil),
		"too long bucket": boltstore.WithBucket(string(make([]byte, bbolt.MaxKeySize+1))),
	} {
		if s, err := boltstore.Open(path, opt); !errors.Is(err, session.ErrInvalidConfig) {
			if s != nil {
				s.Close()
			}
			t.Errorf("%s: %v, want ErrInvalidConfig", name, err)
		}
	}
	if _, err := boltstore.New(nil); !errors.Is(err, session.ErrInvalidConfig) {
		t.Errorf("New(nil): %v", err)
	}
	if _, err := boltstore.Open(""); !errors.Is(err, session.ErrInvalidConfig) {
		t.Errorf("Open(\"\"): %v", err)
	}
	if _, err := boltstore.Open(filepath.Join(t.TempDir(), "missing", "dir", "s.db")); err == nil {
		t.Error("Open in a missing directory succeeded")
	}
}

func TestCloseAndReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sessions.db")
	s, err := boltstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	key := newKey(t)
	rec := record("carol", "persist me", time.Now(), time.Hour)
	if err := s.Save(ctx, key, rec); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := s.Load(ctx, key); !errors.Is(err, session.ErrClosed) {
		t.Fatalf("Load after Close: %v, want ErrClosed", err)
	}
	if err := s.Save(ctx, key, rec); !errors.Is(err, session.ErrClosed) {
		t.Fatalf("Save after Close: %v, want ErrClosed", err)
	}
	for _, err := range s.List(ctx, session.Filter{}) {
		if !errors.Is(err, session.ErrClosed) {
			t.Fatalf("List after Close: %v, want ErrClosed", err)
		}
	}

	s2, err := boltstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	got, err := s2.Load(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	rec.Version = 1
	sameRecord(t, got, rec)
	if err := s2.Setup(ctx); err != nil {
		t.Fatalf("Setup on an existing store: %v", err)
	}
	if _, err := s2.Load(ctx, key); err != nil {
		t.Fatalf("Load after a second Setup: %v", err)
	}
}

func TestAppHandleStaysOpen(t *testing.T) {
	ctx := context.Background()
	db, err := bbolt.Open(filepath.Join(t.TempDir(), "app.db"), 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Two stores in one file, apart by bucket.
	a, err := boltstore.New(db, boltstore.WithBucket("a"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := boltstore.New(db, boltstore.WithBucket("b"))
	if err != nil {
		t.Fatal(err)
	}
	key := newKey(t)
	if err := a.Save(ctx, key, record("", "in a", time.Now(), time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Load(ctx, key); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("store b sees store a's record: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Load(ctx, key); !errors.Is(err, session.ErrClosed) {
		t.Fatalf("Load after Close: %v, want ErrClosed", err)
	}
	if err := db.View(func(tx *bbolt.Tx) error { return nil }); err != nil {
		t.Fatalf("the app's handle was closed: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestReadOnlyHandle(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	s, err := boltstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	key := newKey(t)
	if err := s.Save(ctx, key, record("dave", "ro", time.Now(), time.Hour)); err != nil {
		t.Fatal(err)
	}
	s.Close()

	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ro, err := boltstore.New(db)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := ro.Load(ctx, key); err != nil {
		t.Fatal(err)
	}
	if err := ro.Delete(ctx, key); err == nil {
		t.Fatal("Delete on a read-only handle succeeded")
	}
	if _, err := boltstore.New(db, boltstore.WithBucket("never-set-up")); err == nil {
		t.Fatal("New on a read-only handle without buckets succeeded")
	}
}

func TestCorruptRecord(t *testing.T) {
	ctx := context.Background()
	clk := sessiontest.NewClock(time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC))
	s := openStore(t, boltstore.WithClock(clk.Now))
	good, bad := newKey(t), newKey(t)
	if err := s.Save(ctx, good, record("eve", "ok", clk.Now(), time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(ctx, bad, record("eve", "soon garbage", clk.Now(), time.Hour)); err != nil {
		t.Fatal(err)
	}
	raw, _ := hex.DecodeString(bad)
	for _, garbage := range [][]byte{{}, {1}, {9, 9, 9}, bytes.Repeat([]byte{0xff}, 80), append([]byte{1}, make([]byte, 44)...)} {
		err := s.DB().Update(func(tx *bbolt.Tx) error {
			return tx.Bucket([]byte(boltstore.DefaultBucket)).Bucket([]byte("records")).Put(raw, garbage)
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Load(ctx, bad); !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("Load of %x: %v, want ErrNotFound", garbage, err)
		}
		if err := s.Touch(ctx, bad, clk.Now(), clk.Now()); !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("Touch of %x: %v, want ErrNotFound", garbage, err)
		}
		if err := s.Save(ctx, bad, record("", "x", clk.Now(), time.Hour)); !errors.Is(err, session.ErrConflict) {
			t.Fatalf("Save over %x: %v, want ErrConflict", garbage, err)
		}
		n := 0
		for e, err := range s.List(ctx, session.Filter{}) {
			if err != nil {
				t.Fatal(err)
			}
			if e.Key != good {
				t.Fatalf("List yielded %s", e.Key)
			}
			n++
		}
		if n != 1 {
			t.Fatalf("List yielded %d records, want 1", n)
		}
	}
	// Pruning the user finds the corrupt record through the index and
	// drops it without counting it.
	n, err := s.Prune(ctx, session.Filter{User: "eve"})
	if err != nil || n != 1 {
		t.Fatalf("Prune = %d, %v; want 1", n, err)
	}
	if err := s.Save(ctx, bad, record("", "fresh", clk.Now(), time.Hour)); err != nil {
		t.Fatalf("Save after the corrupt record was pruned: %v", err)
	}
}

func TestListAndPrune(t *testing.T) {
	ctx := context.Background()
	clk := sessiontest.NewClock(time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC))
	s := openFast(t, boltstore.WithClock(clk.Now), boltstore.WithSweepBatch(7), boltstore.WithSweepInterval(0))
	now := clk.Now()
	// 600 records: more than one List batch and many Prune batches.
	for i := 0; i < 600; i++ {
		user := []string{"", "ann", "ann\x00x", "an", "bo"}[i%5]
		ttl := time.Duration(i%3-1) * time.Hour // -1h, 0, +1h: two thirds expired
		rec := record(user, "d", now, ttl)
		rec.Accessed = now.Add(-time.Duration(i%4) * time.Minute)
		key := newKey(t)
		if err := s.Save(ctx, key, rec); err != nil {
			t.Fatal(err)
		}
	}
	count := func(f session.Filter) int {
		t.Helper()
		n := 0
		for e, err := range s.List(ctx, f) {
			if err != nil {
				t.Fatal(err)
			}
			if f.User != "" && e.Record.User != f.User {
				t.Fatalf("List(%q) yielded user %q", f.User, e.Record.User)
			}
			n++
		}
		return n
	}
	if n := count(session.Filter{}); n != 600 {
		t.Fatalf("List all = %d", n)
	}
	if n := count(session.Filter{User: "ann"}); n != 120 {
		t.Fatalf("List ann = %d", n)
	}
	if n := count(session.Filter{ExpiresBefore: now}); n != 400 {
		t.Fatalf("List expired = %d", n)
	}
	if n := count(session.Filter{AccessedBefore: now.Add(-90 * time.Second)}); n != 300 {
		t.Fatalf("List idle = %d", n)
	}
	if n := count(session.Filter{User: "bo", ExpiresBefore: now}); n != 80 {
		t.Fatalf("List bo expired = %d", n)
	}

	// Stopping early, and writing inside the loop, are both fine.
	seen := 0
	for e, err := range s.List(ctx, session.Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Save(ctx, newKey(t), record("", string(make([]byte, 4096)), now, time.Hour)); err != nil {
			t.Fatal(err)
		}
		_ = e
		if seen++; seen == 300 {
			break
		}
	}

	if n, err := s.Prune(ctx, session.Filter{User: "ann"}); err != nil || n != 120 {
		t.Fatalf("Prune ann = %d, %v", n, err)
	}
	if n := count(session.Filter{User: "ann\x00x"}); n != 120 {
		t.Fatalf("Prune ann touched ann\\x00x: %d left", n)
	}
	// Of the remaining 480 of the original records, those expired.
	if n, err := s.Prune(ctx, session.Filter{ExpiresBefore: now}); err != nil || n != 320 {
		t.Fatalf("Prune expired = %d, %v", n, err)
	}
	if n, err := s.Prune(ctx, session.Filter{}); err != nil || n != 160+300 {
		t.Fatalf("Prune all = %d, %v", n, err)
	}
	if n := count(session.Filter{}); n != 0 {
		t.Fatalf("%d records left", n)
	}
}

func TestConcurrentIncrements(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	key := newKey(t)
	if err := s.Save(ctx, key, record("", "0", time.Now(), time.Hour)); err != nil {
		t.Fatal(err)
	}
	const workers, each = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for done := 0; done < each; {
				rec, err := s.Load(ctx, key)
				if err != nil {
					errs <- err
					return
				}
				rec.Data = append(rec.Data, '+')
				err = s.Save(ctx, key, rec)
				if errors.Is(err, session.ErrConflict) {
					continue
				}
				if err != nil {
					errs <- err
					return
				}
				done++
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	rec, err := s.Load(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Version != 1+workers*each {
		t.Fatalf("version %d after %d successful saves, want %d", rec.Version, workers*each, 1+workers*each)
	}
}

func TestOpenStoreURL(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "url.db")
	st, err := session.OpenStore(ctx, "bolt:"+path+"?timeout=300ms&sweep=0&batch=10&bucket=web")
	if err != nil {
		t.Fatal(err)
	}
	key := newKey(t)
	if err := st.Save(ctx, key, record("", "via url", time.Now(), time.Hour)); err != nil {
		t.Fatal(err)
	}
	if c := st.Capabilities(); !c.Goroutines || c.Processes || !c.Durable || c.Shared {
		t.Errorf("Capabilities = %+v", c)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st, err = session.OpenStore(ctx, "bolt://"+path+"?bucket=web") // scheme:///abs/path
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Load(ctx, key); err != nil {
		t.Fatalf("reopened by URL: %v", err)
	}
	st.Close()

	for _, bad := range []string{"bolt:", "bolt:" + path + "?nope=1", "bolt:" + path + "?timeout=soon", "bolt:" + path + "?timeout=0s", "bolt:" + path + "?batch=-1"} {
		if st, err := session.OpenStore(ctx, bad); err == nil {
			st.Close()
			t.Errorf("OpenStore(%q) succeeded", bad)
		}
	}
}

// Open uses the freelist settings that keep commits flat after mass
// deletes, and BoltOptions says which.
func TestOpenFreelistSettings(t *testing.T) {
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "s.db"), boltstore.WithSweepInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	o := boltstore.BoltOptions()
	if !o.NoFreelistSync || o.FreelistType != bbolt.FreelistMapType {
		t.Errorf("BoltOptions() = %+v, want NoFreelistSync and the map freelist", o)
	}
	if db := s.DB(); !db.NoFreelistSync || db.FreelistType != bbolt.FreelistMapType {
		t.Errorf("Open's handle has NoFreelistSync %v, FreelistType %q", db.NoFreelistSync, db.FreelistType)
	}
}

// A prune that finds nothing to delete (a sweep pass with nothing
// expired) commits no write transaction: nothing is written or synced.
func TestIdlePruneWritesNothing(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, boltstore.WithSweepInterval(0))
	now := time.Now().UTC()
	rec := session.Record{User: "u", Data: []byte("x"), Created: now, Accessed: now, Expires: now.Add(time.Hour)}
	if err := s.Save(ctx, newKey(t), rec); err != nil {
		t.Fatal(err)
	}
	writes := func() int64 {
		st := s.DB().Stats()
		return st.TxStats.GetWrite()
	}
	before := writes()
	for _, f := range []session.Filter{{ExpiresBefore: now}, {User: "nobody"}} {
		n, err := s.Prune(ctx, f)
		if err != nil || n != 0 {
			t.Fatalf("Prune(%+v) = %d, %v; want 0", f, n, err)
		}
	}
	if after := writes(); after != before {
		t.Errorf("idle prunes wrote %d pages", after-before)
	}
}
