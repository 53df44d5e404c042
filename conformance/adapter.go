package conformance

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/session2/session2/conformance/storetest"
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
//	GET  /panic-late     sets "panicked-late", writes and flushes, then panics
//	GET  /hijack         sets "hijacked", hijacks the connection and writes
//	                     its own 200 response with the session's Set-Cookie
//	GET  /headers        sets "headers" and answers 302 with a Location, its
//	                     own cookie and caching headers
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
	t.Helper()
	testAdapterOn(t, newStore, newHandler, "")
}

// TestAdapterHeaderToken is TestAdapter in header-token mode: the manager
// is built with session.WithHeaderToken("Authorization"), so the clients
// send "Authorization: Bearer <token>" and take new tokens from the
// X-Session-Token response header, and no cookie may be set. The
// properties are those of TestAdapter, with the cookie's own
// (CookieAttributes, BadCookies) replaced by the header's
// (TokenHeaderAttributes, BadTokenHeaders). Every adapter runs both.
func TestAdapterHeaderToken(t *testing.T, newHandler NewAdapterFunc) {
	t.Helper()
	TestAdapterOnHeaderToken(t, func(t *testing.T) session.Store {
		ms := memstore.New(memstore.WithSweepInterval(0))
		t.Cleanup(func() { ms.Close() })
		return ms
	}, newHandler)
}

// TestAdapterOnHeaderToken is TestAdapterHeaderToken with the sessions kept
// in the stores that newStore returns.
func TestAdapterOnHeaderToken(t *testing.T, newStore func(t *testing.T) session.Store, newHandler NewAdapterFunc) {
	t.Helper()
	testAdapterOn(t, newStore, newHandler, "Authorization")
}

// testAdapterOn runs the properties, in header-token mode when header
// names the token's request header.
func testAdapterOn(t *testing.T, newStore func(t *testing.T) session.Store, newHandler NewAdapterFunc, header string) {
	t.Helper()
	if newStore == nil || newHandler == nil {
		t.Fatal("conformance: TestAdapterOn: newStore or newHandler is nil")
	}
	for _, p := range adapterProperties {
		if header != "" {
			switch p.name {
			case "CookieAttributes":
				p = adapterProperty{"TokenHeaderAttributes", testTokenHeaderAttributes}
			case "BadCookies":
				p = adapterProperty{"BadTokenHeaders", testBadCookies}
			}
		}
		t.Run(p.name, func(t *testing.T) {
			p.test(t, func(t *testing.T, opts ...session.Option) *app {
				t.Helper()
				if header != "" {
					opts = append(opts, session.WithHeaderToken(header))
				}
				return startApp(t, newStore(t), newHandler, opts...)
			})
		})
	}
}

// appFunc starts the application under test for one subtest, on a fresh
// store, with the manager options given.
type appFunc func(t *testing.T, opts ...session.Option) *app

type adapterProperty struct {
	name string
	test func(t *testing.T, newApp appFunc)
}

// adapterProperties lists the properties in the order they run. Names are
// the subtest names, so keep them stable: adapters' CI may select them.
var adapterProperties = []adapterProperty{
	{"AnonymousUntouched", testAnonymousUntouched},
	{"CookieAttributes", testCookieAttributes},
	{"PersistAcrossRequests", testPersistAcrossRequests},
	{"SetUserRenews", testSetUserRenews},
	{"Renew", testRenew},
	{"DestroyDeletesAndRevokes", testDestroyDeletesAndRevokes},
	{"IdleExpiry", testIdleExpiry},
	{"AbsoluteExpiry", testAbsoluteExpiry},
	{"RememberMe", testRememberMe},
	{"PanicSavesNothing", testPanicSavesNothing},
	{"ServerErrorSavesNothing", testServerErrorSavesNothing},
	{"StreamingGetsItsCookie", testStreamingGetsItsCookie},
	{"WriteBeforeTouch", testWriteBeforeTouch},
	{"ConcurrentWritesMerge", testConcurrentWritesMerge},
	{"LogoutRacesWrite", testLogoutRacesWrite},
	{"RenewRacesWrite", testRenewRacesWrite},
	{"RenewRacesLogout", testRenewRacesLogout},
	{"FailedCommitDropsHandlerHeaders", testFailedCommitDropsHandlerHeaders},
	{"LogoutAfterTombstone", testLogoutAfterTombstone},
	{"StoreFailureOnLoad", testStoreFailureOnLoad},
	{"StoreHangsOnLoad", testStoreHangsOnLoad},
	{"PanicAfterFirstByteSaves", testPanicAfterFirstByteSaves},
	{"LateChangeReported", testLateChangeReported},
	{"HijackCommits", testHijackCommits},
	{"BadCookies", testBadCookies},
}

