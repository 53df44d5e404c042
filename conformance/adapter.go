package conformance

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"iter"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/memstore"
)

// Route is one endpoint of the application TestAdapter drives. The adapter
// serves it on its router at Method and Path, behind its session
// middleware, and calls Handle with the session its own getter returns.
type Route struct {
	Method string // "GET" or "POST"
	Path   string // a fixed path such as "/set"
	// Handle serves the route with the session the adapter's getter returned.
	Handle func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map])
}

// Routes is the application TestAdapter drives.
type Routes []Route

// NewAdapterFunc builds the router under test: the adapter's middleware
// for m, and every route of routes on the adapter's router.
type NewAdapterFunc func(t *testing.T, m *session.Manager[session.Map], routes Routes) http.Handler

// NetHTTP is the NewAdapterFunc of the core's own net/http middleware:
// the routes on an [http.ServeMux] behind [session.Manager.Handler], with
// no router but the standard library's. A store's tests pass it to
// [TestAdapterOn] to run the whole request lifecycle over the store
// without depending on any router module.
func NetHTTP(t *testing.T, m *session.Manager[session.Map], routes Routes) http.Handler {
	mux := http.NewServeMux()
	for _, rt := range routes {
		mux.HandleFunc(rt.Method+" "+rt.Path, func(w http.ResponseWriter, r *http.Request) {
			rt.Handle(w, r, m.Get(r))
		})
	}
	return m.Handler(mux)
}

// TestAdapter checks that an adapter puts a router in front of the core's
// session lifecycle without changing it. It drives the handler newHandler
// builds through a real HTTP server, with one named subtest per property.
//
// The routes, all answering 200 text/plain unless said otherwise:
//
//	GET  /nothing        touches nothing
//	GET  /get?key=K      writes the value of K (a string), or nothing
//	GET  /set?key=K&value=V  sets K to V, writes "ok"
//	GET  /user           writes the session's user
//	POST /login?user=U   SetUser(U)
//	POST /renew          Renew
//	POST /logout         Destroy
//	GET  /stream         sets "streamed", then writes and flushes chunks
//	GET  /panic          sets "panicked", then panics
//	GET  /fail           sets "failed", then answers 500
//	GET  /late           writes the body, then sets "late"
//	GET  /hold?key=K&value=V  like /set, but waits for the test between
//	                     loading the session and changing it
//	GET  /hold?action=renew   the same, calling Renew instead
//
// The adapter's handler may add its framework's usual middleware (such as
// a recovery middleware that turns panics into 500 responses).
func TestAdapter(t *testing.T, newHandler NewAdapterFunc) {
	t.Helper()
	TestAdapterOn(t, func(t *testing.T) session.Store {
		ms := memstore.New(memstore.WithSweepInterval(0))
		t.Cleanup(func() { ms.Close() })
		return ms
	}, newHandler)
}

