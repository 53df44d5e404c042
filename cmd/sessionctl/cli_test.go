package main

import (
	"context"
	"encoding/json"
	"flag"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
)

func TestUsageErrors(t *testing.T) {
	fileURL := "file:" + filepath.Join(t.TempDir(), "s")
	if r := runApp(t, testApp(), "-store", fileURL, "setup"); r.code != 0 {
		t.Fatalf("setup: %+v", r)
	}
	tests := []struct {
		args  []string
		parts []string
	}{
		{nil, []string{"no command given", "sessionctl -h"}},
		{[]string{"frobnicate"}, []string{`unknown command "frobnicate"`, "logout-user"}},
		{[]string{"-bogus", "ls"}, []string{"-bogus", "sessionctl -h"}},
		{[]string{"ls"}, []string{"no store given", "SESSION2_STORE"}},
		{[]string{"-store", fileURL, "ls", "-bogus"}, []string{"ls: flag provided but not defined: -bogus", "sessionctl ls -h"}},
		{[]string{"-store", fileURL, "ls", "-limit", "x"}, []string{"-limit"}},
		{[]string{"-store", fileURL, "ls", "-limit", "-1"}, []string{"negative"}},
		{[]string{"-store", fileURL, "ls", "-all", "-expired"}, []string{"exclude each other"}},
		{[]string{"-store", fileURL, "ls", "extra"}, []string{`unexpected argument "extra"`}},
		{[]string{"-store", fileURL, "show"}, []string{"show: missing KEY"}},
		{[]string{"-store", fileURL, "show", "abc"}, []string{"too short"}},
		{[]string{"-store", fileURL, "show", "xyz!"}, []string{"not hexadecimal"}},
		{[]string{"-store", fileURL, "show", strings.Repeat("a", 65)}, []string{"more than a store key"}},
		{[]string{"-store", fileURL, "rm", "abcd", "abce"}, []string{"unexpected argument"}},
		{[]string{"-store", fileURL, "logout-user"}, []string{"missing USER"}},
		{[]string{"-store", fileURL, "gc", "-idle", "2"}, []string{"-idle", "missing unit"}},
		{[]string{"-store", fileURL, "gc", "-idle", "-1h"}, []string{"negative"}},
		{[]string{"-store", fileURL, "stats", "-top", "-3"}, []string{"negative"}},
		{[]string{"-store", fileURL, "-timeout", "-1s", "stats"}, []string{"negative"}},
		{[]string{"-store", "/var/lib/app/sessions", "ls"}, []string{"no scheme", "-store file:/var/lib/app/sessions"}},
		{[]string{"-store", "postgres://u:hunter2@%zz/db", "ls"}, []string{"does not parse"}},
	}
	for _, tt := range tests {
		r := runApp(t, testApp(), tt.args...)
		if r.code != exitUsage {
			t.Errorf("%q: exit %d, want 2 (stderr %q)", tt.args, r.code, r.stderr)
			continue
		}
		oneErrorLine(t, r.stderr, tt.parts...)
		if r.stdout != "" {
			t.Errorf("%q: stdout %q", tt.args, r.stdout)
		}
		if strings.Contains(r.stderr, "hunter2") {
			t.Errorf("%q: a password in the error", tt.args)
		}
	}
}

// A session token given as KEY is refused without being repeated.
func TestTokenAsKey(t *testing.T) {
	fx := memFixture(t)
	tok := "Xb3_kq9-0aZ1mN2pQ3rS4tU5vW6xY7zA8bC9dE0fG1h"
	for _, cmd := range []string{"show", "rm"} {
		r := fx.run(t, cmd, tok)
		wantCode(t, r, exitUsage)
		oneErrorLine(t, r.stderr, "looks like a session token")
		if strings.Contains(r.stderr, tok) {
			t.Errorf("%s repeated the token", cmd)
		}
	}
}

func TestStoreFromEnvironment(t *testing.T) {
	fx := memFixture(t)
	put(t, fx, seed{key: randomKey(t, ""), user: "envuser", expires: hour})
	a := fx.newApp()
	a.getenv = func(k string) string {
		if k == storeEnv {
			return "memory:"
		}
		return ""
	}
	r := runApp(t, a, "ls")
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "envuser") {
		t.Errorf("ls with $%s: %q", storeEnv, r.stdout)
	}
	// -store wins over the environment.
	a = fx.newApp()
	a.getenv = func(string) string { return "nosuch:x" }
	r = runApp(t, a, "-store", "memory:", "ls")
	wantCode(t, r, 0)
}

