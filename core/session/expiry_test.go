package session_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// fakeClock is a clock the tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// expiryApp is an application over real HTTP whose routes set the
// session's expiry: /login?remember=on&idle=D&lifetime=D logs "ann" in,
// /user answers the user.
type expiryApp struct {
	t     *testing.T
	srv   *httptest.Server
	mgr   *session.Manager[session.Map]
	clock *fakeClock
}

func newExpiryApp(t *testing.T, store session.Store, clock *fakeClock, opts ...session.Option) *expiryApp {
	t.Helper()
	opts = append([]session.Option{session.WithClock(clock.Now), session.WithLogger(quietLogger())}, opts...)
	m, err := session.New[session.Map](store, opts...)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		s := m.Get(r)
		if err := s.SetUser("ann"); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if r.FormValue("remember") == "on" {
			s.Remember(30 * 24 * time.Hour)
		}
		if d, err := time.ParseDuration(r.FormValue("idle")); err == nil {
			s.SetIdleTimeout(d)
		}
		if d, err := time.ParseDuration(r.FormValue("lifetime")); err == nil {
			s.SetLifetime(d)
		}
	})
	mux.HandleFunc("GET /user", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, m.Get(r).User())
	})
	srv := httptest.NewServer(m.Handler(mux))
	t.Cleanup(srv.Close)
	return &expiryApp{t: t, srv: srv, mgr: m, clock: clock}
}

// browser returns a client with its own cookie jar.
func (a *expiryApp) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

// do sends a request and returns the body and the Set-Cookie header.
func (a *expiryApp) do(c *http.Client, method, path string) (string, string) {
	a.t.Helper()
	req, _ := http.NewRequest(method, a.srv.URL+path, nil)
	res, err := c.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		a.t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	return string(b), res.Header.Get("Set-Cookie")
}

func (a *expiryApp) user(c *http.Client) string {
	a.t.Helper()
	u, _ := a.do(c, "GET", "/user")
	return u
}

// TestRememberMeDefaultOptions: with the default options, Remember(30
// days) keeps a session for 30 days through gaps of days, with a cookie
// to match; a session not remembered ends at the default lifetime, 24
// hours.
func TestRememberMeDefaultOptions(t *testing.T) {
	clock := newFakeClock()
	a := newExpiryApp(t, sessiontest.NewStore(), clock)
	remembered, plain := a.browser(), a.browser()
	_, cookie := a.do(remembered, "POST", "/login?remember=on")
	if !strings.Contains(cookie, "Max-Age=2592000") {
		t.Errorf("remember-me cookie %q, want Max-Age=2592000 (30 days)", cookie)
	}
	a.do(plain, "POST", "/login")
	for day := 5; day < 30; day += 5 {
		clock.Advance(5 * 24 * time.Hour)
		if u := a.user(remembered); u != "ann" {
			t.Fatalf("day %d: the remembered session is gone (user %q)", day, u)
		}
		if day == 5 {
			if u := a.user(plain); u != "" {
				t.Errorf("day 5: a session not remembered outlived the 24-hour lifetime: %q", u)
			}
		}
	}
	clock.Advance(5*24*time.Hour + time.Second) // 30 days and a second
	if u := a.user(remembered); u != "" {
		t.Errorf("the remembered session outlived its 30 days: %q", u)
	}
}

// TestRememberMeThroughIdleGaps: under a manager's idle timeout of 30
// minutes, a remembered session survives gaps of days; one not remembered
// ends after 30 idle minutes.
func TestRememberMeThroughIdleGaps(t *testing.T) {
	clock := newFakeClock()
	a := newExpiryApp(t, sessiontest.NewStore(), clock, session.WithExpiry(session.Expiry{Idle: 30 * time.Minute}))
	remembered, plain := a.browser(), a.browser()
	a.do(remembered, "POST", "/login?remember=on")
	a.do(plain, "POST", "/login")
	clock.Advance(31 * time.Minute)
	if u := a.user(plain); u != "" {
		t.Errorf("a session not remembered outlived the idle timeout: %q", u)
	}
	for i, gap := range []time.Duration{31 * time.Minute, 3 * 24 * time.Hour, 10 * 24 * time.Hour, 12 * 24 * time.Hour} {
		clock.Advance(gap)
		if u := a.user(remembered); u != "ann" {
			t.Fatalf("after gap %d of %v: the remembered session is gone", i, gap)
		}
	}
	clock.Advance(8 * 24 * time.Hour) // past 30 days since the login
	if u := a.user(remembered); u != "" {
		t.Errorf("the remembered session outlived its lifetime: %q", u)
	}
}

