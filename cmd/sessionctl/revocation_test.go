package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/session2/session2/core/session"
)

// revocationKeys returns the keys of the revocation records in the store.
func revocationKeys(t *testing.T, fx *fixture) []string {
	t.Helper()
	var keys []string
	fx.with(t, func(s session.Store) {
		for e, err := range s.List(context.Background(), session.Filter{}) {
			if err != nil {
				t.Fatalf("list: %v", err)
			}
			if session.IsRevocationRecord(e.Record) {
				keys = append(keys, e.Key)
			}
		}
	})
	return keys
}

// TestLogoutUserRevocation: logout-user goes through the manager's
// LogoutUser, which leaves the user's revocation record (what makes it win
// over a login in flight in the application); ls and stats skip that
// record, and show and rm say what it is.
func TestLogoutUserRevocation(t *testing.T) {
	forEachStore(t, func(t *testing.T, fx *fixture) {
		_, _, bob, anon, carol := lsSeeds(t, fx)
		var real realSession
		fx.with(t, func(s session.Store) { real = newRealSession(t, s) })

		r := fx.run(t, "logout-user", "alice")
		wantCode(t, r, 0)
		if r.stdout != "deleted 3 sessions of user alice\n" {
			t.Errorf("stdout %q", r.stdout)
		}
		if _, ok := load(t, fx, real.key); ok {
			t.Error("alice's session, stored by a manager, survived")
		}
		rev := revocationKeys(t, fx)
		if len(rev) != 1 {
			t.Fatalf("%d revocation records after logout-user, want 1 (alice's)", len(rev))
		}

		// Not a session: ls and stats leave it out.
		for _, args := range [][]string{{"ls"}, {"ls", "-all"}} {
			r = fx.run(t, args...)
			wantCode(t, r, 0)
			want := prefixes(bob, anon)
			if len(args) > 1 {
				want = append(want, prefixes(carol)...)
			}
			if got := tableKeys(t, r.stdout); !sameSet(got, want) {
				t.Errorf("%v: keys %v, want %v", args, got, want)
			}
		}
		r = fx.run(t, "ls", "-all", "-json")
		wantCode(t, r, 0)
		if strings.Contains(r.stdout, rev[0]) {
			t.Errorf("ls -json lists the revocation record:\n%s", r.stdout)
		}
		r = fx.run(t, "stats", "-json")
		wantCode(t, r, 0)
		var st struct{ Total, Anonymous int }
		if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
			t.Fatalf("stats -json: %v\n%s", err, r.stdout)
		}
		if st.Total != 3 || st.Anonymous != 1 {
			t.Errorf("stats counts %+v, want 3 sessions, 1 anonymous (bob, anon, carol)", st)
		}

		// show says what it is, by full key or prefix.
		for _, arg := range []string{rev[0], rev[0][:10]} {
			r = fx.run(t, "show", arg)
			wantCode(t, r, 0)
			for _, want := range []string{"key:          " + rev[0], "kind:         revocation record, not a session", "user:         - (not stored"} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("show %s lacks %q:\n%s", arg, want, r.stdout)
				}
			}
			if strings.Contains(r.stdout, "anonymous") || strings.Contains(r.stdout, "not a session2 envelope") {
				t.Errorf("show %s takes it for a session:\n%s", arg, r.stdout)
			}
		}
		r = fx.run(t, "show", "-json", rev[0])
		wantCode(t, r, 0)
		var j sessionJSON
		if err := json.Unmarshal([]byte(r.stdout), &j); err != nil {
			t.Fatalf("show -json: %v\n%s", err, r.stdout)
		}
		if j.Kind != "revocation" || j.Key != rev[0] || !strings.HasPrefix(j.DataNote, "revocation record") {
			t.Errorf("show -json: %+v", j)
		}

		r = fx.run(t, "rm", rev[0])
		wantCode(t, r, 0)
		if r.stdout != "deleted revocation record "+rev[0]+" (not a session)\n" {
			t.Errorf("rm printed %q", r.stdout)
		}
		if len(revocationKeys(t, fx)) != 0 {
			t.Error("rm left the revocation record")
		}
	})
}
