package main

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// device is one <li> of /devices.
type device struct {
	id      string
	current bool
	body    string
}

// thisDevice is the mark of the visitor's own session.
const thisDevice = `<span class="this">this device</span>`

var deviceRE = regexp.MustCompile(`(?s)<li class="device( current)?" data-device="([^"]+)">(.*?)</li>`)

// devices parses the sessions a /devices page lists.
func (r response) devices(t *testing.T) []device {
	t.Helper()
	var out []device
	for _, m := range deviceRE.FindAllStringSubmatch(r.body, -1) {
		out = append(out, device{id: m[2], current: m[1] != "", body: m[3]})
	}
	if n := strings.Count(r.body, "<li"); n != len(out) {
		t.Errorf("%d <li> on the page, %d of them devices:\n%s", n, len(out), r.body)
	}
	return out
}

// revoke posts the devices page's form for id, with the page's CSRF token.
func (c *client) revoke(t *testing.T, page response, id string) response {
	t.Helper()
	return c.post("/devices/revoke", url.Values{"csrf_token": {page.csrfToken(t)}, "id": {id}})
}

// TestDevices: /devices lists the visitor's own sessions, marks the
// current one, and signs out exactly the one asked for, never another
// user's.
func TestDevices(t *testing.T) {
	forEach(t, func(t *testing.T, d *demo) {
		phone, laptop, other := d.client(t), d.client(t), d.client(t)
		phone.agent, laptop.agent, other.agent = "Phone <Browser> 1.0", "Laptop Browser 2.0", "Other Browser 3.0"
		phone.post("/login", url.Values{"name": {"ada"}}).expect(t, http.StatusOK, "Welcome! ada")
		laptop.post("/login", url.Values{"name": {"ada"}}).expect(t, http.StatusOK, "Welcome! ada")
		other.post("/login", url.Values{"name": {"bo"}}).expect(t, http.StatusOK, "Welcome! bo")
		laptop.get("/").expect(t, http.StatusOK, `href="/devices"`)

		page := laptop.get("/devices").expect(t, http.StatusOK, "Your devices",
			html.EscapeString(phone.agent), laptop.agent, "Last seen: ", "Signed in: ", "Address: 127.0.0.1",
			`action="/devices/revoke"`, `name="id"`)
		page.lacks(t, other.agent, "<Browser>", phone.cookie(), laptop.cookie())
		list := page.devices(t)
		if len(list) != 2 {
			t.Fatalf("%d devices listed, want ada's 2:\n%s", len(list), page.body)
		}
		var phoneID, laptopID string
		for _, dv := range list {
			switch {
			case dv.current && strings.Contains(dv.body, laptop.agent) && strings.Contains(dv.body, thisDevice):
				laptopID = dv.id
			case !dv.current && strings.Contains(dv.body, html.EscapeString(phone.agent)) && !strings.Contains(dv.body, thisDevice):
				phoneID = dv.id
			}
		}
		if phoneID == "" || laptopID == "" || strings.Count(page.body, thisDevice) != 1 {
			t.Fatalf("want the laptop's session alone marked \"this device\":\n%s", page.body)
		}
		otherPage := other.get("/devices").expect(t, http.StatusOK, other.agent, thisDevice).lacks(t, laptop.agent)
		otherList := otherPage.devices(t)
		if len(otherList) != 1 {
			t.Fatalf("bo's page lists %d devices, want 1", len(otherList))
		}
		otherID := otherList[0].id

		// Another user's ID from ada's page signs out nothing.
		r := laptop.revoke(t, page, otherID).expect(t, http.StatusOK, "No session of yours has that ID")
		if r.seeOther != "/devices" || len(r.devices(t)) != 2 {
			t.Errorf("after refusing bo's ID: 303 to %q, %d devices", r.seeOther, len(r.devices(t)))
		}
		laptop.revoke(t, page, "no-such-id").expect(t, http.StatusOK, "No session of yours has that ID")
		other.get("/").expect(t, http.StatusOK, "Hello, bo!")
		phone.get("/").expect(t, http.StatusOK, "Hello, ada!")

		// Without the CSRF token a browser's post is refused.
		same := http.Header{"Origin": {d.srv.URL}, "Sec-Fetch-Site": {"same-origin"}}
		laptop.do(http.MethodPost, "/devices/revoke", url.Values{"id": {phoneID}}, same).expect(t, http.StatusForbidden, "CSRF")
		laptop.do(http.MethodPost, "/devices/revoke", url.Values{"id": {phoneID}, "csrf_token": {"forged"}}, same).expect(t, http.StatusForbidden, "CSRF")
		phone.get("/").expect(t, http.StatusOK, "Hello, ada!")

		// The phone's session: signed out, and the laptop's kept.
		r = laptop.revoke(t, page, phoneID).expect(t, http.StatusOK, "The session was signed out.", thisDevice)
		if r.seeOther != "/devices" {
			t.Errorf("revoke: 303 to %q, want /devices", r.seeOther)
		}
		if got := r.devices(t); len(got) != 1 || got[0].id != laptopID {
			t.Errorf("after the revoke the page lists %+v, want the laptop's alone", got)
		}
		phone.get("/").expect(t, http.StatusOK, "Not logged in.")
		laptop.get("/").expect(t, http.StatusOK, "Hello, ada!")
		other.get("/").expect(t, http.StatusOK, "Hello, bo!")
		laptop.get("/devices").expect(t, http.StatusOK).lacks(t, "The session was signed out.") // shown once

		// The current session: the visitor is logged out.
		r = laptop.revoke(t, page, laptopID).expect(t, http.StatusOK, "This device was signed out.", "Goodbye!")
		if r.seeOther != "/goodbye" {
			t.Errorf("revoking this device: 303 to %q, want /goodbye", r.seeOther)
		}
		laptop.get("/").expect(t, http.StatusOK, "Not logged in.")
		other.get("/").expect(t, http.StatusOK, "Hello, bo!")
		if laptop.cookie() != "" {
			t.Error("the flash's session outlived the goodbye page")
		}
	})
}