// TestAdapterOn is TestAdapter with the sessions kept in the stores that
// newStore returns (one per subtest, set up, with its own cleanup), so that
// a store can show it works behind the whole request lifecycle.
func TestAdapterOn(t *testing.T, newStore func(t *testing.T) session.Store, newHandler NewAdapterFunc) {
	newApp := func(t *testing.T, newHandler NewAdapterFunc, opts ...session.Option) *app {
		t.Helper()
		return startApp(t, newStore(t), newHandler, opts...)
	}
	t.Run("AnonymousUntouched", func(t *testing.T) {
		a := newApp(t, newHandler)
		for _, path := range []string{"/nothing", "/get?key=a", "/user"} {
			res := a.client().get(path)
			if sc := res.Header.Values("Set-Cookie"); len(sc) != 0 {
				t.Errorf("GET %s without a cookie set a cookie: %q", path, sc)
			}
		}
		if n := a.store.calls(); n != 0 {
			t.Errorf("anonymous requests made %d store calls, want 0", n)
		}
	})

	t.Run("CookieAttributes", func(t *testing.T) {
		a := newApp(t, newHandler)
		res := a.client().get("/set?key=a&value=1")
		sc := res.Header.Values("Set-Cookie")
		if len(sc) != 1 {
			t.Fatalf("Set-Cookie headers = %q, want one", sc)
		}
		c := sc[0]
		name, rest, _ := strings.Cut(c, "=")
		value, _, _ := strings.Cut(rest, ";")
		if name != a.mgr.CookieName() || len(value) != 43 {
			t.Errorf("cookie %q: want name %q and a 43-character token", c, a.mgr.CookieName())
		}
		for _, want := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
			if !strings.Contains(c, want) {
				t.Errorf("cookie %q lacks %s", c, want)
			}
		}
		for _, unwanted := range []string{"Max-Age", "Expires", "Secure"} {
			if strings.Contains(c, unwanted) {
				t.Errorf("cookie %q has %s; want a non-persistent cookie without Secure over plain HTTP", c, unwanted)
			}
		}
		if got := res.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store on a response that sets the cookie", got)
		}
		if !headerHas(res.Header, "Vary", "Cookie") {
			t.Errorf("Vary = %q, want it to name Cookie", res.Header.Values("Vary"))
		}
	})

	t.Run("PersistAcrossRequests", func(t *testing.T) {
		a := newApp(t, newHandler)
		c := a.client()
		c.get("/set?key=a&value=1")
		c.get("/set?key=b&value=2")
		writes := a.store.writes()
		for _, kv := range [][2]string{{"a", "1"}, {"b", "2"}} {
			res := c.get("/get?key=" + kv[0])
			if got := readBody(t, res); got != kv[1] {
				t.Errorf("get %s = %q, want %q", kv[0], got, kv[1])
			}
			if sc := res.Header.Values("Set-Cookie"); len(sc) != 0 {
				t.Errorf("a read-only request set a cookie: %q", sc)
			}
		}
		if w := a.store.writes(); w != writes {
			t.Errorf("read-only requests made %d store writes, want 0", w-writes)
		}
		if n := a.store.loadsFor(c.token); n == 0 {
			t.Error("no store load for a request with a session cookie")
		}
	})

	t.Run("SetUserRenews", func(t *testing.T) {
		a := newApp(t, newHandler)
		c := a.client()
		c.get("/set?key=a&value=1")
		old := c.token
		c.post("/login?user=ann")
		if c.token == old || c.token == "" {
			t.Fatal("SetUser did not renew the token")
		}
		if got := readBody(t, c.get("/user")); got != "ann" {
			t.Errorf("user = %q, want ann", got)
		}
		if got := readBody(t, c.get("/get?key=a")); got != "1" {
			t.Errorf("data after login = %q, want 1", got)
		}
		stale := a.clientWith(old)
		if got := readBody(t, stale.get("/user")); got != "" {
			t.Errorf("the old token still gives user %q", got)
		}
		if a.store.has(old) {
			t.Error("the old record is still stored")
		}
	})

	t.Run("Renew", func(t *testing.T) {
		a := newApp(t, newHandler)
		c := a.client()
		c.get("/set?key=a&value=1")
		old := c.token
		c.post("/renew")
		if c.token == old || c.token == "" {
			t.Fatal("Renew did not send a new token")
		}
		if got := readBody(t, c.get("/get?key=a")); got != "1" {
			t.Errorf("data after renewal = %q, want 1", got)
		}
		if got := readBody(t, a.clientWith(old).get("/get?key=a")); got != "" {
			t.Error("the old token still works after Renew")
		}
	})

	t.Run("DestroyDeletesAndRevokes", func(t *testing.T) {
		a := newApp(t, newHandler)
		c := a.client()
		c.post("/login?user=bob")
		tok := c.token
		res := c.post("/logout")
		sc := strings.Join(res.Header.Values("Set-Cookie"), "\n")
		if !strings.Contains(sc, "Max-Age=0") {
			t.Errorf("logout Set-Cookie %q does not revoke the cookie", sc)
		}
		if a.store.has(tok) {
			t.Error("Destroy left the record in the store")
		}
		if got := readBody(t, a.clientWith(tok).get("/user")); got != "" {
			t.Errorf("the destroyed token still gives user %q", got)
		}
	})

	t.Run("IdleExpiry", func(t *testing.T) {
		a := newApp(t, newHandler, session.WithIdleTimeout(10*time.Minute), session.WithTouchInterval(time.Minute))
		c := a.client()
		c.get("/set?key=a&value=1")
		for i := 0; i < 5; i++ { // activity keeps it alive past the idle timeout
			a.clock.advance(5 * time.Minute)
			if got := readBody(t, c.get("/get?key=a")); got != "1" {
				t.Fatalf("after %d active periods: %q, want 1", i+1, got)
			}
		}
		a.clock.advance(11 * time.Minute)
		if got := readBody(t, c.get("/get?key=a")); got != "" {
			t.Errorf("an idle session is still alive: %q", got)
		}
	})

	t.Run("AbsoluteExpiry", func(t *testing.T) {
		a := newApp(t, newHandler, session.WithLifetime(time.Hour), session.WithIdleTimeout(30*time.Minute))
		c := a.client()
		c.get("/set?key=a&value=1")
		for i := 0; i < 5; i++ {
			a.clock.advance(10 * time.Minute)
			c.get("/set?key=b&value=" + fmt.Sprint(i))
		}
		a.clock.advance(11 * time.Minute)
		if got := readBody(t, c.get("/get?key=a")); got != "" {
			t.Errorf("a session older than its lifetime is still alive: %q", got)
		}
	})

	t.Run("PanicSavesNothing", func(t *testing.T) {
		a := newApp(t, newHandler)
		c := a.client()
		c.get("/set?key=a&value=1")
		writes := a.store.writes()
		c.tryGet("/panic")
		if got := readBody(t, c.get("/get?key=panicked")); got != "" {
			t.Errorf("a panicking handler's change was saved: %q", got)
		}
		if w := a.store.writes(); w != writes {
			t.Errorf("a panicking request made %d store writes", w-writes)
		}
		anon := a.client()
		anon.tryGet("/panic")
		if anon.token != "" {
			t.Error("a panicking anonymous request got a session cookie")
		}
	})

	t.Run("ServerErrorSavesNothing", func(t *testing.T) {
		a := newApp(t, newHandler)
		c := a.client()
		c.get("/set?key=a&value=1")
		writes := a.store.writes()
		res := c.get("/fail")
		if res.StatusCode != http.StatusInternalServerError {
			t.Errorf("/fail status %d, want 500", res.StatusCode)
		}
		if sc := res.Header.Values("Set-Cookie"); len(sc) != 0 {
			t.Errorf("a 500 response set a cookie: %q", sc)
		}
		if got := readBody(t, c.get("/get?key=failed")); got != "" {
			t.Errorf("a 500 response's change was saved: %q", got)
		}
		if w := a.store.writes(); w != writes {
			t.Errorf("a 500 request made %d store writes", w-writes)
		}
	})

	t.Run("StreamingGetsItsCookie", func(t *testing.T) {
		a := newApp(t, newHandler)
		c := a.client()
		res, err := c.send("GET", "/stream", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if len(res.Header.Values("Set-Cookie")) != 1 {
			t.Fatalf("a streamed response has Set-Cookie %q, want one", res.Header.Values("Set-Cookie"))
		}
		// The first chunk arrives while the handler still waits for us: the
		// body is not buffered behind the session's commit.
		buf := make([]byte, len("chunk-1\n"))
		if _, err := io.ReadFull(res.Body, buf); err != nil || string(buf) != "chunk-1\n" {
			t.Fatalf("first chunk %q, %v", buf, err)
		}
		close(a.streamGo)
		rest, _ := io.ReadAll(res.Body)
		if string(rest) != "chunk-2\n" {
			t.Errorf("rest of the stream %q", rest)
		}
		c.keep(res)
		if got := readBody(t, c.get("/get?key=streamed")); got != "yes" {
			t.Errorf("the streamed request's session change was lost: %q", got)
		}
	})

	t.Run("WriteBeforeTouch", func(t *testing.T) {
		a := newApp(t, newHandler)
		anon := a.client()
		res := anon.get("/late")
		if got := readBody(t, res); got != "early" {
			t.Errorf("/late body %q", got)
		}
		if sc := res.Header.Values("Set-Cookie"); len(sc) != 0 {
			t.Errorf("a change after the first byte set a cookie: %q", sc)
		}
		if n := a.store.writes(); n != 0 {
			t.Errorf("a change after the first byte made %d store writes", n)
		}
	})

	t.Run("ConcurrentWritesMerge", func(t *testing.T) {
		a := newApp(t, newHandler)
		c := a.client()
		c.get("/set?key=start&value=1")
		const n = 20
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a.clientWith(c.token).get(fmt.Sprintf("/set?key=k%d&value=v%d", i, i))
			}()
		}
		wg.Wait()
		lost := 0
		for i := 0; i < n; i++ {
			if got := readBody(t, c.get(fmt.Sprintf("/get?key=k%d", i))); got != fmt.Sprintf("v%d", i) {
				lost++
			}
		}
		if lost > 0 {
			t.Errorf("%d of %d concurrent writes to different keys were lost", lost, n)
		}
	})

	t.Run("LogoutRacesWrite", func(t *testing.T) {
		a := newApp(t, newHandler)
		c := a.client()
		c.post("/login?user=carol")
		tok := c.token
		w := a.clientWith(tok)
		done := a.hold(w, "/hold?key=x&value=1")
		if res := c.post("/logout"); res.StatusCode != http.StatusOK {
			t.Fatalf("logout status %d", res.StatusCode)
		}
		res := done()
		if a.store.has(tok) {
			t.Fatal("a write in flight recreated a destroyed session")
		}
		if w.token != tok && w.token != "" {
			// A fresh session for the writer is acceptable; the old token is not.
			t.Logf("the in-flight writer got a new session")
		}
		for _, sc := range res.Header.Values("Set-Cookie") {
			if strings.Contains(sc, tok) {
				t.Errorf("the in-flight writer was sent the destroyed token again: %q", sc)
			}
		}
		if got := readBody(t, a.clientWith(tok).get("/user")); got != "" {
			t.Errorf("the destroyed token gives user %q", got)
		}
	})

	t.Run("RenewRacesWrite", func(t *testing.T) {
		a := newApp(t, newHandler)
		c := a.client()
		c.post("/login?user=dan")
		old := c.token
		w := a.clientWith(old)
		done := a.hold(w, "/hold?key=x&value=1")
		c.post("/renew")
		if c.token == old {
			t.Fatal("Renew did not send a new token")
		}
		res := done()
		if a.store.has(old) {
			t.Fatal("a write in flight recreated a renewed-away record")
		}
		for _, sc := range res.Header.Values("Set-Cookie") {
			if strings.Contains(sc, old) {
				t.Errorf("the in-flight writer was sent the old token again: %q", sc)
			}
		}
		if got := readBody(t, c.get("/user")); got != "dan" {
			t.Errorf("user on the renewed session = %q", got)
		}
	})

	t.Run("RenewRacesLogout", func(t *testing.T) {
		a := newApp(t, newHandler)
		c := a.client()
		c.post("/login?user=erin")
		tok := c.token
		w := a.clientWith(tok)
		done := a.hold(w, "/hold?action=renew")
		if res := c.post("/logout"); res.StatusCode != http.StatusOK {
			t.Fatalf("logout status %d", res.StatusCode)
		}
		done()
		if w.token != "" && w.token != tok {
			if got := readBody(t, w.get("/user")); got != "" {
				t.Errorf("a renewal in flight undid the logout: its new token gives user %q", got)
			}
		}
		n := 0
		for e, err := range a.store.Store.List(context.Background(), session.Filter{User: "erin"}) {
			if err != nil {
				t.Fatal(err)
			}
			if e.Record.Expires.After(time.Now()) {
				n++
			}
		}
		if n != 0 {
			t.Errorf("%d live sessions of the logged-out user after a renewal raced the logout", n)
		}
	})

	t.Run("FailedCommitDropsHandlerHeaders", func(t *testing.T) {
		a := newApp(t, newHandler)
		c := a.client()
		c.get("/set?key=a&value=1")
		a.store.failSaves.Store(true)
		res := c.get("/headers")
		a.store.failSaves.Store(false)
		if res.StatusCode < 500 {
			t.Fatalf("status %d when the commit failed, want the error handler's 5xx", res.StatusCode)
		}
		for _, h := range []string{"Location", "X-Handler", "Etag"} {
			if v := res.Header.Values(h); len(v) != 0 {
				t.Errorf("the error response carries the handler's %s: %q", h, v)
			}
		}
		for _, sc := range res.Header.Values("Set-Cookie") {
			if strings.HasPrefix(sc, "handler=") {
				t.Errorf("the error response carries the handler's cookie %q", sc)
			}
		}
		if cc := res.Header.Get("Cache-Control"); strings.Contains(cc, "public") {
			t.Errorf("the error response carries the handler's Cache-Control %q", cc)
		}
		if !headerHas(res.Header, "Vary", "Cookie") {
			t.Errorf("the error response to a request with a cookie: Vary %q, want Cookie", res.Header.Values("Vary"))
		}
	})

	t.Run("LogoutAfterTombstone", func(t *testing.T) {
		a := newApp(t, newHandler)
		c := a.client()
		c.post("/login?user=fay")
		tok := c.token
		other := a.clientWith(tok)
		a.store.afterTombstone(func() { other.post("/logout") })
		c.post("/renew")
		if c.token != "" && c.token != tok {
			if got := readBody(t, c.get("/user")); got != "" {
				t.Errorf("a logout that landed after the renewal's tombstone was lost: the new token gives user %q", got)
			}
		}
		n := 0
		for e, err := range a.store.Store.List(context.Background(), session.Filter{User: "fay"}) {
			if err != nil {
				t.Fatal(err)
			}
			if e.Record.Expires.After(time.Now()) && len(e.Record.Data) > 0 {
				n++
			}
		}
		if n != 0 {
			t.Errorf("%d live sessions of the logged-out user", n)
		}
	})

	t.Run("StoreFailureOnLoad", func(t *testing.T) {
		a := newApp(t, newHandler)
		c := a.client()
		c.get("/set?key=a&value=1")
		a.store.fail.Store(true)
		before := a.handled.Load()
		res := c.get("/get?key=a")
		if res.StatusCode < 500 {
			t.Errorf("status %d while the store fails, want the error handler's 5xx", res.StatusCode)
		}
		if a.handled.Load() != before {
			t.Error("the handler ran with a blank session while the store failed")
		}
		a.store.fail.Store(false)
		if got := readBody(t, c.get("/get?key=a")); got != "1" {
			t.Errorf("after the store recovered: %q, want 1", got)
		}
	})

	t.Run("BadCookies", func(t *testing.T) {
		a := newApp(t, newHandler)
		name := a.mgr.CookieName()
		bad := map[string]string{
			"empty":      "",
			"whitespace": "   ",
			"42 chars":   strings.Repeat("A", 42),
			"44 chars":   strings.Repeat("A", 44),
			"10 KB":      strings.Repeat("A", 10<<10),
			"plus":       strings.Repeat("A", 42) + "+",
			"slash":      strings.Repeat("A", 42) + "/",
			"equals":     strings.Repeat("A", 42) + "=",
			"dot":        strings.Repeat("A", 42) + ".",
			"percent":    strings.Repeat("A", 42) + "%",
			"comma":      strings.Repeat("A", 42) + ",",
			"space":      strings.Repeat("A", 21) + " " + strings.Repeat("A", 21),
			"dotdot":     "..",
			"traversal":  "../x",
			"a/b":        "a/b",
			"backslash":  `a\b`,
			"non-ASCII":  strings.Repeat("A", 40) + "é",
			"padded":     strings.Repeat("A", 42) + "B", // stray low bits
		}
		for label, v := range bad {
			calls := a.store.calls()
			c := a.client()
			res, err := c.sendRaw("GET", "/get?key=a", name+"="+v)
			if err != nil {
				t.Errorf("%s: %v", label, err)
				continue
			}
			if res.StatusCode != http.StatusOK || readBody(t, res) != "" {
				t.Errorf("%s: status %d, want 200 and a fresh session", label, res.StatusCode)
			}
			if n := a.store.calls() - calls; n != 0 {
				t.Errorf("%s: %d store calls for a malformed cookie, want 0", label, n)
			}
		}
		// A well-formed token that was never issued gets a fresh session,
		// under a new token: a client cannot choose its session's token.
		forged := strings.Repeat("A", 43)
		c := a.clientWith(forged)
		c.get("/set?key=a&value=1")
		if c.token == forged || c.token == "" {
			t.Errorf("a forged token was adopted (token %q)", c.token)
		}
		if a.store.has(forged) {
			t.Error("a record was stored under the forged token")
		}
	})
}