func testAnonymousUntouched(t *testing.T, newApp appFunc) {
	a := newApp(t)
	for _, path := range []string{"/nothing", "/get?key=a", "/user"} {
		res := a.client().get(path)
		if sc := a.sent(res); len(sc) != 0 {
			t.Errorf("GET %s without a cookie set a cookie: %q", path, sc)
		}
		// A page that read the session through the adapter's getter
		// depends on the cookie, anonymous or not: no shared cache may
		// serve it to a visitor who has one.
		if path != "/nothing" && !headerHas(res.Header, "Vary", a.varyName()) {
			t.Errorf("GET %s read the session without a cookie: Vary %q, want it to name %s", path, res.Header.Values("Vary"), a.varyName())
		}
	}
	if n := a.store.Calls(); n != 0 {
		t.Errorf("anonymous requests made %d store calls, want 0", n)
	}
}

func testCookieAttributes(t *testing.T, newApp appFunc) {
	a := newApp(t)
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
	if !headerHas(res.Header, "Vary", a.varyName()) {
		t.Errorf("Vary = %q, want it to name Cookie", res.Header.Values("Vary"))
	}
}

func testTokenHeaderAttributes(t *testing.T, newApp appFunc) {
	a := newApp(t)
	res := a.client().get("/set?key=a&value=1")
	name := a.mgr.TokenResponseHeader()
	if v := res.Header.Values(name); len(v) != 1 || len(v[0]) != 43 {
		t.Fatalf("%s = %q, want one 43-character token", name, v)
	}
	if sc := res.Header.Values("Set-Cookie"); len(sc) != 0 {
		t.Errorf("header-token mode set a cookie: %q", sc)
	}
	if got := res.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store on a response that sends a token", got)
	}
	if !headerHas(res.Header, "Vary", a.varyName()) {
		t.Errorf("Vary = %q, want it to name %s", res.Header.Values("Vary"), a.varyName())
	}
	// A cookie holding the token is not read in this mode.
	tok := res.Header.Get(name)
	res, err := a.client().sendRaw("GET", "/get?key=a", http.Header{"Cookie": {a.mgr.CookieName() + "=" + tok}})
	if err != nil {
		t.Fatal(err)
	}
	if got := readBody(t, res); got != "" {
		t.Errorf("the token in a cookie gave the session in header-token mode: %q", got)
	}
	if got := readBody(t, a.clientWith(tok).get("/get?key=a")); got != "1" {
		t.Errorf("the token in the header: %q, want 1", got)
	}
}

func testPersistAcrossRequests(t *testing.T, newApp appFunc) {
	a := newApp(t)
	c := a.client()
	c.get("/set?key=a&value=1")
	c.get("/set?key=b&value=2")
	writes := a.store.Writes()
	for _, kv := range [][2]string{{"a", "1"}, {"b", "2"}} {
		res := c.get("/get?key=" + kv[0])
		if got := readBody(t, res); got != kv[1] {
			t.Errorf("get %s = %q, want %q", kv[0], got, kv[1])
		}
		if sc := a.sent(res); len(sc) != 0 {
			t.Errorf("a read-only request set a cookie: %q", sc)
		}
	}
	if w := a.store.Writes(); w != writes {
		t.Errorf("read-only requests made %d store writes, want 0", w-writes)
	}
	if n := a.store.CallsFor(storetest.Load, keyOf(c.token)); n == 0 {
		t.Error("no store load for a request with a session cookie")
	}
}

func testSetUserRenews(t *testing.T, newApp appFunc) {
	a := newApp(t)
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
	if a.has(old) {
		t.Error("the old record is still stored")
	}
}

func testRenew(t *testing.T, newApp appFunc) {
	a := newApp(t)
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
}

