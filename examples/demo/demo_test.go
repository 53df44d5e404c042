package main

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// TestScriptedSession drives the script: login, counter, check,
// logout, on every framework and store.
func TestScriptedSession(t *testing.T) {
	forEach(t, func(t *testing.T, d *demo) {
		c := d.client(t)

		r := c.get("/").expect(t, http.StatusOK, "Not logged in.", `href="/login"`)
		if sc := r.header.Values("Set-Cookie"); len(sc) != 0 {
			t.Errorf("anonymous home page set a cookie: %q", sc)
		}
		if ct := r.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}

		// The anonymous login form carries no token and sets no cookie:
		// the cross-origin protection guards it.
		c.get("/login").expect(t, http.StatusOK, `<form method="post" action="/login">`, `name="name"`).lacks(t, `name="csrf_token"`, `name="form_token"`)
		if c.cookie() != "" {
			t.Fatal("the anonymous login form set a session cookie")
		}
		c.get("/create_token").expect(t, http.StatusOK) // a session, to see the login renew it
		pre := c.cookie()
		r = c.post("/login", url.Values{"name": {"alice"}}).expect(t, http.StatusOK, "Welcome! alice")
		if r.seeOther != "/welcome" {
			t.Errorf("login: 303 to %q, want /welcome", r.seeOther)
		}
		if after := c.cookie(); after == "" || after == pre {
			t.Errorf("login did not renew the token")
		}

		c.get("/").expect(t, http.StatusOK, "Hello, alice!", "Counter: 0", `href="/"`)
		c.get("/counter").expect(t, http.StatusOK, "Counter: 1")
		c.get("/counter").expect(t, http.StatusOK, "Counter: 2")
		c.get("/").expect(t, http.StatusOK, "Hello, alice!", "Counter: 2")

		lines := c.get("/check").expect(t, http.StatusOK).lines(t)
		want := map[string]string{"user": "alice", "counter": "2", "has_info": "true"}
		for k, v := range want {
			if lines[k] != v {
				t.Errorf("/check %s = %q, want %q", k, lines[k], v)
			}
		}
		for _, k := range []string{"session_id", "user", "counter", "has_info", "form_tokens_count", "has_form_tokens", "access_time"} {
			if _, ok := lines[k]; !ok {
				t.Errorf("/check lacks the line %s", k)
			}
		}
		if !session.IsKey(lines["session_id"]) {
			t.Errorf("session_id %q is not a store key", lines["session_id"])
		}
		if strings.Contains(lines["session_id"], c.cookie()) {
			t.Error("/check shows the token")
		}
		if _, err := time.Parse(time.RFC3339, lines["access_time"]); err != nil {
			t.Errorf("access_time: %v", err)
		}

		c.get("/logout").expect(t, http.StatusOK, "Goodbye!")
		if c.cookie() != "" {
			t.Error("logout left the cookie in the jar")
		}
		c.get("/").expect(t, http.StatusOK, "Not logged in.").lacks(t, "Hello")
		lines = c.get("/check").lines(t)
		if lines["user"] != "" || lines["has_info"] != "false" || lines["counter"] != "0" || lines["session_id"] != "" {
			t.Errorf("after logout /check says %q", lines)
		}

		// POST /logout, with the form token of the home page.
		c.post("/login", url.Values{"name": {"bob"}}).expect(t, http.StatusOK, "Welcome! bob")
		tok := c.get("/").expect(t, http.StatusOK, "Hello, bob!").csrfToken(t)
		c.post("/logout", url.Values{"csrf_token": {tok}}).expect(t, http.StatusOK, "Goodbye!")
		c.get("/").expect(t, http.StatusOK, "Not logged in.")
	})
}

