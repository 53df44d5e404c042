package redisstore_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/redisstore"
)

// app is a small web application on a store, served by httptest.
type app struct {
	mgr    *session.Manager[session.Map]
	srv    *httptest.Server
	client *http.Client

	mu     sync.Mutex
	errors int
}

func newApp(t testing.TB, s session.Store, opts ...session.Option) *app {
	t.Helper()
	a := &app{}
	opts = append([]session.Option{
		session.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
		session.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, err error) {
			a.mu.Lock()
			a.errors++
			a.mu.Unlock()
			http.Error(w, "session store failed", http.StatusServiceUnavailable)
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
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		if err := mgr.Get(r).SetUser(r.FormValue("u")); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) {
		mgr.Get(r).Destroy()
	})
	a.srv = httptest.NewServer(mgr.Handler(mux))
	t.Cleanup(a.srv.Close)
	a.client = &http.Client{Transport: a.srv.Client().Transport, Timeout: 30 * time.Second}
	return a
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

// TestRoundTrips counts the round trips of each store call and of
// requests through the middleware with a go-redis hook.
func TestRoundTrips(t *testing.T) {
	c := newClient(t)
	cnt := &counter{}
	c.AddHook(cnt)
	s := newStore(t, c)
	ctx := ctxT(t)
	if err := s.Setup(ctx); err != nil { // dials, and caches the scripts
		t.Fatal(err)
	}

	key := newKey(t)
	user := "rt-" + randomHex(t, 4)
	steps := []struct {
		name string
		want int64
		run  func() error
	}{
		{"Save (create, anonymous)", 1, func() error { return s.Save(ctx, key, live("", "a")) }},
		{"Load", 1, func() error { _, err := s.Load(ctx, key); return err }},
		{"Save (update)", 1, func() error { r := live("", "b"); r.Version = 1; return s.Save(ctx, key, r) }},
		{"Touch", 1, func() error { return s.Touch(ctx, key, now(), now().Add(time.Hour)) }},
		{"Load of a missing key", 1, func() error {
			if _, err := s.Load(ctx, newKey(t)); !errors.Is(err, session.ErrNotFound) {
				return fmt.Errorf("Load = %v, want ErrNotFound", err)
			}
			return nil
		}},
		{"Save (update, user unchanged)", 1, func() error {
			k := newKey(t)
			if err := s.Save(ctx, k, live(user, "x")); err != nil {
				return err
			}
			cnt.take()
			r := live(user, "y")
			r.Version = 1
			return s.Save(ctx, k, r)
		}},
		{"Save (create with a user: index first)", 2, func() error { return s.Save(ctx, newKey(t), live(user, "login")) }},
		{"Save (update to another user: script, index, script)", 3, func() error {
			k := newKey(t)
			if err := s.Save(ctx, k, live("", "anonymous")); err != nil {
				return err
			}
			cnt.take()
			r := live(user, "now named")
			r.Version = 1
			return s.Save(ctx, k, r)
		}},
		{"Delete", 1, func() error { return s.Delete(ctx, key) }},
	}
	for _, st := range steps {
		cnt.take()
		if err := st.run(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got := cnt.take(); got != st.want {
			t.Errorf("%s: %d round trips, want %d", st.name, got, st.want)
		}
	}

	// Through the middleware, with an idle timeout: a read-only request
	// is one round trip (the Load), a write two (Load and Save), and no
	// cookie none.
	a := newApp(t, s, session.WithExpiry(session.Expiry{Idle: 30 * time.Minute}))
	b := &browser{}
	a.do(t, b, "/write")
	for _, r := range []struct {
		path string
		b    *browser
		want int64
	}{
		{"/read", b, 1},
		{"/read", b, 1},
		{"/write", b, 2},
		{"/read", &browser{}, 0},
	} {
		cnt.take()
		if status, body := a.do(t, r.b, r.path); status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", r.path, status, body)
		}
		if got := cnt.take(); got != r.want {
			t.Errorf("GET %s: %d round trips, want %d", r.path, got, r.want)
		}
	}
}

// twoServers returns two apps on one Redis, each with a client and a
// store of its own sharing one prefix.
func twoServers(t *testing.T) (*app, *app, *redisstore.Store) {
	sA := newStore(t, newClient(t))
	sB := sibling(t, sA, newClient(t))
	return newApp(t, sA), newApp(t, sB), sA
}

// TestTwoServersMerge sends 20 concurrent requests, alternating between two
// servers, each changing a different key of one session: all 20 persist.
func TestTwoServersMerge(t *testing.T) {
	a, b, _ := twoServers(t)
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

// TestTwoServersLogoutRace races a logout on one server against a write on
// the other: the session stays deleted whichever commits first.
func TestTwoServersLogoutRace(t *testing.T) {
	a, b, store := twoServers(t)
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
		if _, err := store.Load(ctxT(t), keyOf(token)); !errors.Is(err, session.ErrNotFound) {
			t.Errorf("round %d: after a logout raced a write, the session is back: Load = %v", round, err)
		}
		if _, body := b.do(t, &browser{token: token}, "/get"); body != "{}\n" {
			t.Errorf("round %d: after logout, the old cookie still finds data: %s", round, body)
		}
	}
}