func TestStoreErrors(t *testing.T) {
	dir := t.TempDir()
	r := runApp(t, testApp(), "-store", "memcached://localhost/0", "ls")
	wantCode(t, r, exitFailure)
	oneErrorLine(t, r.stderr, `unknown store scheme "memcached"`, "registered schemes: bolt, file, memory")

	// A missing directory or database file is not created, except by setup.
	for _, url := range []string{"file:" + filepath.Join(dir, "typo"), "bolt:" + filepath.Join(dir, "typo.db")} {
		r = runApp(t, testApp(), "-store", url, "ls")
		wantCode(t, r, exitFailure)
		oneErrorLine(t, r.stderr, "no store at", "create it with sessionctl -store "+url+" setup")
		r = runApp(t, testApp(), "-store", url, "setup")
		wantCode(t, r, 0)
		r = runApp(t, testApp(), "-store", url, "ls")
		wantCode(t, r, 0)
	}

	// A store option the store refuses.
	r = runApp(t, testApp(), "-store", "memory:?colour=blue", "ls")
	wantCode(t, r, exitFailure)
	oneErrorLine(t, r.stderr, "cannot open store memory:?colour=blue", "check that the store is reachable")

	// A bbolt file held by another process (here, another handle).
	boltURL := "bolt:" + filepath.Join(dir, "held.db") + "?timeout=50ms"
	held, err := session.OpenStore(context.Background(), boltURL)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	r = runApp(t, testApp(), "-store", boltURL, "stats")
	wantCode(t, r, exitFailure)
	oneErrorLine(t, r.stderr, "locked", "one process at a time")
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"help"}, {"-help"}} {
		r := runApp(t, testApp(), args...)
		wantCode(t, r, 0)
		for _, want := range []string{"*/15 * * * * sessionctl -store file:/var/lib/app/sessions gc -idle 2h", "logout-user USER", "SESSION2_STORE"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("%v: help lacks %q", args, want)
			}
		}
	}
	r := runApp(t, testApp(), "gc", "-h")
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "-idle DURATION") || !strings.Contains(r.stdout, "gc -idle 2h") {
		t.Errorf("gc -h: %q", r.stdout)
	}
}

func TestInterspersedFlags(t *testing.T) {
	fx := memFixture(t)
	k := randomKey(t, "")
	put(t, fx, seed{key: k, user: "alice", expires: hour})
	// -json and -store after the key.
	r := runApp(t, fx.newApp(), "show", k[:8], "-json", "-store", "memory:")
	wantCode(t, r, 0)
	var got sessionJSON
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || got.Key != k {
		t.Errorf("show KEY -json: %v %q", err, r.stdout)
	}

	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	b := fs.Bool("b", false, "")
	args, err := parseInterspersed(fs, []string{"one", "-b", "two", "--", "-three"})
	if err != nil || !*b || !reflect.DeepEqual(args, []string{"one", "two", "-three"}) {
		t.Errorf("parseInterspersed: %q %v %v", args, *b, err)
	}
}

func TestTimeout(t *testing.T) {
	fx := memFixture(t)
	a := fx.newApp()
	a.openStore = func(ctx context.Context, _ string) (session.Store, error) {
		<-ctx.Done() // a server that never answers
		return nil, ctx.Err()
	}
	r := runApp(t, a, "-store", "memory:", "-timeout", "1ms", "stats")
	wantCode(t, r, exitFailure)
	oneErrorLine(t, r.stderr, "cannot open store", "deadline exceeded")
}

// blockingPrune holds Prune until the progress line has been drawn.
type blockingPrune struct {
	session.Store
	ticks chan time.Time
}

func (b blockingPrune) Prune(ctx context.Context, f session.Filter) (int, error) {
	b.ticks <- time.Now() // drawn on receipt
	b.ticks <- time.Now() // the first tick's line is written
	return b.Store.Prune(ctx, f)
}

func TestGCProgress(t *testing.T) {
	fx := memFixture(t)
	put(t, fx, seed{key: randomKey(t, ""), expires: -hour})
	var s session.Store
	fx.with(t, func(st session.Store) { s = st })
	ticks := make(chan time.Time)
	a := testApp()
	a.terminal = true
	a.newTicker = func() (<-chan time.Time, func()) { return ticks, func() {} }
	a.openStore = func(context.Context, string) (session.Store, error) {
		return blockingPrune{nopClose{s}, ticks}, nil
	}
	r := runApp(t, a, "-store", "memory:", "gc", "-idle", "1h")
	wantCode(t, r, 0)
	if !strings.Contains(r.stderr, "\r\x1b[Ksessionctl gc: deleting expired sessions… ") ||
		!strings.Contains(r.stderr, "sessionctl gc: deleting sessions idle for more than 1h… ") ||
		!strings.HasSuffix(r.stderr, "\r\x1b[K") {
		t.Errorf("progress: %q", r.stderr)
	}
	if r.stdout != "deleted 1 session: 1 expired, 0 idle for more than 1h\n" {
		t.Errorf("stdout %q", r.stdout)
	}
}
