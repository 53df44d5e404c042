package conformance

// The properties of TestAdapter that check how the commit meets the
// response: panics, 5xx, streaming, late changes, hijacking and a failed
// commit.

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

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

func testFailedCommitDropsHandlerHeaders(t *testing.T, newApp appFunc) {
	a := newApp(t)
	c := a.client()
	c.get("/set?key=a&value=1")
	a.store.Fail(sessiontest.Save, sessiontest.ErrInjected)
	res := c.get("/headers")
	a.store.Fail(sessiontest.Save, nil)
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