// app is one subtest's server.
type app struct {
	t        *testing.T
	mgr      *session.Manager[session.Map]
	store    *countingStore
	clock    *fakeClock
	srv      *httptest.Server
	handled  atomic.Int64 // handler runs, by routes that read the session
	streamGo chan struct{}
	holdMu   sync.Mutex
	holdIn   chan struct{}
	holdGo   chan struct{}
}

func startApp(t *testing.T, store session.Store, newHandler NewAdapterFunc, opts ...session.Option) *app {
	t.Helper()
	a := &app{t: t, store: &countingStore{Store: store}, clock: &fakeClock{now: time.Now()}, streamGo: make(chan struct{})}
	opts = append([]session.Option{session.WithClock(a.clock.Now), session.WithLogger(discardLogger())}, opts...)
	m, err := session.New[session.Map](a.store, opts...)
	if err != nil {
		t.Fatal(err)
	}
	a.mgr = m
	a.srv = httptest.NewUnstartedServer(newHandler(t, m, a.routes()))
	a.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	a.srv.Start()
	t.Cleanup(a.srv.Close)
	return a
}

func (a *app) routes() Routes {
	text := func(w http.ResponseWriter) { w.Header().Set("Content-Type", "text/plain; charset=utf-8") }
	return Routes{
		{"GET", "/nothing", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			text(w)
		}},
		{"GET", "/get", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			a.handled.Add(1)
			text(w)
			v, _ := s.Data().GetString(r.URL.Query().Get("key"))
			io.WriteString(w, v)
		}},
		{"GET", "/set", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			a.handled.Add(1)
			text(w)
			s.Data().Set(r.URL.Query().Get("key"), r.URL.Query().Get("value"))
			io.WriteString(w, "ok")
		}},
		{"GET", "/user", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			a.handled.Add(1)
			text(w)
			io.WriteString(w, s.User())
		}},
		{"POST", "/login", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			text(w)
			if err := s.SetUser(r.URL.Query().Get("user")); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
			}
		}},
		{"POST", "/renew", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			text(w)
			if err := s.Renew(); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
			}
		}},
		{"POST", "/logout", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			text(w)
			s.Destroy()
		}},
		{"GET", "/stream", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			text(w)
			s.Data().Set("streamed", "yes")
			io.WriteString(w, "chunk-1\n")
			if err := http.NewResponseController(w).Flush(); err != nil {
				a.t.Errorf("Flush through the adapter: %v", err)
				return
			}
			select {
			case <-a.streamGo:
			case <-time.After(10 * time.Second):
				a.t.Error("the test never read the first chunk: the response was buffered")
			}
			io.WriteString(w, "chunk-2\n")
		}},
		{"GET", "/panic", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			s.Data().Set("panicked", "yes")
			panic("conformance: deliberate panic")
		}},
		{"GET", "/headers", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			h := w.Header()
			h.Set("Location", "/elsewhere")
			h.Set("X-Handler", "yes")
			h.Set("Etag", `"v1"`)
			h.Set("Cache-Control", "public, max-age=3600")
			h.Add("Set-Cookie", "handler=1; Path=/")
			s.Data().Set("headers", "yes")
			w.WriteHeader(http.StatusFound)
		}},
		{"GET", "/fail", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			s.Data().Set("failed", "yes")
			http.Error(w, "deliberate failure", http.StatusInternalServerError)
		}},
		{"GET", "/late", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			text(w)
			io.WriteString(w, "early")
			s.Data().Set("late", "yes")
		}},
		{"GET", "/hold", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			text(w)
			a.holdMu.Lock()
			in, goOn := a.holdIn, a.holdGo
			a.holdMu.Unlock()
			close(in)
			select {
			case <-goOn:
			case <-time.After(10 * time.Second):
				a.t.Error("/hold was never released")
			}
			if r.URL.Query().Get("action") == "renew" {
				if err := s.Renew(); err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
				}
				return
			}
			s.Data().Set(r.URL.Query().Get("key"), r.URL.Query().Get("value"))
		}},
	}
}