// TestOldTokenDead checks that a stolen pre-login token and a logged-out
// token are worthless.
func TestOldTokenDead(t *testing.T) {
	forEach(t, func(t *testing.T, d *demo) {
		c := d.client(t)
		c.get("/create_token")
		pre := c.cookie()
		c.post("/login", url.Values{"name": {"carol"}}).expect(t, http.StatusOK, "Welcome! carol")
		post := c.cookie()

		thief := d.client(t)
		u, _ := url.Parse(d.srv.URL)
		thief.jar.SetCookies(u, []*http.Cookie{{Name: session.DefaultCookieName, Value: pre}})
		thief.get("/").expect(t, http.StatusOK, "Not logged in.")
		thief.jar.SetCookies(u, []*http.Cookie{{Name: session.DefaultCookieName, Value: post}})
		thief.get("/").expect(t, http.StatusOK, "Hello, carol!")
		c.get("/logout").expect(t, http.StatusOK, "Goodbye!")
		thief.get("/").expect(t, http.StatusOK, "Not logged in.")
	})
}

// TestPages checks every page's exact text once.
func TestPages(t *testing.T) {
	forEach(t, func(t *testing.T, d *demo) {
		c := d.client(t)
		c.get("/create_token").expect(t, http.StatusOK).formToken(t)
		lines := c.get("/check_token").expect(t, http.StatusOK).lines(t)
		if lines["has_form_tokens"] != "true" || lines["form_tokens_count"] != "1" || len(lines) != 2 {
			t.Errorf("/check_token = %q", lines)
		}
		c.post("/set", url.Values{"key": {"colour"}, "value": {"blue & <green>"}}).expect(t, http.StatusOK, "Set colour = blue &amp; &lt;green&gt;")
		r := c.get("/get?key=colour").expect(t, http.StatusOK)
		if r.body != "blue & <green>" || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
			t.Errorf("/get = %q (%s)", r.body, r.header.Get("Content-Type"))
		}
		c.get("/counter").expect(t, http.StatusOK, "Counter: 1")
		if r := c.get("/get?key=counter"); r.body != "1" {
			t.Errorf("/get?key=counter = %q", r.body)
		}
		c.get("/get?key=nothing").expect(t, http.StatusNotFound)
		c.post("/login", url.Values{"name": {"ida"}}).expect(t, http.StatusOK, "Welcome! ida")
		c.get("/delete_old").expect(t, http.StatusOK, `<form method="post" action="/delete_old">`, `name="minutes"`).lacks(t, "Deleted:")
		c.post("/delete_old", url.Values{"minutes": {"60"}}).expect(t, http.StatusOK, "Deleted: 0")
		c.get("/sessions").expect(t, http.StatusOK, "<table>", "(you)", "ida")
		c.get("/logout").expect(t, http.StatusOK, "Goodbye!")
		c.get("/no/such/page").expect(t, http.StatusNotFound, "There is no page at this address.", `href="/"`)
		c.do(http.MethodDelete, "/login", nil, nil).expect(t, http.StatusMethodNotAllowed, `href="/"`)
		c.get("/").expect(t, http.StatusOK, "Not logged in.")
	})
}

