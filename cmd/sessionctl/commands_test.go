package main

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/session2/session2/stores/filestore"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
)

const (
	hour = time.Hour
	day  = 24 * time.Hour
)

func TestSetup(t *testing.T) {
	forEachStore(t, func(t *testing.T, fx *fixture) {
		k := randomKey(t, "")
		put(t, fx, seed{key: k, user: "alice", created: -hour, accessed: -hour, expires: hour})
		r := fx.run(t, "setup")
		wantCode(t, r, 0)
		if !strings.Contains(r.stdout, "is set up") {
			t.Errorf("stdout %q", r.stdout)
		}
		r = fx.run(t, "setup")
		wantCode(t, r, 0)
		if _, ok := load(t, fx, k); !ok {
			t.Error("setup lost a stored session")
		}
	})
}

// lsSeeds stores alice (two live sessions), bob, an anonymous session and
// carol's expired one.
func lsSeeds(t *testing.T, fx *fixture) (alice1, alice2, bob, anon, carol string) {
	alice1, alice2, bob, anon, carol = randomKey(t, ""), randomKey(t, ""), randomKey(t, ""), randomKey(t, ""), randomKey(t, "")
	put(t, fx,
		seed{key: alice1, user: "alice", created: -2 * hour, accessed: -hour, expires: day},
		seed{key: alice2, user: "alice", created: -hour, accessed: -hour, expires: day},
		seed{key: bob, user: "bob", created: -hour, accessed: -hour, expires: day},
		seed{key: anon, created: -hour, accessed: -hour, expires: day},
		seed{key: carol, user: "carol", created: -2 * day, accessed: -2 * day, expires: -day},
	)
	return
}

// tableKeys returns the key column of ls's table, checking the header.
func tableKeys(t *testing.T, out string) []string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if out == "" {
		return nil
	}
	if !strings.HasPrefix(lines[0], "KEY ") || !strings.HasSuffix(lines[0], "USER") {
		t.Fatalf("no header in %q", out)
	}
	var keys []string
	for _, l := range lines[1:] {
		keys = append(keys, strings.Fields(l)[0])
	}
	return keys
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, s := range a {
		m[s]++
	}
	for _, s := range b {
		m[s]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

func prefixes(keys ...string) []string {
	var p []string
	for _, k := range keys {
		p = append(p, k[:keyPrefixLen])
	}
	return p
}

func TestLs(t *testing.T) {
	forEachStore(t, func(t *testing.T, fx *fixture) {
		alice1, alice2, bob, anon, carol := lsSeeds(t, fx)
		tests := []struct {
			args []string
			want []string
		}{
			{[]string{"ls"}, prefixes(alice1, alice2, bob, anon)},
			{[]string{"ls", "-expired"}, prefixes(carol)},
			{[]string{"ls", "-all"}, prefixes(alice1, alice2, bob, anon, carol)},
			{[]string{"ls", "-user", "alice"}, prefixes(alice1, alice2)},
			{[]string{"ls", "-user", "carol"}, nil},
			{[]string{"ls", "-user", "carol", "-expired"}, prefixes(carol)},
			{[]string{"ls", "-user", "nobody", "-all"}, nil},
		}
		for _, tt := range tests {
			r := fx.run(t, tt.args...)
			wantCode(t, r, 0)
			if got := tableKeys(t, r.stdout); !sameSet(got, tt.want) {
				t.Errorf("%v: keys %v, want %v", tt.args, got, tt.want)
			}
			if len(tt.want) == 0 && !strings.Contains(r.stderr, "no sessions") {
				t.Errorf("%v: stderr %q", tt.args, r.stderr)
			}
		}

		r := fx.run(t, "ls", "-user", "bob")
		wantCode(t, r, 0)
		row := strings.Split(r.stdout, "\n")[1]
		rec, _ := load(t, fx, bob)
		for _, want := range []string{fmtTime(rec.Created), fmtTime(rec.Accessed), fmtTime(rec.Expires), fmt.Sprint(len(rec.Data)), "bob"} {
			if !strings.Contains(row, want) {
				t.Errorf("row %q lacks %q", row, want)
			}
		}
		r = fx.run(t, "ls", "-user", "")
		if !strings.Contains(r.stdout, "  -\n") {
			t.Errorf("anonymous session not shown as -: %q", r.stdout)
		}

		r = fx.run(t, "ls", "-limit", "2", "-all")
		wantCode(t, r, 0)
		if n := len(tableKeys(t, r.stdout)); n != 2 {
			t.Errorf("-limit 2 printed %d rows", n)
		}
	})
}

func TestLsJSON(t *testing.T) {
	forEachStore(t, func(t *testing.T, fx *fixture) {
		alice1, alice2, bob, anon, carol := lsSeeds(t, fx)
		r := fx.run(t, "ls", "-all", "-json")
		wantCode(t, r, 0)
		var got []sessionJSON
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatalf("ls -json: %v\n%s", err, r.stdout)
		}
		var keys []string
		for _, s := range got {
			keys = append(keys, s.Key)
			if s.Expired != (s.Key == carol) {
				t.Errorf("%s: expired %v", s.User, s.Expired)
			}
			if _, err := time.Parse(time.RFC3339Nano, s.Expires); err != nil {
				t.Errorf("expires %q: %v", s.Expires, err)
			}
			if s.Size == 0 || s.Version == 0 {
				t.Errorf("size %d version %d", s.Size, s.Version)
			}
		}
		if !sameSet(keys, []string{alice1, alice2, bob, anon, carol}) {
			t.Errorf("keys %v", keys)
		}

		r = fx.run(t, "ls", "-json", "-user", "nobody")
		wantCode(t, r, 0)
		if strings.TrimSpace(r.stdout) != "[]" {
			t.Errorf("empty ls -json printed %q", r.stdout)
		}
	})
}