// hold starts a request to a /hold route from c and returns once its
// handler has loaded the session; calling the returned function lets the
// handler go on and waits for its response.
func (a *app) hold(c *client, path string) func() *http.Response {
	a.holdMu.Lock()
	a.holdIn, a.holdGo = make(chan struct{}), make(chan struct{})
	in, goOn := a.holdIn, a.holdGo
	a.holdMu.Unlock()
	type result struct {
		res *http.Response
		err error
	}
	ch := make(chan result, 1)
	go func() {
		res, err := c.send("GET", path, nil)
		ch <- result{res, err}
	}()
	select {
	case <-in:
	case <-time.After(10 * time.Second):
		a.t.Fatal("/hold handler never started")
	}
	return func() *http.Response {
		close(goOn)
		r := <-ch
		if r.err != nil {
			a.t.Fatalf("held request: %v", r.err)
		}
		body, _ := io.ReadAll(r.res.Body)
		r.res.Body.Close()
		r.res.Body = io.NopCloser(strings.NewReader(string(body)))
		c.keep(r.res)
		return r.res
	}
}

// client is a browser with one cookie: the session's.
type client struct {
	a     *app
	token string
}

func (a *app) client() *client               { return &client{a: a} }
func (a *app) clientWith(tok string) *client { return &client{a: a, token: tok} }