// TestFormTokenRoundTrip: a created token is accepted once, then refused.
func TestFormTokenRoundTrip(t *testing.T) {
	forEach(t, func(t *testing.T, d *demo) {
		c := d.client(t)
		tok := c.get("/create_token").formToken(t)
		if n := c.get("/check_token").lines(t)["form_tokens_count"]; n != "1" {
			t.Errorf("form_tokens_count %s after /create_token, want 1", n)
		}
		c.post("/set", url.Values{"key": {"k"}, "value": {"v"}, "form_token": {tok}}).expect(t, http.StatusOK)
		lines := c.get("/check_token").lines(t)
		if lines["form_tokens_count"] != "0" || lines["has_form_tokens"] != "false" {
			t.Errorf("token not consumed: %q", lines)
		}
		c.post("/set", url.Values{"key": {"k"}, "value": {"w"}, "form_token": {tok}}).expect(t, http.StatusForbidden, "form token")
		c.post("/set", url.Values{"key": {"k"}, "value": {"w"}, "form_token": {"forged"}}).expect(t, http.StatusForbidden)
		c.post("/set", url.Values{"key": {"k"}, "value": {"w"}, "form_token": {""}}).expect(t, http.StatusForbidden)
		if r := c.get("/get?key=k"); r.body != "v" {
			t.Errorf("a refused post changed the value to %q", r.body)
		}

		// A token is bound to its session: another visitor cannot use it.
		tok = c.get("/create_token").formToken(t)
		other := d.client(t)
		other.post("/login", url.Values{"name": {"mallory"}, "form_token": {tok}}).expect(t, http.StatusForbidden)

		// At most session.MaxFormTokens are kept; the oldest goes first.
		first := c.get("/create_token").formToken(t)
		for range session.MaxFormTokens {
			c.get("/create_token")
		}
		if n := c.get("/check_token").lines(t)["form_tokens_count"]; n != strconv.Itoa(session.MaxFormTokens) {
			t.Errorf("form_tokens_count %s, want %d", n, session.MaxFormTokens)
		}
		c.post("/login", url.Values{"name": {"x"}, "form_token": {first}}).expect(t, http.StatusForbidden)
	})
}

// TestCrossSitePost: browsers' cross-site posts are refused, same-origin
// ones and scripted ones pass.
func TestCrossSitePost(t *testing.T) {
	forEach(t, func(t *testing.T, d *demo) {
		host := strings.TrimPrefix(d.srv.URL, "http://")
		for _, tc := range []struct {
			name   string
			header http.Header
			status int
		}{
			{"no headers", nil, http.StatusOK},
			{"same origin", http.Header{"Origin": {d.srv.URL}, "Sec-Fetch-Site": {"same-origin"}}, http.StatusOK},
			{"typed URL", http.Header{"Sec-Fetch-Site": {"none"}}, http.StatusOK},
			{"other origin", http.Header{"Origin": {"http://evil.example"}}, http.StatusForbidden},
			{"other port", http.Header{"Origin": {"http://" + strings.Split(host, ":")[0] + ":1"}}, http.StatusForbidden},
			{"null origin", http.Header{"Origin": {"null"}}, http.StatusForbidden},
			{"cross-site fetch", http.Header{"Sec-Fetch-Site": {"cross-site"}}, http.StatusForbidden},
			{"same-site fetch", http.Header{"Sec-Fetch-Site": {"same-site"}, "Origin": {d.srv.URL}}, http.StatusForbidden},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c := d.client(t)
				r := c.do(http.MethodPost, "/login", url.Values{"name": {"eve"}}, tc.header)
				if r.status != tc.status {
					t.Fatalf("status %d, want %d:\n%s", r.status, tc.status, r.body)
				}
				want := "Not logged in."
				if tc.status == http.StatusOK {
					want = "Hello, eve!"
				}
				c.get("/").expect(t, http.StatusOK, want)
			})
		}
	})
}

// TestSessionsPage: the table lists the sessions with their users and
// never a token or a whole store key.
func TestSessionsPage(t *testing.T) {
	forEach(t, func(t *testing.T, d *demo) {
		a, b := d.client(t), d.client(t)
		a.post("/login", url.Values{"name": {"anna"}}).expect(t, http.StatusOK)
		b.post("/login", url.Values{"name": {"<b>ben</b>"}}).expect(t, http.StatusOK)
		id := a.get("/check").lines(t)["session_id"]
		r := a.get("/sessions").expect(t, http.StatusOK,
			"<th>User</th><th>Created</th><th>Last access</th><th>Expires</th>",
			"anna", "&lt;b&gt;ben&lt;/b&gt;", id[:keyPrefixLen]+"…", "(you)", "2 stored sessions")
		r.lacks(t, a.cookie(), b.cookie(), id, "<b>ben</b>")
		if got := strings.Count(r.body, "<tr"); got != 3 {
			t.Errorf("%d table rows, want a header and 2", got)
		}
		// An anonymous visitor is sent to the login page, sees no session
		// and gets none.
		anon := d.client(t)
		r = anon.get("/sessions").expect(t, http.StatusSeeOther).lacks(t, "anna", "stored session")
		if loc := r.header.Get("Location"); loc != "/login" {
			t.Errorf("anonymous /sessions: 303 to %q, want /login", loc)
		}
		if anon.cookie() != "" {
			t.Error("an anonymous /sessions set a cookie")
		}
	})
}

