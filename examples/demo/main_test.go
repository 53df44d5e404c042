package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
)

func TestParseFlags(t *testing.T) {
	o, err := parseFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.host != "localhost" || o.port != 8080 || o.framework != "chi" || o.lifetime != 24*time.Hour || o.maxSessions != 0 || o.adminLocal || o.waitForStore {
		t.Errorf("defaults: %+v", o)
	}
	if !strings.HasPrefix(o.storeURL, "file:") && !strings.HasPrefix(o.storeURL, "memory:") {
		t.Errorf("default store %q", o.storeURL)
	}
	o, err = parseFlags([]string{"-host", "0.0.0.0", "-port", "9000", "-framework", "chi", "-store", "memory:", "-idle-timeout", "5m", "-lifetime", "2h", "-secure-cookie", "-max-sessions-per-user", "3"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.host != "0.0.0.0" || o.port != 9000 || o.storeURL != "memory:" || o.idleTimeout != 5*time.Minute || o.lifetime != 2*time.Hour || !o.secureCookie || o.maxSessions != 3 {
		t.Errorf("parsed: %+v", o)
	}
	for _, args := range [][]string{
		{"-port", "70000"},
		{"-port", "-1"},
		{"-port", "http"},
		{"-framework", "rails"},
		{"-idle-timeout", "-1m"},
		{"-lifetime", "0"},
		{"-lifetime", "soon"},
		{"-store", ""},
		{"-max-sessions-per-user", "-1"},
		{"-max-sessions-per-user", "many"},
		{"-nosuchflag"},
		{"extra"},
	} {
		if _, err := parseFlags(args, io.Discard); !errors.Is(err, errUsage) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
	if _, err := parseFlags([]string{"-h"}, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
}

// TestRunErrors: a store that cannot be opened is one clear error, and the
// password of a store URL never shows in it.
func TestRunErrors(t *testing.T) {
	ctx := context.Background()
	err := run(ctx, []string{"-store", "nosuch://user:secret@host/db", "-port", "0"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no store registered") || strings.Contains(err.Error(), "secret") {
		t.Errorf("unknown scheme: %v", err)
	}
	err = run(ctx, []string{"-store", "memory:", "-host", "256.0.0.1", "-port", "0"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "listen") {
		t.Errorf("bad host: %v", err)
	}
}

// TestRun starts the real server on a free port, serves a request, and
// shuts down when the context ends.
func TestRun(t *testing.T) {
	for _, f := range frameworks() {
		t.Run(f, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			pr, pw := io.Pipe()
			done := make(chan error, 1)
			go func() {
				done <- run(ctx, []string{"-host", "127.0.0.1", "-port", "0", "-framework", f, "-store", "memory:"}, pw)
				pw.Close()
			}()
			base := waitListening(t, pr)
			go func() { _, _ = io.Copy(io.Discard, pr) }()

			c := newClient(t, base)
			c.post("/login", url.Values{"name": {"run"}}).expect(t, http.StatusOK, "Welcome! run")
			c.get("/counter").expect(t, http.StatusOK, "Counter: 1")

			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("run: %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("run did not return after the context ended")
			}
			if _, err := http.Get(base); err == nil {
				t.Error("the server still answers after shutdown")
			}
		})
	}
}

var listenRE = regexp.MustCompile(`msg="demo listening" url=(http://\S+)`)

// waitListening reads the demo's log until its "demo listening" line and
// returns the URL it names.
func waitListening(t *testing.T, r io.Reader) string {
	t.Helper()
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if m := listenRE.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
				return
			}
		}
		close(found)
	}()
	select {
	case u, ok := <-found:
		if !ok {
			t.Fatalf("the demo ended without listening")
		}
		return u
	case <-time.After(60 * time.Second):
		t.Fatal("the demo did not log its address within a minute")
	}
	return ""
}

// TestDefaultStore: the default store URL opens a file store in the cache
// directory, whatever characters its path holds.
func TestDefaultStore(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("XDG_CACHE_HOME sets the cache directory on Linux only")
	}
	cache := filepath.Join(t.TempDir(), "odd dir %41?#x")
	t.Setenv("XDG_CACHE_HOME", cache)
	raw := defaultStoreURL()
	store, err := session.OpenStore(context.Background(), raw)
	if err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	defer store.Close()
	if fi, err := os.Stat(filepath.Join(cache, "session2-demo")); err != nil || !fi.IsDir() {
		t.Errorf("%s did not open a store in %s: %v", raw, cache, err)
	}
}
