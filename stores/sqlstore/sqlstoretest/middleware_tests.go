package sqlstoretest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/sqlstore"
)

// clock is a settable clock shared by a manager and its store.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: now()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// app is a small web application on a store, served by httptest.
type app struct {
	mgr    *session.Manager[session.Map]
	srv    *httptest.Server
	client *http.Client

	mu     sync.Mutex
	events []session.EventKind
	errors int
}

func (k *kit) newApp(t testing.TB, s session.Store, opts ...session.Option) *app {
	t.Helper()
	a := &app{}
	opts = append([]session.Option{
		session.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
		session.WithEventHook(func(e session.Event) {
			a.mu.Lock()
			a.events = append(a.events, e.Kind)
			a.mu.Unlock()
		}),
		session.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, err error) {
			a.mu.Lock()
			a.errors++
			a.mu.Unlock()
			status := http.StatusServiceUnavailable
			if errors.Is(err, session.ErrTooLarge) {
				status = http.StatusInternalServerError
			}
			http.Error(w, "session store failed", status)
		}),
	}, opts...)
	mgr, err := session.New[session.Map](s, opts...)
	if err != nil {
		t.Fatalf("session.New: %v", err)
	}
	a.mgr = mgr
	mux := http.NewServeMux()
	mux.HandleFunc("/read", func(w http.ResponseWriter, r *http.Request) {
		s := mgr.Get(r)
		n, _ := s.Data().GetInt("n")
		fmt.Fprintf(w, "n=%d new=%v", n, s.IsNew())
	})
	mux.HandleFunc("/write", func(w http.ResponseWriter, r *http.Request) {
		s := mgr.Get(r)
		n, _ := s.Data().GetInt("n")
		s.Data().Set("n", n+1)
		fmt.Fprintf(w, "n=%d", n+1)
	})
	mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) {
		mgr.Get(r).Data().Set(r.FormValue("k"), r.FormValue("v"))
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		m := mgr.Get(r).Data()
		out := map[string]any{}
		for _, key := range m.Keys() {
			out[key], _ = m.Get(key)
		}
		json.NewEncoder(w).Encode(out)
	})
	mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) {
		mgr.Get(r).Destroy()
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.FormValue("n"))
		mgr.Get(r).Data().Set("big", strings.Repeat("x", n))
	})
	mux.HandleFunc("/bigsize", func(w http.ResponseWriter, r *http.Request) {
		v, _ := mgr.Get(r).Data().GetString("big")
		fmt.Fprint(w, len(v))
	})
	a.srv = httptest.NewServer(mgr.Handler(mux))
	t.Cleanup(a.srv.Close)
	a.client = &http.Client{Transport: a.srv.Client().Transport, Timeout: 30 * time.Second}
	return a
}

func (a *app) sawEvent(k session.EventKind) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, e := range a.events {
		if e == k {
			return true
		}
	}
	return false
}

func (a *app) errorCount() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.errors
}

// browser holds one client's session cookie.
type browser struct {
	mu    sync.Mutex
	token string
}

func (b *browser) get() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.token
}