// TestLogoutAll: "log out everywhere" deletes every session of the user
// and no other.
func TestLogoutAll(t *testing.T) {
	forEach(t, func(t *testing.T, d *demo) {
		phone, laptop, other := d.client(t), d.client(t), d.client(t)
		phone.post("/login", url.Values{"name": {"dora"}}).expect(t, http.StatusOK)
		laptop.post("/login", url.Values{"name": {"dora"}}).expect(t, http.StatusOK)
		other.post("/login", url.Values{"name": {"eric"}}).expect(t, http.StatusOK)
		tok := laptop.get("/sessions").expect(t, http.StatusOK, `action="/logout_all"`).csrfToken(t)
		laptop.post("/logout_all", url.Values{"csrf_token": {tok}}).expect(t, http.StatusOK, "Deleted: 2")
		if laptop.cookie() != "" {
			t.Error("logout_all left the cookie")
		}
		laptop.get("/").expect(t, http.StatusOK, "Not logged in.")
		phone.get("/").expect(t, http.StatusOK, "Not logged in.")
		other.get("/").expect(t, http.StatusOK, "Hello, eric!")
		d.client(t).post("/logout_all", nil).expect(t, http.StatusForbidden, "Not logged in")
	})
}

// TestDeleteOld: a POST to /delete_old prunes sessions idle longer than N
// minutes, every visitor's; a GET, whatever its query, deletes nothing.
func TestDeleteOld(t *testing.T) {
	for _, f := range frameworks() {
		for _, st := range testStores {
			t.Run(f+"/"+st.name, func(t *testing.T) {
				clock := sessiontest.NewClock(time.Now()) // the demo's clock, moved by hand
				d := newDemo(t, f, st.url(t), session.WithClock(clock.Now))
				d.app.now = clock.Now
				a, b := d.client(t), d.client(t)
				a.post("/login", url.Values{"name": {"fay"}}).expect(t, http.StatusOK)
				b.post("/login", url.Values{"name": {"gus"}}).expect(t, http.StatusOK)
				a.post("/delete_old", url.Values{"minutes": {"10"}}).expect(t, http.StatusOK, "Deleted: 0")
				a.get("/").expect(t, http.StatusOK, "Hello, fay!")
				// Two hours on, both sessions have been idle for 120 minutes;
				// the admin's is new.
				clock.Advance(2 * time.Hour)
				admin := d.client(t)
				admin.post("/login", url.Values{"name": {"root"}}).expect(t, http.StatusOK)
				admin.get("/delete_old?minutes=60").expect(t, http.StatusOK, `name="minutes"`).lacks(t, "Deleted:")
				admin.post("/delete_old", url.Values{"minutes": {"180"}}).expect(t, http.StatusOK, "Deleted: 0")
				admin.post("/delete_old", url.Values{"minutes": {"60"}}).expect(t, http.StatusOK, "Deleted: 2")
				a.get("/").expect(t, http.StatusOK, "Not logged in.")
				b.get("/").expect(t, http.StatusOK, "Not logged in.")
			})
		}
	}
}

