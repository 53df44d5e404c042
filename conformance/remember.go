package conformance

import (
	"strings"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
)

// rememberFor is how long the application's /login?remember=on keeps a
// session: "remember me for 30 days".
const rememberFor = 30 * 24 * time.Hour

// testRememberMe: under a manager idle timeout of 30 minutes, a session
// remembered for 30 days (Session.Remember) survives idle gaps of days,
// with a cookie that lasts 30 days, and ends after its 30 days; a session
// not remembered ends after 30 idle minutes.
func testRememberMe(t *testing.T, newApp appFunc) {
	a := newApp(t, session.WithExpiry(session.Expiry{Idle: 30 * time.Minute}))
	remembered, plain := a.client(), a.client()
	res := remembered.post("/login?user=ann&remember=on")
	if a.mgr.TokenHeader() == "" {
		if sc := strings.Join(a.sent(res), "\n"); !strings.Contains(sc, "Max-Age=2592000") {
			t.Errorf("the remember-me login sent %q, want a cookie with Max-Age=2592000 (30 days)", sc)
		}
	}
	plain.post("/login?user=bob")
	a.clock.Advance(31 * time.Minute)
	if got := readBody(t, plain.get("/user")); got != "" {
		t.Errorf("a session not remembered outlived the idle timeout: user %q", got)
	}
	for _, gap := range []time.Duration{31 * time.Minute, 3 * 24 * time.Hour, 10 * 24 * time.Hour, 12 * 24 * time.Hour} {
		a.clock.Advance(gap)
		if got := readBody(t, remembered.get("/user")); got != "ann" {
			t.Fatalf("after an idle gap of %v, the remembered session gives user %q, want ann", gap, got)
		}
	}
	a.clock.Advance(8 * 24 * time.Hour) // past 30 days since the login
	if got := readBody(t, remembered.get("/user")); got != "" {
		t.Errorf("the remembered session outlived its 30 days: user %q", got)
	}
}
