package conformance

// The properties of TestAdapter that check bad input and a failing store:
// malformed cookies and tokens, a store that fails or hangs on load.

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

func testStoreFailureOnLoad(t *testing.T, newApp appFunc) {
	a := newApp(t)
	c := a.client()
	c.get("/set?key=a&value=1")
	a.store.Fail(sessiontest.Load, sessiontest.ErrInjected)
	before := a.handled.Load()
	res := c.get("/get?key=a")
	if res.StatusCode < 500 {
		t.Errorf("status %d while the store fails, want the error handler's 5xx", res.StatusCode)
	}
	if a.handled.Load() != before {
		t.Error("the handler ran with a blank session while the store failed")
	}
	a.store.Fail(sessiontest.Load, nil)
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
		a.store.Before(sessiontest.Load, sessiontest.Hang) // answers only when the load's context ends
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
		a.store.Before(sessiontest.Load, nil)
		if got := readBody(t, a.clientWith(tok).get("/get?key=a")); got != "1" {
			t.Errorf("policy %d: after the store answered again: %q, want 1", policy, got)
		}
	}
}