// TestDevicesRefusals: anonymous visitors go to the login page, and the
// revoke form answers POST only.
func TestDevicesRefusals(t *testing.T) {
	for _, f := range frameworks() {
		t.Run(f, func(t *testing.T) {
			d := newDemo(t, f, "memory:")
			anon := d.client(t)
			r := anon.get("/devices")
			if r.status != http.StatusSeeOther || r.header.Get("Location") != "/login" {
				t.Errorf("anonymous /devices: %d to %q, want 303 to /login", r.status, r.header.Get("Location"))
			}
			if anon.cookie() != "" {
				t.Error("an anonymous /devices set a cookie")
			}
			anon.post("/devices/revoke", url.Values{"id": {"x"}}).expect(t, http.StatusForbidden, "Not logged in")

			c := d.client(t)
			c.post("/login", url.Values{"name": {"ida"}}).expect(t, http.StatusOK)
			r = c.get("/devices/revoke").expect(t, http.StatusMethodNotAllowed)
			if allow := r.header.Get("Allow"); allow != "POST" {
				t.Errorf("Allow %q, want POST", allow)
			}
			tok := c.get("/devices").csrfToken(t)
			c.post("/devices/revoke", url.Values{"csrf_token": {tok}}).expect(t, http.StatusBadRequest, "Missing id")
			c.get("/").expect(t, http.StatusOK, "Hello, ida!")
		})
	}
}

// TestMaxSessionsFlag: with -max-sessions-per-user 2, a third login
// signs out the first; without the flag, all three stay.
func TestMaxSessionsFlag(t *testing.T) {
	for _, f := range frameworks() {
		for _, st := range testStores {
			t.Run(f+"/"+st.name, func(t *testing.T) {
				d := newDemoArgs(t, f, "-store", st.url(t), "-max-sessions-per-user", "2")
				first, second, third := d.client(t), d.client(t), d.client(t)
				for _, c := range []*client{first, second, third} {
					c.post("/login", url.Values{"name": {"cy"}}).expect(t, http.StatusOK, "Welcome! cy")
				}
				first.get("/").expect(t, http.StatusOK, "Not logged in.")
				second.get("/").expect(t, http.StatusOK, "Hello, cy!")
				third.get("/").expect(t, http.StatusOK, "Hello, cy!")
				if n := len(third.get("/devices").expect(t, http.StatusOK, "At most 2 at a time").devices(t)); n != 2 {
					t.Errorf("%d devices listed, want 2", n)
				}

				d = newDemoArgs(t, f, "-store", st.url(t))
				var all []*client
				for range 3 {
					c := d.client(t)
					c.post("/login", url.Values{"name": {"cy"}}).expect(t, http.StatusOK)
					all = append(all, c)
				}
				for _, c := range all {
					c.get("/").expect(t, http.StatusOK, "Hello, cy!")
				}
				all[2].get("/devices").expect(t, http.StatusOK).lacks(t, "At most")
			})
		}
	}
}
