package conformance_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/session2/session2/conformance"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/memstore"
)

// brokenEnv enables the TestBroken* tests, which are meant to fail: they
// run only in a child process started by TestSuiteCatchesBrokenStores.
const brokenEnv = "SESSION2_CONFORMANCE_BROKEN"

func newMemstore(t *testing.T) session.Store {
	s := memstore.New()
	if err := s.Setup(context.Background()); err != nil {
		t.Fatalf("memstore Setup: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// The reference store passes.
func TestMemstore(t *testing.T) {
	conformance.TestStore(t, newMemstore)
}

// The reference store also passes with its sweeper off and a cap far above
// the suite's needs.
func TestMemstoreOptions(t *testing.T) {
	conformance.TestStore(t, func(t *testing.T) session.Store {
		s := memstore.New(memstore.WithSweepInterval(0), memstore.WithMaxSessions(1000))
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// The suite is sound on a store that holds other records and that other
// runs of the suite use at the same time, as a shared database table would
// be: two runs in parallel on one memstore full of unrelated records.
func TestSharedStore(t *testing.T) {
	shared := memstore.New(memstore.WithSweepInterval(0))
	t.Cleanup(func() { shared.Close() })
	fillWithStrangers(t, shared)
	before := strangers(t, shared)

	newView := func(t *testing.T) session.Store { return &view{Store: shared} }
	t.Run("group", func(t *testing.T) {
		for _, name := range []string{"first", "second"} {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				conformance.TestStore(t, newView)
			})
		}
	})
	if after := strangers(t, shared); after != before {
		t.Errorf("the suite changed records it did not create: %d stranger records before, %d after", before, after)
	}
}

// fillWithStrangers saves records the suite must neither count nor touch:
// other users, anonymous, expired, idle, some far in the future.
func fillWithStrangers(t *testing.T, s session.Store) {
	ctx := context.Background()
	n := time.Now()
	for i := 0; i < 200; i++ {
		rec := session.Record{
			User:     fmt.Sprintf("stranger-%d", i%7),
			Data:     []byte("stranger"),
			Created:  n.Add(-time.Duration(i) * time.Hour),
			Accessed: n.Add(-time.Duration(i) * time.Minute),
			Expires:  n.Add(time.Duration(i-50) * time.Hour),
		}
		if i%5 == 0 {
			rec.User = ""
		}
		if err := s.Save(ctx, fmt.Sprintf("%064x", 0xabc000+i), rec); err != nil {
			t.Fatal(err)
		}
	}
}

func strangers(t *testing.T, s session.Store) int {
	n := 0
	for e, err := range s.List(context.Background(), session.Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		if string(e.Record.Data) == "stranger" && e.Record.Version == 1 {
			n++
		}
	}
	return n
}

// view shares a store among subtests: its Close closes the view, not the
// store underneath.
type view struct {
	session.Store
	closed atomic.Bool
}

func (v *view) err(op string) error {
	if v.closed.Load() {
		return fmt.Errorf("view: %s: %w", op, session.ErrClosed)
	}
	return nil
}

func (v *view) Load(ctx context.Context, key string) (session.Record, error) {
	if err := v.err("load"); err != nil {
		return session.Record{}, err
	}
	return v.Store.Load(ctx, key)
}

func (v *view) Save(ctx context.Context, key string, rec session.Record) error {
	if err := v.err("save"); err != nil {
		return err
	}
	return v.Store.Save(ctx, key, rec)
}

func (v *view) Delete(ctx context.Context, key string) error {
	if err := v.err("delete"); err != nil {
		return err
	}
	return v.Store.Delete(ctx, key)
}

func (v *view) Touch(ctx context.Context, key string, accessed, expires time.Time) error {
	if err := v.err("touch"); err != nil {
		return err
	}
	return v.Store.Touch(ctx, key, accessed, expires)
}

func (v *view) Prune(ctx context.Context, f session.Filter) (int, error) {
	if err := v.err("prune"); err != nil {
		return 0, err
	}
	return v.Store.Prune(ctx, f)
}

func (v *view) List(ctx context.Context, f session.Filter) iter.Seq2[session.Entry, error] {
	if err := v.err("list"); err != nil {
		return func(yield func(session.Entry, error) bool) { yield(session.Entry{}, err) }
	}
	return v.Store.List(ctx, f)
}

func (v *view) Close() error {
	v.closed.Store(true)
	return nil
}

// ---------------------------------------------------------------------
// Broken stores: the suite must catch each of them.

// expiredLoader returns expired records from Load.
type expiredLoader struct{ session.Store }

func (s expiredLoader) Load(ctx context.Context, key string) (session.Record, error) {
	rec, err := s.Store.Load(ctx, key)
	if !errors.Is(err, session.ErrNotFound) {
		return rec, err
	}
	for e, lerr := range s.Store.List(ctx, session.Filter{}) {
		if lerr != nil {
			return session.Record{}, lerr
		}
		if e.Key == key {
			return e.Record, nil
		}
	}
	return rec, err
}

// sliceKeeper keeps the caller's Data slice instead of a copy, and hands it
// out again from Load and List.
type sliceKeeper struct {
	session.Store
	mu   sync.Mutex
	kept map[string][]byte
}

func (s *sliceKeeper) Save(ctx context.Context, key string, rec session.Record) error {
	if err := s.Store.Save(ctx, key, rec); err != nil {
		return err
	}
	s.mu.Lock()
	s.kept[key] = rec.Data
	s.mu.Unlock()
	return nil
}

func (s *sliceKeeper) Load(ctx context.Context, key string) (session.Record, error) {
	rec, err := s.Store.Load(ctx, key)
	if err == nil {
		s.mu.Lock()
		if b, ok := s.kept[key]; ok {
			rec.Data = b
		}
		s.mu.Unlock()
	}
	return rec, err
}

func (s *sliceKeeper) Delete(ctx context.Context, key string) error {
	s.mu.Lock()
	delete(s.kept, key)
	s.mu.Unlock()
	return s.Store.Delete(ctx, key)
}

// upserter ignores versions: Save overwrites whatever is stored, and
// recreates deleted records.
type upserter struct{ session.Store }

func (s upserter) Save(ctx context.Context, key string, rec session.Record) error {
	var err error
	for try := 0; try < 100; try++ {
		cur, lerr := s.Store.Load(ctx, key)
		switch {
		case lerr == nil:
			rec.Version = cur.Version
		case errors.Is(lerr, session.ErrNotFound):
			rec.Version = 0
		default:
			return lerr
		}
		if err = s.Store.Save(ctx, key, rec); !errors.Is(err, session.ErrConflict) {
			return err
		}
	}
	return err
}

func brokenOnly(t *testing.T) {
	if os.Getenv(brokenEnv) != "1" {
		t.Skip("a deliberately broken store; run by TestSuiteCatchesBrokenStores with " + brokenEnv + "=1")
	}
}

func TestBrokenExpired(t *testing.T) {
	brokenOnly(t)
	conformance.TestStore(t, func(t *testing.T) session.Store {
		return expiredLoader{newMemstore(t)}
	})
}

func TestBrokenNoCopy(t *testing.T) {
	brokenOnly(t)
	conformance.TestStore(t, func(t *testing.T) session.Store {
		return &sliceKeeper{Store: newMemstore(t), kept: map[string][]byte{}}
	})
}

func TestBrokenUpsert(t *testing.T) {
	brokenOnly(t)
	conformance.TestStore(t, func(t *testing.T) session.Store {
		return upserter{newMemstore(t)}
	})
}

// TestSuiteCatchesBrokenStores runs each TestBroken* test in a child
// process and checks that it fails, in the properties it breaks, while the
// properties it keeps still pass.
func TestSuiteCatchesBrokenStores(t *testing.T) {
	if os.Getenv(brokenEnv) != "" {
		t.Skip("already in a child process")
	}
	cases := []struct {
		test     string
		wantFail []string
		wantPass []string
	}{
		{
			test:     "TestBrokenExpired",
			wantFail: []string{"ExpiredNotLoaded", "Touch"},
			wantPass: []string{"RoundTrip", "CreateConflict", "NoResurrection", "DataCopiedOnSave"},
		},
		{
			test:     "TestBrokenNoCopy",
			wantFail: []string{"DataCopiedOnSave", "DataCopiedOnLoad"},
			wantPass: []string{"RoundTrip", "CreateConflict", "NoResurrection", "ExpiredNotLoaded"},
		},
		{
			test:     "TestBrokenUpsert",
			wantFail: []string{"CreateConflict", "StaleVersionConflict", "NoResurrection", "UserChangeFollowsIndex"},
			wantPass: []string{"RoundTrip", "ExpiredNotLoaded", "DataCopiedOnSave"},
		},
	}
	for _, c := range cases {
		t.Run(c.test, func(t *testing.T) {
			t.Parallel()
			checkBrokenChild(t, c.test, c.wantFail, c.wantPass)
		})
	}
}

// checkBrokenChild runs the test named test in a child process with the
// broken implementations enabled, and checks that it fails: in the
// subtests wantFail, while the subtests wantPass still pass (the breakage
// is where it should be).
func checkBrokenChild(t *testing.T, test string, wantFail, wantPass []string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.v", "-test.count=1", "-test.timeout=90s")
	cmd.Env = append(os.Environ(), brokenEnv+"=1")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Fatalf("%s: want the child test to fail with a non-zero exit, got err %v; output:\n%s", test, err, out)
	}
	text := string(out)
	for _, name := range wantFail {
		if !strings.Contains(text, "--- FAIL: "+test+"/"+name+" ") {
			t.Errorf("%s: the suite did not fail %s; output:\n%s", test, name, text)
		}
	}
	for _, name := range wantPass {
		if !strings.Contains(text, "--- PASS: "+test+"/"+name+" ") {
			t.Errorf("%s: %s should still pass (the breakage is elsewhere); output:\n%s", test, name, text)
		}
	}
}
