package main

import (
	"net/http"
	"net/url"
	"testing"
)

// TestAdminOff: without -admin-local the admin pages do not exist on any
// router (404, for a logged-in visitor too), and no page links to them.
func TestAdminOff(t *testing.T) {
	for _, f := range frameworks() {
		t.Run(f, func(t *testing.T) {
			base := startRun(t, "-framework", f, "-store", "memory:")
			c := newClient(t, base)
			c.post("/login", url.Values{"name": {"ola"}}).expect(t, http.StatusOK, "Welcome! ola")
			c.get("/sessions").expect(t, http.StatusNotFound).lacks(t, "ola")
			c.get("/delete_old?minutes=0").expect(t, http.StatusNotFound)
			c.once(http.MethodPost, "/delete_old", url.Values{"minutes": {"0"}}, nil).expect(t, http.StatusNotFound)
			c.get("/").expect(t, http.StatusOK, "Hello, ola!").lacks(t, `href="/sessions"`)
		})
	}
}

// TestAdminAnonymous: with -admin-local, an anonymous visitor is sent to
// the login page by a GET of an admin page and refused a POST, which
// deletes nothing; /delete_old answers GET and POST only.
func TestAdminAnonymous(t *testing.T) {
	for _, f := range frameworks() {
		t.Run(f, func(t *testing.T) {
			d := newDemo(t, f, "memory:")
			user := d.client(t)
			user.post("/login", url.Values{"name": {"pia"}}).expect(t, http.StatusOK)
			anon := d.client(t)
			for _, path := range []string{"/sessions", "/delete_old", "/delete_old?minutes=0"} {
				r := anon.get(path).expect(t, http.StatusSeeOther).lacks(t, "pia")
				if loc := r.header.Get("Location"); loc != "/login" {
					t.Errorf("anonymous GET %s: 303 to %q, want /login", path, loc)
				}
			}
			anon.once(http.MethodPost, "/delete_old", url.Values{"minutes": {"0"}}, nil).expect(t, http.StatusForbidden, "Log in first")
			if anon.cookie() != "" {
				t.Error("an anonymous visitor of the admin pages got a cookie")
			}
			user.get("/").expect(t, http.StatusOK, "Hello, pia!")
			r := user.do(http.MethodPut, "/delete_old", url.Values{"minutes": {"0"}}, nil).expect(t, http.StatusMethodNotAllowed)
			if allow := r.header.Get("Allow"); allow != "GET, POST" {
				t.Errorf("PUT /delete_old: Allow %q, want \"GET, POST\"", allow)
			}
			user.get("/").expect(t, http.StatusOK, "Hello, pia!")
		})
	}
}
