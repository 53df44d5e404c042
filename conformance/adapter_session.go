package conformance

// The properties of TestAdapter that check the session's life across
// requests: cookies or token headers, renewal, logout and expiry.

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

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
	if n := a.store.CallsFor(sessiontest.Load, keyOf(c.token)); n == 0 {
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