// TestFlash: a flash message is shown once.
func TestFlash(t *testing.T) {
	forEach(t, func(t *testing.T, d *demo) {
		c := d.client(t)
		c.get("/flash").expect(t, http.StatusOK, "No flash messages.", `action="/flash"`).lacks(t, `name="csrf_token"`)
		c.post("/flash", url.Values{"message": {"saved <ok>"}}).expect(t, http.StatusOK, "Flash set: saved &lt;ok&gt;")
		// The page that shows the last flash empties the session: its form
		// gets no token, and the session is deleted.
		c.get("/flash").expect(t, http.StatusOK, "Flash: saved &lt;ok&gt;").lacks(t, `name="csrf_token"`)
		// A session with info: the form carries the token.
		c.post("/flash", url.Values{"message": {"saved <ok>"}}).expect(t, http.StatusOK)
		r := c.get("/login").expect(t, http.StatusOK)
		c.post("/flash", url.Values{"message": {"kept"}, "csrf_token": {r.csrfToken(t)}}).expect(t, http.StatusOK, "Flash set: kept")
		c.get("/flash").expect(t, http.StatusOK, "Flash: saved &lt;ok&gt;", "Flash: kept")
		c.post("/flash", url.Values{"message": {"saved <ok>"}}).expect(t, http.StatusOK)
		c.post("/flash", url.Values{"message": {"second"}}).expect(t, http.StatusOK)
		r = c.get("/flash").expect(t, http.StatusOK, "Flash: saved &lt;ok&gt;", "Flash: second").lacks(t, "No flash messages.")
		if strings.Index(r.body, "saved") > strings.Index(r.body, "second") {
			t.Error("flash messages out of order")
		}
		c.get("/flash").expect(t, http.StatusOK, "No flash messages.").lacks(t, "Flash: ")
		for i := range maxFlashes {
			c.post("/flash", url.Values{"message": {"m" + strconv.Itoa(i)}}).expect(t, http.StatusOK)
		}
		c.post("/flash", url.Values{"message": {"one too many"}}).expect(t, http.StatusBadRequest)
		r = c.get("/flash")
		if n := strings.Count(r.body, "Flash: m"); n != maxFlashes {
			t.Errorf("%d flashes shown, want %d", n, maxFlashes)
		}
	})
}

