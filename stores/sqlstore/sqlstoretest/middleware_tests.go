package sqlstoretest

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/session2/session2/conformance"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
	"github.com/session2/session2/stores/sqlstore"
)

// testMiddlewareStatements counts the statements (and round trips) of
// requests through the core middleware: none without a cookie, one for a
// read-only request, two for a write.
func testMiddlewareStatements(t *testing.T, k *kit) {
	clk := sessiontest.NewClock(now())
	c := &Counter{}
	p := NewProxy(t, k.h.Addr, k.h.RoundTrips)
	db := k.open(t, p.Addr(), c)
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	s := k.newStore(t, db, sqlstore.WithClock(clk.Now))
	a := conformance.NewApp(t, s, session.WithExpiry(session.Expiry{Idle: 30 * time.Minute}), session.WithClock(clk.Now))

	// Warm up: prepare the insert, load, update and touch statements.
	b := &conformance.Client{}
	a.Do(t, b, "/write")
	a.Do(t, b, "/write")
	clk.Advance(2 * time.Minute)
	a.Do(t, b, "/read")

	steps := []struct {
		name    string
		b       *conformance.Client
		path    string
		advance time.Duration
		want    int
	}{
		{"no cookie, nothing to store", &conformance.Client{}, "/read", 0, 0},
		{"new session", &conformance.Client{}, "/write", 0, 1},
		{"read-only", b, "/read", 0, 1},
		{"write", b, "/write", 0, 2},
		{"read-only after a write", b, "/read", 0, 1},
		{"read-only after the touch interval", b, "/read", 2 * time.Minute, 2},
		{"read-only, touch throttled", b, "/read", 10 * time.Second, 1},
	}
	for _, st := range steps {
		clk.Advance(st.advance)
		s0, p0, r0 := c.Statements(), c.Prepares(), p.RoundTrips()
		if status, body := a.Do(t, st.b, st.path); status != http.StatusOK {
			t.Fatalf("%s: status %d: %s", st.name, status, body)
		}
		if n := c.Statements() - s0; n != int64(st.want) {
			t.Errorf("%s: %d statements, want %d", st.name, n, st.want)
		}
		if n := c.Prepares() - p0; n != 0 {
			t.Errorf("%s: %d statements prepared, want 0", st.name, n)
		}
		if k.h.RoundTrips != nil {
			if n := p.RoundTrips() - r0; n != st.want {
				t.Errorf("%s: %d round trips, want %d", st.name, n, st.want)
			}
		}
	}
}

// testMiddlewareGarbageRow plants a row whose data no codec reads under a
// cookie's key: the request gets a fresh session and the row is deleted.
func testMiddlewareGarbageRow(t *testing.T, k *kit) {
	db := k.open(t, k.h.Addr, &Counter{})
	s := k.newStore(t, db)
	a := conformance.NewApp(t, s)
	token, key := newToken(t)
	n := now()
	d := k.h.Dialect
	k.exec(t, "INSERT INTO "+s.Names().Table+" (session_key, user_name, data, created, accessed, expires, version) VALUES (?, ?, ?, ?, ?, ?, ?)",
		key, "victim", []byte("\x00\xff\x13 garbage, not a session"), d.TimeValue(n), d.TimeValue(n), d.TimeValue(n.Add(time.Hour)), 1)
	b := conformance.NewClient(token)
	status, body := a.Do(t, b, "/read")
	if status != http.StatusOK || body != "n=0 new=true" {
		t.Fatalf("a request whose row holds garbage: status %d, body %q; want 200 and a fresh session", status, body)
	}
	if !a.SawEvent(session.EventUndecodable) {
		t.Error("no EventUndecodable reported")
	}
	if _, err := s.Load(ctxT(t), key); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("the garbage row is still there: Load = %v", err)
	}
	if status, body := a.Do(t, b, "/write"); status != http.StatusOK || body != "n=1" {
		t.Errorf("writing after a garbage row: status %d, body %q", status, body)
	}
	if b.Token() == token {
		t.Error("the fresh session kept the token of the garbage row")
	}
}