func testDestroyDeletesAndRevokes(t *testing.T, newApp appFunc) {
	a := newApp(t)
	c := a.client()
	c.post("/login?user=bob")
	tok := c.token
	res := c.post("/logout")
	if tok, sent := a.mgr.ResponseToken(res.Header); !sent || tok != "" {
		t.Errorf("logout response %q does not revoke the token", a.sent(res))
	}
	if a.has(tok) {
		t.Error("Destroy left the record in the store")
	}
	if got := readBody(t, a.clientWith(tok).get("/user")); got != "" {
		t.Errorf("the destroyed token still gives user %q", got)
	}
}

func testIdleExpiry(t *testing.T, newApp appFunc) {
	a := newApp(t, session.WithExpiry(session.Expiry{Idle: 10 * time.Minute, TouchInterval: time.Minute}))
	c := a.client()
	c.get("/set?key=a&value=1")
	for i := 0; i < 5; i++ { // activity keeps it alive past the idle timeout
		a.clock.Advance(5 * time.Minute)
		if got := readBody(t, c.get("/get?key=a")); got != "1" {
			t.Fatalf("after %d active periods: %q, want 1", i+1, got)
		}
	}
	a.clock.Advance(11 * time.Minute)
	if got := readBody(t, c.get("/get?key=a")); got != "" {
		t.Errorf("an idle session is still alive: %q", got)
	}
}

func testAbsoluteExpiry(t *testing.T, newApp appFunc) {
	a := newApp(t, session.WithExpiry(session.Expiry{Lifetime: time.Hour, Idle: 30 * time.Minute}))
	c := a.client()
	c.get("/set?key=a&value=1")
	for i := 0; i < 5; i++ {
		a.clock.Advance(10 * time.Minute)
		c.get("/set?key=b&value=" + fmt.Sprint(i))
	}
	a.clock.Advance(11 * time.Minute)
	if got := readBody(t, c.get("/get?key=a")); got != "" {
		t.Errorf("a session older than its lifetime is still alive: %q", got)
	}
}

func testPanicSavesNothing(t *testing.T, newApp appFunc) {
	a := newApp(t)
	c := a.client()
	c.get("/set?key=a&value=1")
	writes := a.store.Writes()
	c.tryGet("/panic")
	if got := readBody(t, c.get("/get?key=panicked")); got != "" {
		t.Errorf("a panicking handler's change was saved: %q", got)
	}
	if w := a.store.Writes(); w != writes {
		t.Errorf("a panicking request made %d store writes", w-writes)
	}
	anon := a.client()
	anon.tryGet("/panic")
	if anon.token != "" {
		t.Error("a panicking anonymous request got a session cookie")
	}
}

func testServerErrorSavesNothing(t *testing.T, newApp appFunc) {
	a := newApp(t)
	c := a.client()
	c.get("/set?key=a&value=1")
	writes := a.store.Writes()
	res := c.get("/fail")
	if res.StatusCode != http.StatusInternalServerError {
		t.Errorf("/fail status %d, want 500", res.StatusCode)
	}
	if sc := a.sent(res); len(sc) != 0 {
		t.Errorf("a 500 response set a cookie: %q", sc)
	}
	if !headerHas(res.Header, "Vary", a.varyName()) {
		t.Errorf("a 500 response to a request with a cookie: Vary %q, want Cookie", res.Header.Values("Vary"))
	}
	if got := readBody(t, c.get("/get?key=failed")); got != "" {
		t.Errorf("a 500 response's change was saved: %q", got)
	}
	if w := a.store.Writes(); w != writes {
		t.Errorf("a 500 request made %d store writes", w-writes)
	}
}