// TestBadInput: every bad input is a 400 with a message, and changes
// nothing.
func TestBadInput(t *testing.T) {
	forEach(t, func(t *testing.T, d *demo) {
		c := d.client(t)
		c.post("/login", url.Values{"name": {"hana"}}).expect(t, http.StatusOK)
		huge := strings.Repeat("x", 100<<10)
		for _, tc := range []struct {
			method, path string
			form         url.Values
			msg          string
		}{
			{"POST", "/login", url.Values{}, "Missing name."},
			{"POST", "/login", url.Values{"name": {"   "}}, "Missing name."},
			{"POST", "/login", url.Values{"name": {strings.Repeat("n", maxNameLen+1)}}, "too long"},
			{"POST", "/login", url.Values{"name": {"a\nb"}}, "control characters"},
			{"POST", "/login", url.Values{"name": {"\xff\xfe"}}, "UTF-8"},
			{"POST", "/login", url.Values{"name": {huge}}, "larger than"},
			{"POST", "/set", url.Values{"value": {"v"}}, "Missing key."},
			{"POST", "/set", url.Values{"key": {"k"}, "value": {strings.Repeat("v", maxValueLen+1)}}, "at most"},
			{"POST", "/flash", url.Values{}, "Missing message."},
			{"POST", "/delete_old", url.Values{}, "Missing minutes"},
			{"POST", "/delete_old", url.Values{"minutes": {"abc"}}, "whole number"},
			{"POST", "/delete_old", url.Values{"minutes": {"-5"}}, "whole number"},
			{"POST", "/delete_old", url.Values{"minutes": {"1.5"}}, "whole number"},
			{"POST", "/delete_old", url.Values{"minutes": {"99999999999999999999999"}}, "whole number"},
			{"POST", "/delete_old", url.Values{"minutes": {strconv.Itoa(maxMinutes + 1)}}, "whole number"},
			{"GET", "/get", nil, "Missing key"},
		} {
			r := c.do(tc.method, tc.path, tc.form, nil)
			if r.status != http.StatusBadRequest || !strings.Contains(r.body, tc.msg) {
				t.Errorf("%s %s: %d, want 400 with %q:\n%s", tc.method, tc.path, r.status, tc.msg, r.body)
			}
		}
		// A malformed body.
		req, _ := http.NewRequest(http.MethodPost, d.srv.URL+"/login", strings.NewReader("name=%zz"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("malformed form: %d, want 400", resp.StatusCode)
		}
		// Too many keys.
		for i := 0; ; i++ {
			r := c.post("/set", url.Values{"key": {"k" + strconv.Itoa(i)}, "value": {"v"}})
			if r.status == http.StatusBadRequest {
				if !strings.Contains(r.body, "keys") || i < maxKeys-1 {
					t.Errorf("key %d refused: %s", i, r.body)
				}
				break
			}
			if r.status != http.StatusOK || i > maxKeys {
				t.Fatalf("key %d: status %d", i, r.status)
			}
		}
		// A counter set to the largest int cannot overflow.
		c.post("/set", url.Values{"key": {"counter"}, "value": {strconv.Itoa(int(^uint(0) >> 1))}}).expect(t, http.StatusOK)
		c.get("/counter").expect(t, http.StatusBadRequest, "maximum")
		c.post("/set", url.Values{"key": {"counter"}, "value": {"41"}}).expect(t, http.StatusOK)
		c.get("/counter").expect(t, http.StatusOK, "Counter: 42")
		// Nothing was lost on the way.
		c.get("/").expect(t, http.StatusOK, "Hello, hana!")
	})
}

// TestMultipartForm: a multipart post goes through the same form-token
// check as a URL-encoded one.
func TestMultipartForm(t *testing.T) {
	forEach(t, func(t *testing.T, d *demo) {
		c := d.client(t)
		c.get("/create_token")
		body := "--B\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nivy\r\n" +
			"--B\r\nContent-Disposition: form-data; name=\"form_token\"\r\n\r\nforged\r\n--B--\r\n"
		req, _ := http.NewRequest(http.MethodPost, c.base+"/login", strings.NewReader(body))
		req.Header.Set("Content-Type", "multipart/form-data; boundary=B")
		resp, err := c.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("multipart post with a forged token: %d, want 403", resp.StatusCode)
		}
		req, _ = http.NewRequest(http.MethodPost, c.base+"/login", strings.NewReader(strings.Replace(body, "forged", c.get("/create_token").formToken(t), 1)))
		req.Header.Set("Content-Type", "multipart/form-data; boundary=B")
		resp, err = c.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/welcome" {
			t.Errorf("multipart login: %d to %q, want 303 to /welcome\n%s", resp.StatusCode, resp.Header.Get("Location"), buf.String())
		}
		c.get("/welcome").expect(t, http.StatusOK, "Welcome! ivy")
	})
}

// TestPanic: a page that panics gets the demo's 500 page on every
// framework, and what it changed in the session is not saved.
func TestPanic(t *testing.T) {
	for _, f := range frameworks() {
		t.Run(f, func(t *testing.T) {
			var logs bytes.Buffer
			a, _ := newTestApp(t, f, "memory:")
			a.log = slog.New(slog.NewTextHandler(&logs, nil))
			a.extra = []route{{http.MethodGet, "/boom", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
				s.Data().Set("boom", "saved?")
				panic("boom")
			}}}
			h, err := newHandler(f, a)
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(h)
			t.Cleanup(srv.Close)
			c := newClient(t, srv.URL)
			c.post("/login", url.Values{"name": {"pat"}}).expect(t, http.StatusOK)
			c.get("/boom").expect(t, http.StatusInternalServerError, "Internal error", `href="/"`)
			c.get("/get?key=boom").expect(t, http.StatusNotFound)
			c.get("/").expect(t, http.StatusOK, "Hello, pat!")
			if !strings.Contains(logs.String(), "boom") {
				t.Errorf("the panic was not logged:\n%s", logs.String())
			}
		})
	}
}