// expiredAnHourAgo matches show's line for a session that expired an
// hour ago, give or take the seconds the test itself took.
var expiredAnHourAgo = regexp.MustCompile(`\(expired 1h(0m[0-9]+s)? ago\)`)

func TestShow(t *testing.T) {
	forEachStore(t, func(t *testing.T, fx *fixture) {
		k := randomKey(t, "")
		expired := randomKey(t, "")
		gob := randomKey(t, "")
		garbage := randomKey(t, "")
		put(t, fx,
			seed{key: k, user: "alice", created: -hour, accessed: -hour, expires: hour,
				data: jsonData(`{"cart":["tea","milk"],"counter":3}`)},
			seed{key: expired, user: "carol", created: -day, accessed: -day, expires: -hour},
			seed{key: gob, user: "dave", expires: hour,
				data: makeEnvelope("", nil, nil, []byte("G\x0b\xff\x81\x04\x01\x02\xff\x82\x00"))},
			seed{key: garbage, user: "eve", expires: hour, data: []byte("not an envelope")},
		)

		for _, arg := range []string{k, k[:8], strings.ToUpper(k[:10])} {
			r := fx.run(t, "show", arg)
			wantCode(t, r, 0)
			for _, want := range []string{
				"key:          " + k, "user:         alice", "remote addr:  192.0.2.7:5555",
				"form tokens:  1 outstanding (values not shown)", "flashes:      1 queued",
				"codec:        json", "version:      1",
				"data:\n{\n  \"cart\": [\n    \"tea\",\n    \"milk\"\n  ],\n  \"counter\": 3\n}\n",
			} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("show %s: output lacks %q:\n%s", arg, want, r.stdout)
				}
			}
			if strings.Contains(r.stdout+r.stderr, secretToken) || strings.Contains(r.stdout, "hello") {
				t.Errorf("show printed a form token or a flash:\n%s", r.stdout)
			}
		}

		// An expired session is still shown, by full key or prefix. Its
		// age is an hour and however long the test took since it stored
		// the record (a second or more on a loaded machine).
		for _, arg := range []string{expired, expired[:6]} {
			r := fx.run(t, "show", arg)
			wantCode(t, r, 0)
			if !strings.Contains(r.stdout, "user:         carol") || !expiredAnHourAgo.MatchString(r.stdout) {
				t.Errorf("show expired:\n%s", r.stdout)
			}
		}

		r := fx.run(t, "show", gob)
		wantCode(t, r, 0)
		if !strings.Contains(r.stdout, "codec:        gob") || !strings.Contains(r.stdout, "bytes of gob, not shown") ||
			!strings.Contains(r.stdout, "remote addr:  -") {
			t.Errorf("show gob:\n%s", r.stdout)
		}
		r = fx.run(t, "show", garbage)
		wantCode(t, r, 0)
		if !strings.Contains(r.stdout, "not a session2 envelope") || strings.Contains(r.stdout, "not an envelope") {
			t.Errorf("show garbage:\n%s", r.stdout)
		}

		r = fx.run(t, "show", "-json", k[:8])
		wantCode(t, r, 0)
		var got struct {
			sessionJSON
			Data map[string]any `json:"data"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatalf("show -json: %v\n%s", err, r.stdout)
		}
		if got.Key != k || got.User != "alice" || *got.FormTokens != 1 || *got.Flashes != 1 ||
			*got.Remote != "192.0.2.7:5555" || got.Codec != "json" || got.Data["counter"] != 3.0 {
			t.Errorf("show -json: %+v", got)
		}
		if strings.Contains(r.stdout, secretToken) {
			t.Error("show -json printed a form token")
		}
	})
}

func TestShowNotFound(t *testing.T) {
	forEachStore(t, func(t *testing.T, fx *fixture) {
		a, b := randomKey(t, "abcd1"), randomKey(t, "abcd2")
		put(t, fx, seed{key: a, expires: hour}, seed{key: b, expires: hour})

		r := fx.run(t, "show", "abcd")
		wantCode(t, r, 1)
		oneErrorLine(t, r.stderr, "matches several sessions", "give more characters")

		r = fx.run(t, "show", randomKey(t, "ffff0"))
		wantCode(t, r, 1)
		oneErrorLine(t, r.stderr, "no session with key")

		r = fx.run(t, "rm", "ffff0")
		wantCode(t, r, 1)
		oneErrorLine(t, r.stderr, "no session with key prefix ffff0")
		if !exists(t, fx, a) || !exists(t, fx, b) {
			t.Error("a failed rm deleted something")
		}
	})
}

func TestRm(t *testing.T) {
	forEachStore(t, func(t *testing.T, fx *fixture) {
		alice1, alice2, bob, anon, carol := lsSeeds(t, fx)
		r := fx.run(t, "rm", alice1[:10])
		wantCode(t, r, 0)
		if !strings.Contains(r.stdout, "deleted session "+alice1+" (user alice)") {
			t.Errorf("rm printed %q", r.stdout)
		}
		r = fx.run(t, "rm", carol) // expired, by full key
		wantCode(t, r, 0)
		for _, k := range []string{alice1, carol} {
			if exists(t, fx, k) {
				t.Errorf("%s still stored", k)
			}
		}
		for _, k := range []string{alice2, bob, anon} {
			if !exists(t, fx, k) {
				t.Errorf("rm deleted %s too", k)
			}
		}
		r = fx.run(t, "rm", alice1)
		wantCode(t, r, 1)
		oneErrorLine(t, r.stderr, "no session with key "+alice1)
	})
}

func TestLogoutUser(t *testing.T) {
	forEachStore(t, func(t *testing.T, fx *fixture) {
		alice1, alice2, bob, anon, carol := lsSeeds(t, fx)

		// The empty user would be a filter matching every session.
		r := fx.run(t, "logout-user", "")
		wantCode(t, r, 2)
		oneErrorLine(t, r.stderr, "USER is empty")

		r = fx.run(t, "logout-user", "alice")
		wantCode(t, r, 0)
		if r.stdout != "deleted 2 sessions of user alice\n" {
			t.Errorf("stdout %q", r.stdout)
		}
		for _, k := range []string{alice1, alice2} {
			if exists(t, fx, k) {
				t.Error("alice's session survived")
			}
		}
		for _, k := range []string{bob, anon, carol} {
			if !exists(t, fx, k) {
				t.Error("another session was deleted")
			}
		}
		r = fx.run(t, "logout-user", "alice")
		wantCode(t, r, 0)
		if r.stdout != "deleted 0 sessions of user alice\n" {
			t.Errorf("stdout %q", r.stdout)
		}
	})
}

func TestGC(t *testing.T) {
	forEachStore(t, func(t *testing.T, fx *fixture) {
		exp1, exp2, idle, fresh := randomKey(t, ""), randomKey(t, ""), randomKey(t, ""), randomKey(t, "")
		put(t, fx,
			seed{key: exp1, user: "a", created: -day, accessed: -day, expires: -hour},
			seed{key: exp2, created: -hour, accessed: -hour, expires: -time.Minute},
			seed{key: idle, user: "b", created: -4 * hour, accessed: -3 * hour, expires: day},
			seed{key: fresh, user: "c", created: -hour, accessed: -time.Minute, expires: day},
		)
		r := fx.run(t, "gc")
		wantCode(t, r, 0)
		if r.stdout != "deleted 2 expired sessions\n" {
			t.Errorf("gc printed %q", r.stdout)
		}
		if exists(t, fx, exp1) || exists(t, fx, exp2) || !exists(t, fx, idle) || !exists(t, fx, fresh) {
			t.Error("gc deleted the wrong sessions")
		}

		put(t, fx, seed{key: exp1, expires: -hour})
		r = fx.run(t, "gc", "-idle", "2h")
		wantCode(t, r, 0)
		if r.stdout != "deleted 2 sessions: 1 expired, 1 idle for more than 2h\n" {
			t.Errorf("gc -idle printed %q", r.stdout)
		}
		if exists(t, fx, exp1) || exists(t, fx, idle) || !exists(t, fx, fresh) {
			t.Error("gc -idle deleted the wrong sessions")
		}
		if r.stderr != "" {
			t.Errorf("gc wrote to stderr, not a terminal: %q", r.stderr)
		}
	})
}

func TestStats(t *testing.T) {
	forEachStore(t, func(t *testing.T, fx *fixture) {
		lsSeeds(t, fx)
		r := fx.run(t, "stats", "-top", "2")
		wantCode(t, r, 0)
		for _, want := range []string{
			"sessions:     5\n", "  live:       4\n", "  expired:    1\n", "  anonymous:  1\n", "users:        3\n",
			"top users by sessions:\n  2  alice\n  1  bob\n",
		} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("stats lacks %q:\n%s", want, r.stdout)
			}
		}
		if strings.Contains(r.stdout, "carol") {
			t.Errorf("-top 2 showed a third user:\n%s", r.stdout)
		}

		r = fx.run(t, "stats", "-json")
		wantCode(t, r, 0)
		var got struct {
			Total, Live, Expired, Anonymous, Users int
			Bytes                                  int64
			TopUsers                               []userCount `json:"top_users"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatalf("stats -json: %v\n%s", err, r.stdout)
		}
		want := []userCount{{"alice", 2}, {"bob", 1}, {"carol", 1}}
		if got.Total != 5 || got.Live != 4 || got.Expired != 1 || got.Anonymous != 1 || got.Users != 3 ||
			got.Bytes <= 0 || fmt.Sprint(got.TopUsers) != fmt.Sprint(want) {
			t.Errorf("stats -json: %+v", got)
		}
	})
}

