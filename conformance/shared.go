package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
)

// A SharedStore tells [TestSharedStore] how to open a store whose records
// outlive the store value: a database table, a Redis key prefix, a file or
// a directory.
type SharedStore struct {
	// Open returns a store on storage of its own (a fresh table, prefix,
	// file or directory), set up, and closed (its storage removed) by
	// t.Cleanup. The suite may close it earlier.
	Open func(t *testing.T) session.Store
	// Reopen returns another store on the storage of s, with a handle of
	// its own (a connection pool, a client, an open file), as a second
	// server or a restarted process opens it; t.Cleanup closes it. The
	// suite calls it while s is open, unless OneHandle is set, and after s
	// has been closed.
	Reopen func(t *testing.T, s session.Store) session.Store
	// OneHandle says that one handle at a time may open the storage (a
	// bbolt file): the two managers of the two-server properties then
	// share the store Open returned.
	OneHandle bool
	// Counted, when set, opens a store as Open does whose round trips to
	// its server count returns, the total so far; the RoundTrips property
	// is skipped without it.
	Counted func(t *testing.T) (s session.Store, count func() int)
}

// TestSharedStore runs the properties that every store shared by servers
// or kept across restarts promises, through the core middleware over real
// HTTP (see [App]), one subtest each:
//
//   - TwoServersMerge: 20 concurrent requests on two managers, each on a
//     store of its own over the same storage, each changing another key of
//     one session: all 20 changes persist.
//   - TwoServersLogoutRace: a logout on one server races a write on the
//     other: the session stays deleted whichever commits first.
//   - Restart: a session survives closing the store and opening it again.
//   - RoundTrips: once warm, Load, Save, Touch and Delete cost one round
//     trip each; through the middleware a request without a cookie costs
//     none, a read-only request one and a changing request two.
func TestSharedStore(t *testing.T, h SharedStore) {
	t.Helper()
	if h.Open == nil || h.Reopen == nil {
		t.Fatal("conformance: SharedStore needs Open and Reopen")
	}
	t.Run("TwoServersMerge", func(t *testing.T) { testTwoServersMerge(t, h) })
	t.Run("TwoServersLogoutRace", func(t *testing.T) { testTwoServersLogoutRace(t, h) })
	t.Run("Restart", func(t *testing.T) { testRestart(t, h) })
	t.Run("RoundTrips", func(t *testing.T) {
		if h.Counted == nil {
			t.Skip("the store counts no round trips (SharedStore.Counted is nil)")
		}
		testSharedRoundTrips(t, h)
	})
}

// twoServers returns two apps on one storage, and the first app's store.
func twoServers(t *testing.T, h SharedStore) (*App, *App, session.Store) {
	sA := h.Open(t)
	sB := sA
	if !h.OneHandle {
		sB = h.Reopen(t, sA)
	}
	return NewApp(t, sA), NewApp(t, sB), sA
}