func testStreamingGetsItsCookie(t *testing.T, newApp appFunc) {
	a := newApp(t)
	c := a.client()
	res, err := c.send("GET", "/stream", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if len(a.sent(res)) != 1 {
		t.Fatalf("a streamed response has Set-Cookie %q, want one", a.sent(res))
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
}

func testWriteBeforeTouch(t *testing.T, newApp appFunc) {
	a := newApp(t)
	anon := a.client()
	res := anon.get("/late")
	if got := readBody(t, res); got != "early" {
		t.Errorf("/late body %q", got)
	}
	if sc := a.sent(res); len(sc) != 0 {
		t.Errorf("a change after the first byte set a cookie: %q", sc)
	}
	if n := a.store.Writes(); n != 0 {
		t.Errorf("a change after the first byte made %d store writes", n)
	}
}

func testConcurrentWritesMerge(t *testing.T, newApp appFunc) {
	a := newApp(t)
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
}

func testLogoutRacesWrite(t *testing.T, newApp appFunc) {
	a := newApp(t)
	c := a.client()
	c.post("/login?user=carol")
	tok := c.token
	w := a.clientWith(tok)
	done := a.hold(w, "/hold?key=x&value=1")
	if res := c.post("/logout"); res.StatusCode != http.StatusOK {
		t.Fatalf("logout status %d", res.StatusCode)
	}
	res := done()
	if a.has(tok) {
		t.Fatal("a write in flight recreated a destroyed session")
	}
	if w.token != tok && w.token != "" {
		// A fresh session for the writer is acceptable; the old token is not.
		t.Logf("the in-flight writer got a new session")
	}
	for _, sc := range a.sent(res) {
		if strings.Contains(sc, tok) {
			t.Errorf("the in-flight writer was sent the destroyed token again: %q", sc)
		}
	}
	if got := readBody(t, a.clientWith(tok).get("/user")); got != "" {
		t.Errorf("the destroyed token gives user %q", got)
	}
}

func testRenewRacesWrite(t *testing.T, newApp appFunc) {
	a := newApp(t)
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
	if a.has(old) {
		t.Fatal("a write in flight recreated a renewed-away record")
	}
	for _, sc := range a.sent(res) {
		if strings.Contains(sc, old) {
			t.Errorf("the in-flight writer was sent the old token again: %q", sc)
		}
	}
	if got := readBody(t, c.get("/user")); got != "dan" {
		t.Errorf("user on the renewed session = %q", got)
	}
}

func testRenewRacesLogout(t *testing.T, newApp appFunc) {
	a := newApp(t)
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
}

func testFailedCommitDropsHandlerHeaders(t *testing.T, newApp appFunc) {
	a := newApp(t)
	c := a.client()
	c.get("/set?key=a&value=1")
	a.store.Fail(storetest.Save, storetest.ErrInjected)
	res := c.get("/headers")
	a.store.Fail(storetest.Save, nil)
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
	if !headerHas(res.Header, "Vary", a.varyName()) {
		t.Errorf("the error response to a request with a cookie: Vary %q, want Cookie", res.Header.Values("Vary"))
	}
}

func testLogoutAfterTombstone(t *testing.T, newApp appFunc) {
	a := newApp(t)
	c := a.client()
	c.post("/login?user=fay")
	tok := c.token
	other := a.clientWith(tok)
	a.afterTombstone(func() { other.post("/logout") })
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
}

func testStoreFailureOnLoad(t *testing.T, newApp appFunc) {
	a := newApp(t)
	c := a.client()
	c.get("/set?key=a&value=1")
	a.store.Fail(storetest.Load, storetest.ErrInjected)
	before := a.handled.Load()
	res := c.get("/get?key=a")
	if res.StatusCode < 500 {
		t.Errorf("status %d while the store fails, want the error handler's 5xx", res.StatusCode)
	}
	if a.handled.Load() != before {
		t.Error("the handler ran with a blank session while the store failed")
	}
	a.store.Fail(storetest.Load, nil)
	if got := readBody(t, c.get("/get?key=a")); got != "1" {
		t.Errorf("after the store recovered: %q, want 1", got)
	}
}

func testBadCookies(t *testing.T, newApp appFunc) {
	a := newApp(t)
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
		calls := a.store.Calls()
		c := a.client()
		res, err := c.sendRaw("GET", "/get?key=a", a.rawToken(v))
		if err != nil {
			t.Errorf("%s: %v", label, err)
			continue
		}
		if res.StatusCode != http.StatusOK || readBody(t, res) != "" {
			t.Errorf("%s: status %d, want 200 and a fresh session", label, res.StatusCode)
		}
		if n := a.store.Calls() - calls; n != 0 {
			t.Errorf("%s: %d store calls for a malformed cookie, want 0", label, n)
		}
		// A logout clears it, so that the client stops sending it.
		res, err = c.sendRaw("POST", "/logout", a.rawToken(v))
		if err != nil {
			t.Errorf("%s: logout: %v", label, err)
			continue
		}
		res.Body.Close()
		if tok, sent := a.mgr.ResponseToken(res.Header); !sent || tok != "" {
			t.Errorf("%s: logout sent %q, want the cookie or token cleared", label, a.sent(res))
		}
		if n := a.store.Calls() - calls; n != 0 {
			t.Errorf("%s: logout made %d store calls for a malformed cookie, want 0", label, n)
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
	if a.has(forged) {
		t.Error("a record was stored under the forged token")
	}
}

func testStoreHangsOnLoad(t *testing.T, newApp appFunc) {
	for _, policy := range []session.OutagePolicy{session.OutageError, session.OutageAnonymous} {
		a := newApp(t, session.WithLoadTimeout(100*time.Millisecond), session.WithOutagePolicy(policy))
		c := a.client()
		c.get("/set?key=a&value=1")
		tok := c.token
		a.store.Before(storetest.Load, storetest.Hang) // answers only when the load's context ends
		done := make(chan *http.Response, 1)
		go func() {
			res, err := c.send("GET", "/get?key=a", nil)
			if err != nil {
				t.Errorf("policy %d: %v", policy, err)
				done <- nil
				return
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			res.Body = io.NopCloser(strings.NewReader(string(body)))
			done <- res
		}()
		var res *http.Response
		select {
		case res = <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("policy %d: a request whose store load hangs got no answer: the load timeout is not applied", policy)
		}
		if res == nil {
			continue
		}
		switch policy {
		case session.OutageError:
			if res.StatusCode < 500 {
				t.Errorf("OutageError: status %d while the store hangs, want the error handler's 5xx", res.StatusCode)
			}
		case session.OutageAnonymous:
			if res.StatusCode != http.StatusOK || readBody(t, res) != "" {
				t.Errorf("OutageAnonymous: status %d, want 200 and an anonymous session", res.StatusCode)
			}
			if sc := a.sent(res); len(sc) != 0 {
				t.Errorf("OutageAnonymous: the anonymous answer set a cookie: %q", sc)
			}
		}
		if !headerHas(res.Header, "Vary", a.varyName()) {
			t.Errorf("policy %d: Vary %q, want Cookie", policy, res.Header.Values("Vary"))
		}
		// A request without a cookie never reaches the store.
		calls := a.store.Calls()
		if res := a.client().get("/nothing"); res.StatusCode != http.StatusOK {
			t.Errorf("policy %d: a request without a cookie: status %d while the store hangs", policy, res.StatusCode)
		}
		if n := a.store.Calls() - calls; n != 0 {
			t.Errorf("policy %d: a request without a cookie made %d store calls", policy, n)
		}
		a.store.Before(storetest.Load, nil)
		if got := readBody(t, a.clientWith(tok).get("/get?key=a")); got != "1" {
			t.Errorf("policy %d: after the store answered again: %q, want 1", policy, got)
		}
	}
}

func testPanicAfterFirstByteSaves(t *testing.T, newApp appFunc) {
	// Documented: the session is committed before the first byte, so a
	// handler that panics after it has already saved its changes.
	a := newApp(t)
	c := a.client()
	c.get("/set?key=a&value=1")
	c.tryGet("/panic-late")
	if got := readBody(t, c.get("/get?key=panicked-late")); got != "yes" {
		t.Errorf("a change made before the first byte of a response whose handler panicked later: %q, want it saved", got)
	}
}

func testLateChangeReported(t *testing.T, newApp appFunc) {
	var mu sync.Mutex
	var late int
	a := newApp(t, session.WithEventHook(func(e session.Event) {
		if e.Kind == session.EventLateChange {
			mu.Lock()
			late++
			mu.Unlock()
		}
	}))
	c := a.client()
	c.get("/set?key=a&value=1")
	c.get("/late")
	mu.Lock()
	n := late
	mu.Unlock()
	if n != 1 {
		t.Errorf("a change after the first byte gave %d EventLateChange, want 1", n)
	}
	if got := readBody(t, c.get("/get?key=late")); got != "" {
		t.Errorf("a change after the first byte was saved: %q", got)
	}
}

func testHijackCommits(t *testing.T, newApp appFunc) {
	// Documented: a Hijack commits the session; net/http does not send
	// the header map of a hijacked response, so the handler writes the
	// session's Set-Cookie into its own response (the route does).
	a := newApp(t)
	c := a.client()
	res := c.get("/hijack")
	if got := readBody(t, res); got != "ok" {
		t.Fatalf("/hijack body %q, want ok", got)
	}
	if c.token == "" {
		t.Fatal("after Hijack the response header held no session cookie for the handler to send")
	}
	if got := readBody(t, c.get("/get?key=hijacked")); got != "yes" {
		t.Errorf("the session change of a hijacked request: %q, want it saved", got)
	}
}

// app is one subtest's server.
type app struct {
	t        *testing.T
	mgr      *session.Manager[session.Map]
	store    *storetest.Store
	clock    *storetest.Clock
	srv      *httptest.Server
	handled  atomic.Int64 // handler runs, by routes that read the session
	streamGo chan struct{}
	holdMu   sync.Mutex
	holdIn   chan struct{}
	holdGo   chan struct{}
}

func startApp(t *testing.T, store session.Store, newHandler NewAdapterFunc, opts ...session.Option) *app {
	t.Helper()
	a := &app{t: t, store: storetest.Wrap(store), clock: storetest.NewClock(time.Now()), streamGo: make(chan struct{})}
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
				return
			}
			if r.URL.Query().Get("remember") == "on" {
				s.Remember(rememberFor)
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
		{"GET", "/panic-late", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			text(w)
			s.Data().Set("panicked-late", "yes")
			io.WriteString(w, "partial")
			http.NewResponseController(w).Flush()
			panic("conformance: deliberate panic after the first byte")
		}},
		{"GET", "/hijack", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			s.Data().Set("hijacked", "yes")
			conn, rw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				a.t.Errorf("Hijack through the adapter: %v", err)
				return
			}
			defer conn.Close()
			rw.WriteString("HTTP/1.1 200 OK\r\n")
			for _, sc := range w.Header().Values("Set-Cookie") {
				rw.WriteString("Set-Cookie: " + sc + "\r\n")
			}
			if name := a.mgr.TokenResponseHeader(); name != "" {
				for _, v := range w.Header().Values(name) {
					rw.WriteString(name + ": " + v + "\r\n")
				}
			}
			rw.WriteString("Content-Length: 2\r\nConnection: close\r\n\r\nok")
			rw.Flush()
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
	req, err := http.NewRequest(method, c.a.srv.URL+path, nil)
	if err != nil {
		return nil, err
	}
	if c.token != "" {
		c.a.mgr.SetRequestToken(req, c.token)
	}
	return c.a.srv.Client().Do(req)
}

// sendRaw sends a request with the headers h.
func (c *client) sendRaw(method, path string, h http.Header) (*http.Response, error) {
	req, err := http.NewRequest(method, c.a.srv.URL+path, nil)
	if err != nil {
		return nil, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	return c.a.srv.Client().Do(req)
}

// keep takes the session token a response sends: the cookie, or the
// token header.
func (c *client) keep(res *http.Response) {
	if tok, sent := c.a.mgr.ResponseToken(res.Header); sent {
		c.token = tok
	}
}

// sent returns the response's headers that carry a session token: the
// Set-Cookie headers, and in header-token mode the token header's values
// too (a cookie is wrong there as well).
func (a *app) sent(res *http.Response) []string {
	out := res.Header.Values("Set-Cookie")
	if name := a.mgr.TokenResponseHeader(); name != "" {
		for _, v := range res.Header.Values(name) {
			out = append(out, name+": "+v)
		}
	}
	return out
}

// varyName is the request header a response depends on: Cookie, or the
// token header.
func (a *app) varyName() string {
	if name := a.mgr.TokenHeader(); name != "" {
		return name
	}
	return "Cookie"
}

// rawToken returns the request headers that carry v as the session token,
// unchecked.
func (a *app) rawToken(v string) http.Header {
	switch name := a.mgr.TokenHeader(); name {
	case "":
		return http.Header{"Cookie": {a.mgr.CookieName() + "=" + v}}
	case "Authorization":
		return http.Header{"Authorization": {"Bearer " + v}}
	default:
		return http.Header{name: {v}}
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

// has reports whether a live session record is stored for the token.
func (a *app) has(token string) bool {
	rec, err := a.store.Store.Load(context.Background(), keyOf(token))
	return err == nil && len(rec.Data) > 0
}

// afterTombstone runs f once, after the next save that retires a record
// (an update to empty Data).
func (a *app) afterTombstone(f func()) {
	a.store.After(storetest.Save, storetest.Once(
		func(_ string, rec session.Record) bool {
			return rec.Version > 0 && (len(rec.Data) == 0 || rec.Data[0] == 0)
		},
		func(_ context.Context, _ string, _ session.Record, err error) error {
			if err == nil {
				f()
			}
			return err
		}))
}

// keyOf is the store key of a token, as the core computes it: the
// lowercase hexadecimal SHA-256 of the token.
func keyOf(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
