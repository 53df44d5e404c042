package conformance

// The properties of TestAdapter that check concurrent requests of one
// session: merges, and logouts and renewals racing writes.

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
)

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
