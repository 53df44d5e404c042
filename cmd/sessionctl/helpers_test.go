package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/memstore"
)

// result is what one run of sessionctl produced.
type result struct {
	code           int
	stdout, stderr string
}

// fixture is a fresh store of one kind, and a way to run sessionctl on it.
type fixture struct {
	// url is the store's URL, passed with -store.
	url string
	// with opens the store for seeding or checking and closes it after f
	// (a memory store stays open: it is the one sessionctl is given).
	with func(t *testing.T, f func(s session.Store))
	// newApp returns the app to run; it opens the store by url unless the
	// fixture hands it an open store.
	newApp func() *app
}

// run runs sessionctl with -store set to the fixture's store.
func (fx *fixture) run(t *testing.T, args ...string) result {
	t.Helper()
	return runApp(t, fx.newApp(), append([]string{"-store", fx.url}, args...)...)
}

func runApp(t *testing.T, a *app, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	a.stdout, a.stderr = &out, &errb
	code := a.run(context.Background(), args)
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// testApp returns an app with the real environment but no terminal and
// an empty $SESSION2_STORE.
func testApp() *app {
	return &app{
		getenv:        func(string) string { return "" },
		now:           time.Now,
		openStore:     session.OpenStore,
		timeout:       defaultTimeout,
		progressAfter: 0,
		newTicker: func() (<-chan time.Time, func()) {
			return nil, func() {}
		},
	}
}

// nopClose hands sessionctl a store it must not close.
type nopClose struct{ session.Store }

func (nopClose) Close() error { return nil }

// memFixture runs sessionctl on one memstore, handed to it through the
// openStore hook, since memory: opens a new store each time.
func memFixture(t *testing.T) *fixture {
	s := memstore.New(memstore.WithSweepInterval(0))
	t.Cleanup(func() { s.Close() })
	return &fixture{
		url:  "memory:",
		with: func(t *testing.T, f func(session.Store)) { f(s) },
		newApp: func() *app {
			a := testApp()
			a.openStore = func(ctx context.Context, raw string) (session.Store, error) {
				if _, err := session.OpenStore(ctx, raw); err != nil {
					return nil, err // the URL must still be valid
				}
				return nopClose{s}, nil
			}
			return a
		},
	}
}

// urlFixture runs sessionctl on a store opened by URL each time, after
// running "sessionctl setup" on it.
func urlFixture(t *testing.T, url string) *fixture {
	t.Helper()
	fx := &fixture{
		url: url,
		with: func(t *testing.T, f func(session.Store)) {
			t.Helper()
			s, err := session.OpenStore(context.Background(), url)
			if err != nil {
				t.Fatalf("open %s: %v", url, err)
			}
			defer func() {
				if err := s.Close(); err != nil {
					t.Errorf("close: %v", err)
				}
			}()
			f(s)
		},
		newApp: testApp,
	}
	if r := fx.run(t, "setup"); r.code != 0 {
		t.Fatalf("setup: exit %d: %s", r.code, r.stderr)
	}
	return fx
}

// fixtures are the stores every command is tested against.
func fixtures() []struct {
	name string
	new  func(t *testing.T) *fixture
} {
	return []struct {
		name string
		new  func(t *testing.T) *fixture
	}{
		{"memory", memFixture},
		{"file", func(t *testing.T) *fixture {
			return urlFixture(t, "file:"+filepath.Join(t.TempDir(), "sessions")+"?sweep=0")
		}},
		{"bolt", func(t *testing.T) *fixture {
			return urlFixture(t, "bolt:"+filepath.Join(t.TempDir(), "sessions.db")+"?sweep=0")
		}},
		{"postgres", func(t *testing.T) *fixture { return sqlFixture(t, "SESSION2_POSTGRES_DSN", "postgres") }},
		{"mysql", func(t *testing.T) *fixture { return sqlFixture(t, "SESSION2_MYSQL_DSN", "mysql") }},
		{"redis", redisFixture},
	}
}

// forEachStore runs test once per store kind, each on a fresh store.
func forEachStore(t *testing.T, test func(t *testing.T, fx *fixture)) {
	for _, f := range fixtures() {
		t.Run(f.name, func(t *testing.T) { test(t, f.new(t)) })
	}
}

// randomKey returns a random store key starting with prefix.
func randomKey(t *testing.T, prefix string) string {
	t.Helper()
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return prefix + hex.EncodeToString(b[:])[len(prefix):]
}

// makeEnvelope builds a record's Data as the core does (format 1, remote
// address, form tokens, flashes, codec bytes).
func makeEnvelope(remote string, tokens, flashes []string, data []byte) []byte {
	str := func(b []byte, s string) []byte {
		b = binary.AppendUvarint(b, uint64(len(s)))
		return append(b, s...)
	}
	b := []byte{1}
	b = str(b, remote)
	b = binary.AppendUvarint(b, uint64(len(tokens)))
	for _, s := range tokens {
		b = str(b, s)
	}
	b = binary.AppendUvarint(b, uint64(len(flashes)))
	for _, s := range flashes {
		b = str(b, s)
	}
	return append(b, data...)
}

// seed describes a record to store.
type seed struct {
	key      string
	user     string
	created  time.Duration // relative to now
	accessed time.Duration
	expires  time.Duration
	data     []byte
}

// secretToken is a form token value stored in seeded records; it must
// never be printed.
const secretToken = "FORMTOKEN-SECRET-qwertyuiop"

func jsonData(js string) []byte {
	return makeEnvelope("192.0.2.7:5555", []string{secretToken}, []string{"hello"}, append([]byte{'J'}, js...))
}

// put stores the seeds, relative to now.
func put(t *testing.T, fx *fixture, seeds ...seed) {
	t.Helper()
	now := time.Now()
	fx.with(t, func(s session.Store) {
		for _, sd := range seeds {
			data := sd.data
			if data == nil {
				data = jsonData(`{"counter":1}`)
			}
			rec := session.Record{
				User:     sd.user,
				Data:     data,
				Created:  now.Add(sd.created),
				Accessed: now.Add(sd.accessed),
				Expires:  now.Add(sd.expires),
			}
			if err := s.Save(context.Background(), sd.key, rec); err != nil {
				t.Fatalf("seed %s: %v", sd.key, err)
			}
		}
	})
}

// exists reports whether a record is stored for key, expired or not.
func exists(t *testing.T, fx *fixture, key string) bool {
	t.Helper()
	found := false
	fx.with(t, func(s session.Store) {
		for e, err := range s.List(context.Background(), session.Filter{}) {
			if err != nil {
				t.Fatalf("list: %v", err)
			}
			if e.Key == key {
				found = true
			}
		}
	})
	return found
}

// load returns the live record for key.
func load(t *testing.T, fx *fixture, key string) (session.Record, bool) {
	t.Helper()
	var rec session.Record
	var ok bool
	fx.with(t, func(s session.Store) {
		r, err := s.Load(context.Background(), key)
		switch {
		case err == nil:
			rec, ok = r, true
		case !errors.Is(err, session.ErrNotFound):
			t.Fatalf("load: %v", err)
		}
	})
	return rec, ok
}

// wantCode fails unless r exited with code.
func wantCode(t *testing.T, r result, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
}

// oneErrorLine checks that stderr is a single line starting "sessionctl: "
// and containing every part.
func oneErrorLine(t *testing.T, stderr string, parts ...string) {
	t.Helper()
	if !strings.HasPrefix(stderr, "sessionctl: ") || strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") {
		t.Errorf("stderr is not one line starting with sessionctl: %q", stderr)
	}
	for _, p := range parts {
		if !strings.Contains(stderr, p) {
			t.Errorf("stderr %q does not contain %q", stderr, p)
		}
	}
}
