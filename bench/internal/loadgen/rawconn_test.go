package loadgen

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRawClient checks that the raw client sends the session cookie it was
// given, and refuses what it cannot read instead of misreading it.
func TestRawClient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/set":
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "abc", Path: "/", HttpOnly: true})
			w.Header().Add("Set-Cookie", "other=zzz")
			io.WriteString(w, "set")
		case "/echo":
			ck, err := r.Cookie("session")
			if err != nil {
				http.Error(w, "no cookie", http.StatusBadRequest)
				return
			}
			io.WriteString(w, ck.Value)
		case "/chunked":
			io.WriteString(w, "a")
			w.(http.Flusher).Flush()
			io.WriteString(w, "b")
		case "/delete":
			http.SetCookie(w, &http.Cookie{Name: "session", MaxAge: -1})
		case "/close":
			w.Header().Set("Connection", "close")
			io.WriteString(w, "bye")
		}
	}))
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	c, err := DialRaw(addr, "session")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Get("/echo"); err == nil || !strings.Contains(err.Error(), "status 400") {
		t.Fatalf("GET /echo without a cookie: %v, want status 400", err)
	}
	// The connection is still in step: the 400's body was read.
	if err := c.Get("/set"); err != nil || c.Session() != "session=abc" {
		t.Fatalf("GET /set: %v, cookie %q", err, c.Session())
	}
	for range 3 {
		if err := c.Get("/echo"); err != nil {
			t.Fatalf("GET /echo with the cookie: %v", err)
		}
	}
	for path, want := range map[string]string{
		"/chunked": "Transfer-Encoding",
		"/delete":  "deleted",
		"/close":   "closes",
	} {
		c, err := DialRaw(addr, "session")
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Get(path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("GET %s: %v, want an error saying %q", path, err, want)
		}
		c.Close()
	}
}
