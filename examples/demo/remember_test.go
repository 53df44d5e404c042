package main

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// sessionCookie returns the session cookie a response set, or nil.
func sessionCookie(r response) *http.Cookie {
	for _, ck := range (&http.Response{Header: r.header}).Cookies() {
		if ck.Name == session.DefaultCookieName {
			return ck
		}
	}
	return nil
}

// TestRememberMe: a login with "remember me" checked gets a cookie of 30
// days (Max-Age=2592000) and a session that survives an idle gap longer
// than the demo's idle timeout (30 minutes) and its lifetime (24 hours),
// until the 30 days are over; a login without it gets a browser-session
// cookie and a session that the idle gap ends.
func TestRememberMe(t *testing.T) {
	for _, f := range frameworks() {
		for _, st := range testStores {
			t.Run(f+"/"+st.name, func(t *testing.T) {
				clock := sessiontest.NewClock(time.Now()) // the demo's clock, moved by hand
				d := newDemo(t, f, st.url(t), session.WithClock(clock.Now))
				d.app.now = clock.Now
				d.client(t).get("/login").expect(t, http.StatusOK,
					`<input type="checkbox" name="remember" id="remember" value="on">`)

				kept, dropped := d.client(t), d.client(t)
				r := kept.once(http.MethodPost, "/login", url.Values{"name": {"rita"}, "remember": {"on"}}, nil)
				r.expect(t, http.StatusSeeOther)
				if ck := sessionCookie(r); ck == nil || ck.MaxAge != 2592000 {
					t.Fatalf("remembered login: cookie %v, want Max-Age=2592000", ck)
				}
				r = dropped.once(http.MethodPost, "/login", url.Values{"name": {"dan"}}, nil)
				r.expect(t, http.StatusSeeOther)
				if ck := sessionCookie(r); ck == nil || ck.MaxAge != 0 {
					t.Fatalf("login without remember: cookie %v, want one without Max-Age", ck)
				}
				kept.get("/").expect(t, http.StatusOK, "Hello, rita!")
				dropped.get("/").expect(t, http.StatusOK, "Hello, dan!")

				clock.Advance(2 * time.Hour) // longer than the idle timeout
				kept.get("/").expect(t, http.StatusOK, "Hello, rita!")
				dropped.get("/").expect(t, http.StatusOK, "Not logged in.")

				clock.Advance(3 * 24 * time.Hour) // longer than the lifetime too
				kept.get("/").expect(t, http.StatusOK, "Hello, rita!")
				clock.Advance(27 * 24 * time.Hour) // past the 30 days
				kept.get("/").expect(t, http.StatusOK, "Not logged in.")
			})
		}
	}
}