// TestRealSession stores a session through the core's manager and checks
// what sessionctl shows of it: the user, the data, the counts, and neither
// the cookie's token nor the form token.
func TestRealSession(t *testing.T) {
	fx := memFixture(t)
	var store session.Store
	fx.with(t, func(s session.Store) { store = s })
	sess := newRealSession(t, store)

	r := fx.run(t, "show", sess.key[:8])
	wantCode(t, r, 0)
	for _, want := range []string{
		"user:         alice", "form tokens:  2 outstanding", "flashes:      1 queued", "codec:        json",
		`"counter": 3`, "remote addr:  127.0.0.1\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("show lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, cmd := range [][]string{{"ls"}, {"ls", "-json"}, {"show", sess.key}, {"show", "-json", sess.key}, {"stats"}} {
		r := fx.run(t, cmd...)
		wantCode(t, r, 0)
		for _, secret := range append([]string{sess.token}, sess.formTokens...) {
			if strings.Contains(r.stdout+r.stderr, secret) {
				t.Errorf("%v printed a secret", cmd)
			}
		}
	}
	r = fx.run(t, "logout-user", "alice")
	wantCode(t, r, 0)
	if _, err := store.Load(context.Background(), sess.key); err == nil {
		t.Error("logout-user left the session")
	}
}

// gc on a file store also tidies the directory as the store's sweeper
// would: here a corrupt file where a record belongs.
func TestGCSweepsFileStore(t *testing.T) {
	dir := t.TempDir()
	fs, err := filestore.New(dir, filestore.WithSweepInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	fs.Close()
	bad := filepath.Join(dir, "r", "cd", strings.Repeat("cd", 32))
	if err := os.WriteFile(bad, []byte("not a record"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runApp(t, testApp(), "-store", "file:"+dir, "gc")
	wantCode(t, r, exitOK)
	if !strings.Contains(r.stdout, "removed 1 stale files (1 corrupt or foreign") {
		t.Errorf("gc output %q does not report the corrupt file", r.stdout)
	}
	if _, err := os.Stat(bad); !os.IsNotExist(err) {
		t.Errorf("the corrupt file is still there: %v", err)
	}
}