func testTwoServersMerge(t *testing.T, h SharedStore) {
	a, b, _ := twoServers(t, h)
	br := &Client{}
	if status, _ := a.Do(t, br, "/set?k=init&v=yes"); status != http.StatusOK {
		t.Fatalf("creating the session: status %d", status)
	}
	token := br.Token()
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			srv := a
			if i%2 == 1 {
				srv = b
			}
			status, body, err := srv.Try(NewClient(token), fmt.Sprintf("/set?k=k%02d&v=%d", i, i))
			if err == nil && status != http.StatusOK {
				err = fmt.Errorf("status %d: %s", status, body)
			}
			if err != nil {
				errs <- fmt.Errorf("request %d: %w", i, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	_, body := b.Do(t, NewClient(token), "/get")
	var got map[string]any
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("/get: %v: %s", err, body)
	}
	for i := 0; i < n; i++ {
		key := fmt.Sprintf("k%02d", i)
		if got[key] != strconv.Itoa(i) {
			t.Errorf("after 20 concurrent requests on two servers, %s = %v, want %d (a lost update)", key, got[key], i)
		}
	}
	if got["init"] != "yes" {
		t.Errorf("init = %v, want yes", got["init"])
	}
}

func testTwoServersLogoutRace(t *testing.T, h SharedStore) {
	a, b, store := twoServers(t, h)
	for round := 0; round < 10; round++ {
		br := &Client{}
		if status, _ := a.Do(t, br, "/set?k=x&v=1"); status != http.StatusOK {
			t.Fatalf("round %d: creating the session: status %d", round, status)
		}
		token := br.Token()
		var wg sync.WaitGroup
		wg.Add(2)
		var logoutStatus, writeStatus int
		var logoutErr, writeErr error
		go func() {
			defer wg.Done()
			logoutStatus, _, logoutErr = a.Try(NewClient(token), "/logout")
		}()
		go func() {
			defer wg.Done()
			writeStatus, _, writeErr = b.Try(NewClient(token), "/set?k=y&v=2")
		}()
		wg.Wait()
		if logoutErr != nil || writeErr != nil || logoutStatus != http.StatusOK || writeStatus != http.StatusOK {
			t.Fatalf("round %d: logout %d %v, write %d %v", round, logoutStatus, logoutErr, writeStatus, writeErr)
		}
		if _, err := store.Load(testContext(t), keyOf(token)); !errors.Is(err, session.ErrNotFound) {
			t.Errorf("round %d: after a logout raced a write, the session is back: Load = %v", round, err)
		}
		if _, body := b.Do(t, NewClient(token), "/get"); body != "{}\n" {
			t.Errorf("round %d: after logout, the old cookie still finds data: %s", round, body)
		}
	}
}

func testRestart(t *testing.T, h SharedStore) {
	s := h.Open(t)
	b := &Client{}
	a := NewApp(t, s)
	a.Do(t, b, "/write")
	if status, body := a.Do(t, b, "/write"); status != http.StatusOK || body != "n=2" {
		t.Fatalf("before the restart: status %d, body %q; want n=2", status, body)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	a2 := NewApp(t, h.Reopen(t, s))
	if status, body := a2.Do(t, b, "/read"); status != http.StatusOK || body != "n=2 new=false" {
		t.Errorf("after closing and reopening the store: status %d, body %q; want the session, n=2", status, body)
	}
	if status, body := a2.Do(t, b, "/write"); status != http.StatusOK || body != "n=3" {
		t.Errorf("writing after the restart: status %d, body %q; want n=3", status, body)
	}
}

func testSharedRoundTrips(t *testing.T, h SharedStore) {
	s, count := h.Counted(t)
	ctx := testContext(t)
	var key string
	var loaded session.Record
	steps := []struct {
		name string
		run  func() error
	}{
		{"Save (create)", func() error { return s.Save(ctx, key, live("", "a")) }},
		{"Load", func() (err error) { loaded, err = s.Load(ctx, key); return err }},
		{"Save (update)", func() error { loaded.Data = []byte("b"); return s.Save(ctx, key, loaded) }},
		{"Touch", func() error { return s.Touch(ctx, key, now(), now().Add(time.Hour)) }},
		{"Load (missing)", func() error {
			if _, err := s.Load(ctx, newKey(t)); !errors.Is(err, session.ErrNotFound) {
				return fmt.Errorf("Load = %v, want ErrNotFound", err)
			}
			return nil
		}},
		{"Delete", func() error { return s.Delete(ctx, key) }},
	}
	// The first pass warms up (prepared statements, cached scripts); the
	// second counts.
	for pass := 0; pass < 2; pass++ {
		key = newKey(t)
		for _, st := range steps {
			before := count()
			if err := st.run(); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			if n := count() - before; pass == 1 && n != 1 {
				t.Errorf("%s: %d round trips, want 1", st.name, n)
			}
		}
	}

	a := NewApp(t, s, session.WithExpiry(session.Expiry{Idle: 30 * time.Minute}))
	b := &Client{}
	a.Do(t, b, "/write")
	a.Do(t, b, "/read")
	for _, r := range []struct {
		name string
		path string
		b    *Client
		want int
	}{
		{"read-only", "/read", b, 1},
		{"read-only again", "/read", b, 1},
		{"write", "/write", b, 2},
		{"no cookie", "/read", &Client{}, 0},
	} {
		before := count()
		if status, body := a.Do(t, r.b, r.path); status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", r.path, status, body)
		}
		if n := count() - before; n != r.want {
			t.Errorf("GET %s (%s): %d round trips, want %d", r.path, r.name, n, r.want)
		}
	}
}

// testContext returns a context that ends with the test or after a minute.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}