// testMiddlewareSizeCap stores a session just under the manager's size
// cap, and checks that one over it is refused without touching the stored
// one.
func testMiddlewareSizeCap(t *testing.T, k *kit) {
	db := k.open(t, k.h.Addr, &Counter{})
	s := k.newStore(t, db)
	a := conformance.NewApp(t, s)
	b := &conformance.Client{}
	size := session.DefaultMaxSize - 512
	if status, body := a.Do(t, b, "/big?n="+strconv.Itoa(size)); status != http.StatusOK {
		t.Fatalf("a session of %d bytes: status %d: %s", size, status, body)
	}
	if _, body := a.Do(t, b, "/bigsize"); body != strconv.Itoa(size) {
		t.Errorf("a value of %d bytes came back as %s bytes", size, body)
	}
	if status, _ := a.Do(t, b, "/big?n="+strconv.Itoa(session.DefaultMaxSize+1)); status != http.StatusInternalServerError {
		t.Errorf("a session over the size cap: status %d, want 500", status)
	}
	if _, body := a.Do(t, b, "/bigsize"); body != strconv.Itoa(size) {
		t.Errorf("after a refused save, the stored value holds %s bytes, want %d", body, size)
	}
}

// testMiddlewareOutage cuts the database under a running app: requests
// needing the store get the error handler, requests that do not still
// work, and everything works again, with the data intact, when the
// database returns.
func testMiddlewareOutage(t *testing.T, k *kit) {
	p := NewProxy(t, k.h.Addr, nil)
	db := k.open(t, p.Addr(), &Counter{})
	s := k.newStore(t, db)
	a := conformance.NewApp(t, s)
	b := &conformance.Client{}
	a.Do(t, b, "/write")
	a.Do(t, b, "/write")

	p.Cut()
	for _, path := range []string{"/read", "/write"} {
		if status, body := a.Do(t, b, path); status != http.StatusServiceUnavailable {
			t.Errorf("%s with the database cut off: status %d, body %q; want 503 from the error handler", path, status, body)
		}
	}
	if a.Errors() < 2 {
		t.Errorf("the error handler ran %d times, want 2", a.Errors())
	}
	if status, body := a.Do(t, &conformance.Client{}, "/read"); status != http.StatusOK || body != "n=0 new=true" {
		t.Errorf("a request without a cookie during the outage: status %d, body %q; want 200 (no store access)", status, body)
	}

	p.Restore()
	if status, body := a.Do(t, b, "/read"); status != http.StatusOK || body != "n=2 new=false" {
		t.Errorf("after the database came back: status %d, body %q; want 200 n=2", status, body)
	}
	if status, body := a.Do(t, b, "/write"); status != http.StatusOK || body != "n=3" {
		t.Errorf("writing after the outage: status %d, body %q; want n=3", status, body)
	}
}

// testShared runs conformance.TestSharedStore: two servers sharing one
// table, each with a database handle and a store of its own; a restart;
// the round trips of each operation, counted by the kit's proxy (or, for
// a dialect without a round-trip counter, its statements).
func testShared(t *testing.T, k *kit) {
	conformance.TestSharedStore(t, conformance.SharedStore{
		Open: func(t *testing.T) session.Store { return k.newStore(t, k.open(t, k.h.Addr, &Counter{})) },
		Reopen: func(t *testing.T, s session.Store) session.Store {
			return k.sibling(t, s.(*sqlstore.Store), k.open(t, k.h.Addr, &Counter{}))
		},
		Counted: func(t *testing.T) (session.Store, func() int) {
			c := &Counter{}
			p := NewProxy(t, k.h.Addr, k.h.RoundTrips)
			db := k.open(t, p.Addr(), c)
			db.SetMaxOpenConns(1) // statements stay prepared on the one connection
			db.SetMaxIdleConns(1)
			s := k.newStore(t, db)
			if k.h.RoundTrips == nil {
				return s, func() int { return int(c.Statements()) }
			}
			return s, p.RoundTrips
		},
	})
}