func (c *client) send(method, path string, body io.Reader) (*http.Response, error) {
	cookie := ""
	if c.token != "" {
		cookie = c.a.mgr.CookieName() + "=" + c.token
	}
	return c.sendRaw(method, path, cookie)
}

func (c *client) sendRaw(method, path, cookie string) (*http.Response, error) {
	req, err := http.NewRequest(method, c.a.srv.URL+path, nil)
	if err != nil {
		return nil, err
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	return c.a.srv.Client().Do(req)
}

// keep takes the session cookie a response sets.
func (c *client) keep(res *http.Response) {
	for _, ck := range res.Cookies() {
		if ck.Name != c.a.mgr.CookieName() {
			continue
		}
		if ck.MaxAge < 0 || ck.Value == "" {
			c.token = ""
		} else {
			c.token = ck.Value
		}
	}
}

func (c *client) do(method, path string) *http.Response {
	c.a.t.Helper()
	res, err := c.send(method, path, nil)
	if err != nil {
		c.a.t.Fatalf("%s %s: %v", method, path, err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	res.Body = io.NopCloser(strings.NewReader(string(body)))
	c.keep(res)
	return res
}

func (c *client) get(path string) *http.Response  { c.a.t.Helper(); return c.do("GET", path) }
func (c *client) post(path string) *http.Response { c.a.t.Helper(); return c.do("POST", path) }

// tryGet sends a request that may fail (a panicking handler).
func (c *client) tryGet(path string) {
	res, err := c.send("GET", path, nil)
	if err == nil {
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		c.keep(res)
	}
}

func readBody(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func headerHas(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, f := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), token) {
				return true
			}
		}
	}
	return false
}

