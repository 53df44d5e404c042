package main

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// normalizers replace what differs between two runs of the same script
// (tokens, keys, times) with placeholders.
var normalizers = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`name="form_token" value="[^"]*"`), `name="form_token" value="TOKEN"`},
	{regexp.MustCompile(`name="csrf_token" value="[^"]*"`), `name="csrf_token" value="TOKEN"`},
	{regexp.MustCompile(`Token created: [A-Za-z0-9_-]+`), `Token created: TOKEN`},
	{regexp.MustCompile(`session_id: [0-9a-f]*`), `session_id: KEY`},
	{regexp.MustCompile(`<code>[0-9a-f]+…</code>`), `<code>KEY…</code>`},
	{regexp.MustCompile(`data-device="[^"]*"`), `data-device="ID"`},
	{regexp.MustCompile(`name="id" value="[^"]*"`), `name="id" value="ID"`},
	{regexp.MustCompile(`\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(Z| UTC)`), `TIME`},
}

// transcript runs a script covering every route, good and bad requests,
// and returns what came back, normalized.
func transcript(t *testing.T, d *demo) string {
	c := d.client(t)
	other := d.client(t)
	other.post("/login", url.Values{"name": {"other"}})
	var b strings.Builder
	record := func(label string, r response) {
		body := r.body
		for _, n := range normalizers {
			body = n.re.ReplaceAllString(body, n.with)
		}
		fmt.Fprintf(&b, "== %s\nsee other: %s\nstatus %d\n", label, r.seeOther, r.status)
		for _, h := range []string{"Content-Type", "Cache-Control", "Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Location", "Allow"} {
			fmt.Fprintf(&b, "%s: %s\n", h, r.header.Get(h))
		}
		fmt.Fprintf(&b, "Set-Cookie present: %t\n%s\n", len(r.header.Values("Set-Cookie")) > 0, body)
	}
	get := func(path string) { record("GET "+path, c.get(path)) }
	post := func(path string, form url.Values) { record("POST "+path+" "+form.Encode(), c.post(path, form)) }

	get("/")
	get("/login")
	post("/login", url.Values{})
	post("/login", url.Values{"name": {"alice"}, "form_token": {"forged"}})
	post("/login", url.Values{"name": {"alice"}})
	get("/")
	get("/counter")
	get("/check")
	get("/create_token")
	get("/check_token")
	post("/set", url.Values{"key": {"k"}, "value": {"<v>"}})
	get("/get?key=k")
	get("/get?key=none")
	get("/get")
	post("/flash", url.Values{"message": {"hello"}})
	get("/flash")
	get("/flash")
	get("/sessions")
	get("/devices")
	get("/devices/revoke")
	post("/devices/revoke", url.Values{})
	post("/devices/revoke", url.Values{"id": {"nope"}})
	browser := http.Header{"Sec-Fetch-Site": {"same-origin"}}
	record("POST /set browser, no token", c.do(http.MethodPost, "/set", url.Values{"key": {"b"}, "value": {"1"}}, browser))
	tok := c.get("/sessions").csrfToken(t)
	record("POST /set htmx", c.do(http.MethodPost, "/set", url.Values{"key": {"h"}, "value": {"2"}},
		http.Header{"Sec-Fetch-Site": {"same-origin"}, "HX-Request": {"true"}, "X-CSRF-Token": {tok}}))
	record("POST /set forged token", c.do(http.MethodPost, "/set", url.Values{"key": {"f"}, "value": {"3"}, "csrf_token": {"forged"}}, nil))
	get("/delete_old?minutes=x")
	get("/delete_old?minutes=60")
	record("POST /login cross-site", c.do(http.MethodPost, "/login", url.Values{"name": {"x"}}, http.Header{"Origin": {"http://evil.example"}}))
	get("/nope")
	get("/login/")
	record("PUT /login", c.do(http.MethodPut, "/login", nil, nil))
	record("OPTIONS /", c.do(http.MethodOptions, "/", nil, nil))
	record("HEAD /counter", c.do(http.MethodHead, "/counter", nil, nil))
	record("DELETE /set", c.do(http.MethodDelete, "/set", nil, nil))
	post("/logout_all", url.Values{})
	get("/")
	get("/logout")
	post("/logout", url.Values{})
	post("/logout_all", url.Values{})
	get("/devices")
	return b.String()
}

// TestIdenticalPages: every framework answers the same script with the
// same statuses, headers and pages.
func TestIdenticalPages(t *testing.T) {
	fws := frameworks()
	if len(fws) < 2 {
		t.Skip("one framework only")
	}
	want := transcript(t, newDemo(t, fws[0], "memory:"))
	for _, f := range fws[1:] {
		t.Run(f, func(t *testing.T) {
			got := transcript(t, newDemo(t, f, "memory:"))
			if got == want {
				return
			}
			wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
			for i := range max(len(wl), len(gl)) {
				var w, g string
				if i < len(wl) {
					w = wl[i]
				}
				if i < len(gl) {
					g = gl[i]
				}
				if w != g {
					t.Fatalf("%s differs from %s at line %d:\n%s: %q\n%s: %q\n\n%s transcript:\n%s", f, fws[0], i+1, fws[0], w, f, g, f, got)
				}
			}
		})
	}
}