// TestLoweredMaxLifetimeCapsOldRecords: a manager whose maximum lifetime
// is lower than a stored session's age ends it on load, though the record
// itself says it has days to go; one whose maximum is higher keeps it.
func TestLoweredMaxLifetimeCapsOldRecords(t *testing.T) {
	clock := newFakeClock()
	store := sessiontest.NewStore()
	a := newExpiryApp(t, store, clock)
	c := a.browser()
	a.do(c, "POST", "/login?remember=on")
	clock.Advance(10 * 24 * time.Hour)
	if u := a.user(c); u != "ann" {
		t.Fatal("the remembered session is gone after 10 days")
	}
	same := a.srv.URL
	for _, tc := range []struct {
		max  time.Duration
		want string
	}{{20 * 24 * time.Hour, "ann"}, {7 * 24 * time.Hour, ""}} {
		b := newExpiryApp(t, store, clock, session.WithExpiry(session.Expiry{MaxLifetime: tc.max}))
		// The same cookie, sent to the other manager.
		jar := c.Jar
		u, _ := b.do(&http.Client{Jar: rejar(t, jar, same, b.srv.URL)}, "GET", "/user")
		if u != tc.want {
			t.Errorf("MaxLifetime %v, session 10 days old: user %q, want %q", tc.max, u, tc.want)
		}
	}
}

// rejar returns a jar holding the cookies jar holds for from, for to.
func rejar(t *testing.T, jar http.CookieJar, from, to string) http.CookieJar {
	t.Helper()
	out, _ := cookiejar.New(nil)
	fu, _ := http.NewRequest("GET", from, nil)
	tu, _ := http.NewRequest("GET", to, nil)
	out.SetCookies(tu.URL, jar.Cookies(fu.URL))
	return out
}

// TestSessionIdleTimeout: a session's own idle timeout, longer, shorter
// or none, ends it as it says; a shorter one is kept alive by activity
// though the manager's touch interval is longer than it.
func TestSessionIdleTimeout(t *testing.T) {
	opts := session.WithExpiry(session.Expiry{Idle: 30 * time.Minute, TouchInterval: 10 * time.Minute})
	t.Run("longer", func(t *testing.T) {
		clock := newFakeClock()
		a := newExpiryApp(t, sessiontest.NewStore(), clock, opts)
		c := a.browser()
		a.do(c, "POST", "/login?idle=2h")
		clock.Advance(90 * time.Minute)
		if a.user(c) != "ann" {
			t.Fatal("a session with an idle timeout of 2h ended after 90 idle minutes")
		}
		clock.Advance(2*time.Hour + time.Second)
		if u := a.user(c); u != "" {
			t.Errorf("a session with an idle timeout of 2h outlived 2 idle hours: %q", u)
		}
	})
	t.Run("shorter", func(t *testing.T) {
		clock := newFakeClock()
		a := newExpiryApp(t, sessiontest.NewStore(), clock, opts)
		c := a.browser()
		a.do(c, "POST", "/login?idle=4m")
		for i := range 10 { // read-only requests every 3 minutes
			clock.Advance(3 * time.Minute)
			if a.user(c) != "ann" {
				t.Fatalf("request %d, 3 minutes after the last: the session ended", i)
			}
		}
		clock.Advance(4*time.Minute + time.Second)
		if u := a.user(c); u != "" {
			t.Errorf("a session with an idle timeout of 4m outlived 4 idle minutes: %q", u)
		}
	})
	t.Run("none", func(t *testing.T) {
		clock := newFakeClock()
		a := newExpiryApp(t, sessiontest.NewStore(), clock, opts)
		c := a.browser()
		a.do(c, "POST", "/login?idle=-1s")
		clock.Advance(23 * time.Hour)
		if a.user(c) != "ann" {
			t.Fatal("a session without an idle timeout ended after 23 idle hours")
		}
		clock.Advance(time.Hour)
		if u := a.user(c); u != "" {
			t.Errorf("a session without an idle timeout outlived its 24-hour lifetime: %q", u)
		}
	})
	t.Run("back to the manager's", func(t *testing.T) {
		clock := newFakeClock()
		a := newExpiryApp(t, sessiontest.NewStore(), clock, opts)
		c := a.browser()
		a.do(c, "POST", "/login?idle=2h")
		a.do(c, "POST", "/login?idle=0s")
		clock.Advance(31 * time.Minute)
		if u := a.user(c); u != "" {
			t.Errorf("SetIdleTimeout(0) kept the session's own idle timeout: %q", u)
		}
	})
}

// TestSetLifetimeOverMaximum: a lifetime over the maximum is cut to it,
// and the manager says so.
func TestSetLifetimeOverMaximum(t *testing.T) {
	var logs bytes.Buffer
	m := sessiontest.NewManager[session.Map](t, session.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	rec := httptest.NewRecorder()
	m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := m.Get(r)
		s.SetLifetime(60 * 24 * time.Hour)
		if got := s.Lifetime(); got != session.DefaultMaxLifetime {
			t.Errorf("Lifetime() = %v, want the maximum %v", got, session.DefaultMaxLifetime)
		}
		s.SetLifetime(72 * time.Hour)
		if got := s.Lifetime(); got != 72*time.Hour {
			t.Errorf("Lifetime() = %v, want 72h: longer than the manager's 24h is allowed", got)
		}
	})).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if want := "session: SetLifetime is longer than the maximum lifetime (Expiry.MaxLifetime); cut to it"; !strings.Contains(logs.String(), want) ||
		!strings.Contains(logs.String(), "lifetime=1440h0m0s max=720h0m0s") {
		t.Errorf("log %q does not say %q with both durations", logs.String(), want)
	}
}