// fakeClock is the manager's clock in the adapter suite.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

var errInjected = errors.New("conformance: injected store failure")

// countingStore counts the calls to a store and fails them on demand.
type countingStore struct {
	session.Store
	fail      atomic.Bool
	failSaves atomic.Bool
	mu        sync.Mutex
	tombHook  func()
	n         map[string]int
	loads     map[string]int
}

func (s *countingStore) count(op, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n == nil {
		s.n, s.loads = map[string]int{}, map[string]int{}
	}
	s.n[op]++
	if op == "load" {
		s.loads[key]++
	}
	if s.fail.Load() {
		return errInjected
	}
	return nil
}

func (s *countingStore) calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n["load"] + s.n["save"] + s.n["delete"] + s.n["touch"]
}

func (s *countingStore) writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n["save"] + s.n["delete"] + s.n["touch"]
}

func (s *countingStore) loadsFor(token string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loads[keyOf(token)]
}

// has reports whether a live record is stored for the token.
func (s *countingStore) has(token string) bool {
	_, err := s.Store.Load(context.Background(), keyOf(token))
	return err == nil
}

func (s *countingStore) Load(ctx context.Context, key string) (session.Record, error) {
	if err := s.count("load", key); err != nil {
		return session.Record{}, err
	}
	return s.Store.Load(ctx, key)
}

