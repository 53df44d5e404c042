package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/session2/session2/core/session/sessiontest"
	"github.com/session2/session2/stores/sqlstore/sqlstoretest"
)

// TestStartWhileStoreHangs starts the demo binary, with -wait-for-store,
// on a PostgreSQL store whose server hangs behind a proxy (connections
// accepted, never answered): the demo listens within the open timeout, its pages say the
// store is unreachable, and once the server answers it serves sessions
// without a restart.
func TestStartWhileStoreHangs(t *testing.T) {
	storeURL := postgresStoreURL(t)
	u, err := url.Parse(storeURL)
	if err != nil {
		t.Fatal(err)
	}
	target := u.Host
	if u.Port() == "" {
		target += ":5432"
	}
	p := sqlstoretest.NewProxy(t, target, nil)
	p.Hang()
	defer p.Resume() // before the proxy closes, so that the demo's handle lets go
	u.Host = p.Addr()
	bin := demoBinary(t)

	start := time.Now()
	d := startDemo(t, bin, "-host", "127.0.0.1", "-port", "0", "-store", u.String(), "-wait-for-store")
	if took := time.Since(start); took > openTimeout+5*time.Second {
		t.Errorf("the demo took %v to listen with a hung store, more than the open timeout %v and 5s", took, openTimeout)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := c.Get(d.url + strings.TrimPrefix(path, "/"))
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/"); code != http.StatusOK || !strings.Contains(body, "The session store is unreachable") {
		t.Errorf("GET / while the store hangs: %d, want 200 saying the store is unreachable:\n%s", code, body)
	}
	if code, _ := get("/counter"); code != http.StatusServiceUnavailable {
		t.Errorf("GET /counter while the store hangs: %d, want 503", code)
	}

	p.Resume()
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, body := get("/counter")
		if code == http.StatusOK && strings.Contains(body, "Counter: 1") {
			if strings.Contains(body, "unreachable") {
				t.Errorf("the page still says the store is unreachable once it answers:\n%s", body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("15s after the store answered, GET /counter: %d\n%s\n%s", code, body, d.output())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if code, body := get("/counter"); code != http.StatusOK || !strings.Contains(body, "Counter: 2") {
		t.Errorf("second GET /counter: %d\n%s", code, body)
	}
	d.stop()
}

// TestStoreDownFailsStart: without -wait-for-store, a demo whose store's
// server accepts connections and never answers exits within the open
// timeout with an error that says so and names the flag, for a SQL store
// and for Redis. It needs neither server.
func TestStoreDownFailsStart(t *testing.T) {
	for _, tc := range []struct{ name, url string }{
		{"postgres", "postgres://app@" + sessiontest.SilentServer(t) + "/app?sslmode=disable"},
		{"redis", "redis://" + sessiontest.SilentServer(t) + "/0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- run(ctx, []string{"-host", "127.0.0.1", "-port", "0", "-store", tc.url}, io.Discard) }()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), "the session store does not answer") || !strings.Contains(err.Error(), "-wait-for-store") {
					t.Errorf("run with a silent store: %v, want an error saying the store does not answer and naming -wait-for-store", err)
				}
				t.Logf("run: %v", err)
			case <-time.After(openTimeout + 30*time.Second):
				cancel()
				t.Fatalf("the demo still runs %v after starting on a store that does not answer", openTimeout+30*time.Second)
			}
		})
	}
}
