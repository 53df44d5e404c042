package sqlstoretest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/sqlstore"
)

// testHang puts the database behind a proxy that stops answering but keeps
// its connections open: every operation returns an error by its context's
// deadline (waiters for a statement being prepared included), Close
// returns, and once the proxy forwards again the store works with nothing
// lost.
func testHang(t *testing.T, k *kit) {
	p := NewProxy(t, k.h.Addr, nil)
	db := k.open(t, p.Addr(), &Counter{})
	db.SetMaxOpenConns(8)
	// Runs before the handle and proxy close: closing a handle whose
	// connections hang would wait for them.
	defer p.Resume()
	prepared := k.newStore(t, db)
	fresh := k.sibling(t, prepared, db) // has prepared nothing yet
	closing := k.sibling(t, prepared, db, sqlstore.WithCloseTimeout(500*time.Millisecond))
	keys := make([]string, 4)
	user := "hang-" + randomHex(t, 4)
	for i := range keys {
		keys[i] = newKey(t)
		mustSave(t, prepared, keys[i], live(user, fmt.Sprintf("record %d", i)))
	}
	mustLoad(t, closing, keys[0]) // prepares its Load

	p.Hang()
	const bound = 300 * time.Millisecond
	const slack = time.Second
	// A leader with a long deadline prepares fresh's Load statement and
	// hangs; the waiters behind it must keep to their own deadlines.
	leaderDone := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_, err := fresh.Load(ctx, keys[0])
		leaderDone <- err
	}()
	time.Sleep(50 * time.Millisecond)
	inFlight := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_, err := closing.Load(ctx, keys[1])
		inFlight <- err
	}()

	ops := map[string]func(ctx context.Context, s *sqlstore.Store) error{
		"Load": func(ctx context.Context, s *sqlstore.Store) error {
			_, err := s.Load(ctx, keys[0])
			if errors.Is(err, session.ErrNotFound) {
				return fmt.Errorf("ErrNotFound during a hang: %w", err)
			}
			return err
		},
		"Save (create)": func(ctx context.Context, s *sqlstore.Store) error {
			return s.Save(ctx, newKey(t), live(user, "during the hang"))
		},
		"Save (update)": func(ctx context.Context, s *sqlstore.Store) error {
			r := live(user, "changed during the hang")
			r.Version = 99
			return s.Save(ctx, keys[1], r)
		},
		"Touch": func(ctx context.Context, s *sqlstore.Store) error {
			return s.Touch(ctx, keys[2], now(), now().Add(time.Hour))
		},
		"Delete": func(ctx context.Context, s *sqlstore.Store) error { return s.Delete(ctx, newKey(t)) },
		"Prune": func(ctx context.Context, s *sqlstore.Store) error {
			_, err := s.Prune(ctx, session.Filter{User: "nobody-" + user})
			return err
		},
		"Setup": func(ctx context.Context, s *sqlstore.Store) error { return s.Setup(ctx) },
		"List": func(ctx context.Context, s *sqlstore.Store) error {
			var last error
			for _, err := range s.List(ctx, session.Filter{User: user}) {
				last = err
			}
			return last
		},
		"SchemaVersion": func(ctx context.Context, s *sqlstore.Store) error {
			_, _, err := s.SchemaVersion(ctx)
			return err
		},
	}
	var wg sync.WaitGroup
	for name, op := range ops {
		for _, st := range []struct {
			which string
			s     *sqlstore.Store
		}{{"prepared", prepared}, {"fresh", fresh}} {
			for range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ctx, cancel := context.WithTimeout(context.Background(), bound)
					defer cancel()
					start := time.Now()
					err := op(ctx, st.s)
					took := time.Since(start)
					switch {
					case err == nil:
						t.Errorf("%s on the %s store succeeded while the database hangs", name, st.which)
					case !errors.Is(err, context.DeadlineExceeded):
						t.Errorf("%s on the %s store: %v, want a deadline error", name, st.which, err)
					}
					if took > bound+slack {
						t.Errorf("%s on the %s store took %v with a deadline of %v", name, st.which, took, bound)
					}
				}()
			}
		}
	}
	wg.Wait()

	start := time.Now()
	err := closing.Close()
	if took := time.Since(start); took > 500*time.Millisecond+slack {
		t.Errorf("Close during the hang took %v, with a close timeout of 500ms", took)
	}
	t.Logf("Close during the hang: %v", err)
	if _, err := closing.Load(context.Background(), keys[0]); !errors.Is(err, session.ErrClosed) {
		t.Errorf("Load after Close: %v, want ErrClosed", err)
	}

	p.Resume()
	select {
	case <-leaderDone:
	case <-time.After(20 * time.Second):
		t.Errorf("the Load that led the hung preparation has not returned 20s after its deadline")
	}
	select {
	case <-inFlight:
	case <-time.After(20 * time.Second):
		t.Errorf("a Load in flight during Close has not returned")
	}
	deadline := time.Now().Add(10 * time.Second)
	for i, key := range keys {
		for _, s := range []*sqlstore.Store{prepared, fresh} {
			for {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				got, err := s.Load(ctx, key)
				cancel()
				if err == nil {
					if want := fmt.Sprintf("record %d", i); string(got.Data) != want {
						t.Errorf("after the hang, record %d holds %q, want %q", i, got.Data, want)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("10s after the hang ended, Load of record %d still fails: %v", i, err)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
	}
	r := mustLoad(t, prepared, keys[3])
	r.Data = []byte("after the hang")
	mustSave(t, fresh, keys[3], r)
	if got := mustLoad(t, prepared, keys[3]); string(got.Data) != "after the hang" {
		t.Errorf("Save after the hang did not stick: %q", got.Data)
	}
}

// testHangIdleConn is testHang without contention: the request-time
// operations of a store whose statements are prepared, each alone, on a
// connection taken idle from the pool, when the server stops answering
// after the connection was made. A driver that does not end its blocked
// read when the context ends is caught here, whatever the store's
// goroutines do.
func testHangIdleConn(t *testing.T, k *kit) {
	p := NewProxy(t, k.h.Addr, nil)
	db := k.open(t, p.Addr(), &Counter{})
	db.SetMaxIdleConns(4)
	defer p.Resume()
	s := k.newStore(t, db)
	user := "idle-" + randomHex(t, 4)
	key := newKey(t)
	mustSave(t, s, key, live(user, "before the hang"))
	rec := mustLoad(t, s, key)
	if err := s.Touch(ctxT(t), key, now(), now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctxT(t), newKey(t)); err != nil {
		t.Fatal(err)
	}
	p.Hang()
	const bound = 300 * time.Millisecond
	const slack = time.Second
	ops := []struct {
		name string
		op   func(ctx context.Context) error
	}{
		{"Load", func(ctx context.Context) error { _, err := s.Load(ctx, key); return err }},
		{"Save (update)", func(ctx context.Context) error { return s.Save(ctx, key, rec) }},
		{"Touch", func(ctx context.Context) error { return s.Touch(ctx, key, now(), now().Add(time.Hour)) }},
		{"Delete", func(ctx context.Context) error { return s.Delete(ctx, newKey(t)) }},
	}
	for _, o := range ops {
		ctx, cancel := context.WithTimeout(context.Background(), bound)
		done := make(chan error, 1)
		go func() { done <- o.op(ctx) }()
		select {
		case err := <-done:
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("%s while the database hangs: %v, want a deadline error", o.name, err)
			}
		case <-time.After(bound + slack):
			t.Errorf("%s has not returned %v after its deadline of %v", o.name, slack, bound)
		}
		cancel()
	}
}