// do sends a GET of path to a with b's cookie, keeps the cookie the
// response sets, and returns the status and body.
func (a *app) do(t testing.TB, b *browser, path string) (int, string) {
	t.Helper()
	status, body, err := a.try(b, path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return status, body
}

func (a *app) try(b *browser, path string) (int, string, error) {
	req, err := http.NewRequest(http.MethodGet, a.srv.URL+path, nil)
	if err != nil {
		return 0, "", err
	}
	if tok := b.get(); tok != "" {
		req.AddCookie(&http.Cookie{Name: a.mgr.CookieName(), Value: tok})
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, "", err
	}
	for _, c := range resp.Cookies() {
		if c.Name != a.mgr.CookieName() {
			continue
		}
		b.mu.Lock()
		if c.MaxAge < 0 {
			b.token = ""
		} else {
			b.token = c.Value
		}
		b.mu.Unlock()
	}
	return resp.StatusCode, string(body), nil
}

// testMiddlewareStatements counts the statements (and round trips) of
// requests through the core middleware: none without a cookie, one for a
// read-only request, two for a write.
func testMiddlewareStatements(t *testing.T, k *kit) {
	clk := newClock()
	c := &Counter{}
	p := NewProxy(t, k.h.Addr, k.h.RoundTrips)
	db := k.open(t, p.Addr(), c)
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	s := k.newStore(t, db, sqlstore.WithClock(clk.Now))
	a := k.newApp(t, s, session.WithExpiry(session.Expiry{Idle: 30 * time.Minute}), session.WithClock(clk.Now))

	// Warm up: prepare the insert, load, update and touch statements.
	b := &browser{}
	a.do(t, b, "/write")
	a.do(t, b, "/write")
	clk.Advance(2 * time.Minute)
	a.do(t, b, "/read")

	steps := []struct {
		name    string
		b       *browser
		path    string
		advance time.Duration
		want    int
	}{
		{"no cookie, nothing to store", &browser{}, "/read", 0, 0},
		{"new session", &browser{}, "/write", 0, 1},
		{"read-only", b, "/read", 0, 1},
		{"write", b, "/write", 0, 2},
		{"read-only after a write", b, "/read", 0, 1},
		{"read-only after the touch interval", b, "/read", 2 * time.Minute, 2},
		{"read-only, touch throttled", b, "/read", 10 * time.Second, 1},
	}
	for _, st := range steps {
		clk.Advance(st.advance)
		s0, p0, r0 := c.Statements(), c.Prepares(), p.RoundTrips()
		if status, body := a.do(t, st.b, st.path); status != http.StatusOK {
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
	a := k.newApp(t, s)
	token, key := newToken(t)
	n := now()
	d := k.h.Dialect
	k.exec(t, "INSERT INTO "+s.Names().Table+" (session_key, user_name, data, created, accessed, expires, version) VALUES (?, ?, ?, ?, ?, ?, ?)",
		key, "victim", []byte("\x00\xff\x13 garbage, not a session"), d.TimeValue(n), d.TimeValue(n), d.TimeValue(n.Add(time.Hour)), 1)
	b := &browser{token: token}
	status, body := a.do(t, b, "/read")
	if status != http.StatusOK || body != "n=0 new=true" {
		t.Fatalf("a request whose row holds garbage: status %d, body %q; want 200 and a fresh session", status, body)
	}
	if !a.sawEvent(session.EventUndecodable) {
		t.Error("no EventUndecodable reported")
	}
	if _, err := s.Load(ctxT(t), key); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("the garbage row is still there: Load = %v", err)
	}
	if status, body := a.do(t, b, "/write"); status != http.StatusOK || body != "n=1" {
		t.Errorf("writing after a garbage row: status %d, body %q", status, body)
	}
	if b.get() == token {
		t.Error("the fresh session kept the token of the garbage row")
	}
}

// testMiddlewareSizeCap stores a session just under the manager's size
// cap, and checks that one over it is refused without touching the stored
// one.
func testMiddlewareSizeCap(t *testing.T, k *kit) {
	db := k.open(t, k.h.Addr, &Counter{})
	s := k.newStore(t, db)
	a := k.newApp(t, s)
	b := &browser{}
	size := session.DefaultMaxSize - 512
	if status, body := a.do(t, b, "/big?n="+strconv.Itoa(size)); status != http.StatusOK {
		t.Fatalf("a session of %d bytes: status %d: %s", size, status, body)
	}
	if _, body := a.do(t, b, "/bigsize"); body != strconv.Itoa(size) {
		t.Errorf("a value of %d bytes came back as %s bytes", size, body)
	}
	if status, _ := a.do(t, b, "/big?n="+strconv.Itoa(session.DefaultMaxSize+1)); status != http.StatusInternalServerError {
		t.Errorf("a session over the size cap: status %d, want 500", status)
	}
	if _, body := a.do(t, b, "/bigsize"); body != strconv.Itoa(size) {
		t.Errorf("after a refused save, the stored value holds %s bytes, want %d", body, size)
	}
}

// twoServers returns two apps, each with its own database handle and
// store, sharing one table: two application servers.
func (k *kit) twoServers(t *testing.T) (*app, *app, *sqlstore.Store) {
	dbA := k.open(t, k.h.Addr, &Counter{})
	dbB := k.open(t, k.h.Addr, &Counter{})
	sA := k.newStore(t, dbA)
	sB := k.sibling(t, sA, dbB)
	return k.newApp(t, sA), k.newApp(t, sB), sA
}

// testTwoServersMerge sends 20 concurrent requests, alternating between two
// servers, each changing a different key of one session: all 20 persist.
func testTwoServersMerge(t *testing.T, k *kit) {
	a, b, _ := k.twoServers(t)
	br := &browser{}
	if status, _ := a.do(t, br, "/set?k=init&v=yes"); status != http.StatusOK {
		t.Fatalf("creating the session: status %d", status)
	}
	token := br.get()
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
			status, body, err := srv.try(&browser{token: token}, fmt.Sprintf("/set?k=k%02d&v=%d", i, i))
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
	_, body := b.do(t, &browser{token: token}, "/get")
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

// testTwoServersLogoutRace races a logout on one server against a write on
// the other: the session stays deleted whichever commits first.
func testTwoServersLogoutRace(t *testing.T, k *kit) {
	a, b, store := k.twoServers(t)
	for round := 0; round < 10; round++ {
		br := &browser{}
		if status, _ := a.do(t, br, "/set?k=x&v=1"); status != http.StatusOK {
			t.Fatalf("round %d: creating the session: status %d", round, status)
		}
		token := br.get()
		var wg sync.WaitGroup
		wg.Add(2)
		var logoutStatus, writeStatus int
		var logoutErr, writeErr error
		go func() {
			defer wg.Done()
			logoutStatus, _, logoutErr = a.try(&browser{token: token}, "/logout")
		}()
		go func() {
			defer wg.Done()
			writeStatus, _, writeErr = b.try(&browser{token: token}, "/set?k=y&v=2")
		}()
		wg.Wait()
		if logoutErr != nil || writeErr != nil || logoutStatus != http.StatusOK || writeStatus != http.StatusOK {
			t.Fatalf("round %d: logout %d %v, write %d %v", round, logoutStatus, logoutErr, writeStatus, writeErr)
		}
		key := keyOf(token)
		if _, err := store.Load(ctxT(t), key); !errors.Is(err, session.ErrNotFound) {
			t.Errorf("round %d: after a logout raced a write, the session is back: Load = %v", round, err)
		}
		if _, body := b.do(t, &browser{token: token}, "/get"); body != "{}\n" {
			t.Errorf("round %d: after logout, the old cookie still finds data: %s", round, body)
		}
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
	a := k.newApp(t, s)
	b := &browser{}
	a.do(t, b, "/write")
	a.do(t, b, "/write")

	p.Cut()
	for _, path := range []string{"/read", "/write"} {
		if status, body := a.do(t, b, path); status != http.StatusServiceUnavailable {
			t.Errorf("%s with the database cut off: status %d, body %q; want 503 from the error handler", path, status, body)
		}
	}
	if a.errorCount() < 2 {
		t.Errorf("the error handler ran %d times, want 2", a.errorCount())
	}
	if status, body := a.do(t, &browser{}, "/read"); status != http.StatusOK || body != "n=0 new=true" {
		t.Errorf("a request without a cookie during the outage: status %d, body %q; want 200 (no store access)", status, body)
	}

	p.Restore()
	if status, body := a.do(t, b, "/read"); status != http.StatusOK || body != "n=2 new=false" {
		t.Errorf("after the database came back: status %d, body %q; want 200 n=2", status, body)
	}
	if status, body := a.do(t, b, "/write"); status != http.StatusOK || body != "n=3" {
		t.Errorf("writing after the outage: status %d, body %q; want n=3", status, body)
	}
}