func (s *countingStore) Save(ctx context.Context, key string, r session.Record) error {
	if err := s.count("save", key); err != nil {
		return err
	}
	if s.failSaves.Load() {
		return errInjected
	}
	err := s.Store.Save(ctx, key, r)
	if err == nil && r.Version > 0 && len(r.Data) == 0 {
		s.mu.Lock()
		hook := s.tombHook
		s.tombHook = nil
		s.mu.Unlock()
		if hook != nil {
			hook()
		}
	}
	return err
}

// afterTombstone runs f once, after the next save that retires a record.
func (s *countingStore) afterTombstone(f func()) {
	s.mu.Lock()
	s.tombHook = f
	s.mu.Unlock()
}

func (s *countingStore) Delete(ctx context.Context, key string) error {
	if err := s.count("delete", key); err != nil {
		return err
	}
	return s.Store.Delete(ctx, key)
}

func (s *countingStore) Touch(ctx context.Context, key string, accessed, expires time.Time) error {
	if err := s.count("touch", key); err != nil {
		return err
	}
	return s.Store.Touch(ctx, key, accessed, expires)
}

func (s *countingStore) List(ctx context.Context, f session.Filter) iter.Seq2[session.Entry, error] {
	return s.Store.List(ctx, f)
}

// keyOf is the store key of a token, as the core computes it: the
// lowercase hexadecimal SHA-256 of the token.
func keyOf(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
