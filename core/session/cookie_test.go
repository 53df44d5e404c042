package session

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// TestWithCookie: each field of Cookie sets its attribute, and its zero
// value means the default, so Cookie{} is the default cookie.
func TestWithCookie(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   []Option
		target string
		want   string // the Set-Cookie line after the token
	}{
		{"no option", nil, "http://example.com/set?k=a&v=1",
			"; Path=/; HttpOnly; SameSite=Lax"},
		{"zero Cookie", []Option{WithCookie(Cookie{})}, "http://example.com/set?k=a&v=1",
			"; Path=/; HttpOnly; SameSite=Lax"},
		{"zero Cookie over TLS", []Option{WithCookie(Cookie{})}, "https://example.com/set?k=a&v=1",
			"; Path=/; HttpOnly; Secure; SameSite=Lax"},
		{"every field", []Option{WithCookie(Cookie{Name: "sid", Domain: "example.com", Path: "/app",
			SameSite: http.SameSiteStrictMode, Secure: SecureAlways})}, "http://example.com/set?k=a&v=1",
			"; Path=/app; Domain=example.com; HttpOnly; Secure; SameSite=Strict"},
		{"SameSite None", []Option{WithCookie(Cookie{SameSite: http.SameSiteNoneMode, Secure: SecureAlways})}, "http://example.com/set?k=a&v=1",
			"; Path=/; HttpOnly; Secure; SameSite=None"},
		{"SameSite left to the browser", []Option{WithCookie(Cookie{SameSite: http.SameSiteDefaultMode})}, "http://example.com/set?k=a&v=1",
			"; Path=/; HttpOnly"},
		{"never Secure", []Option{WithCookie(Cookie{Secure: SecureNever})}, "https://example.com/set?k=a&v=1",
			"; Path=/; HttpOnly; SameSite=Lax"},
		{"__Secure- forces Secure", []Option{WithCookie(Cookie{Name: "__Secure-s"})}, "http://localhost/set?k=a&v=1",
			"; Path=/; HttpOnly; Secure; SameSite=Lax"},
		{"__Host- forces Secure", []Option{WithCookie(Cookie{Name: "__Host-s"})}, "http://localhost/set?k=a&v=1",
			"; Path=/; HttpOnly; Secure; SameSite=Lax"},
		{"a later WithCookie replaces an earlier one whole", []Option{
			WithCookie(Cookie{Name: "sid", Path: "/app", Domain: "example.com"}),
			WithCookie(Cookie{SameSite: http.SameSiteStrictMode})}, "http://example.com/set?k=a&v=1",
			"; Path=/; HttpOnly; SameSite=Strict"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, h := testApp(t, newTestStore(), tc.opts...)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", tc.target, nil))
			line := rec.Header().Get("Set-Cookie")
			name, rest, _ := strings.Cut(line, "=")
			if len(rest) < tokenLen || !validToken(rest[:tokenLen]) {
				t.Fatalf("Set-Cookie %q holds no token", line)
			}
			if name != m.CookieName() || rest[tokenLen:] != tc.want {
				t.Errorf("Set-Cookie %q: want %s=<token>%s", line, m.CookieName(), tc.want)
			}
		})
	}
	if m, _ := testApp(t, newTestStore(), WithCookie(Cookie{Name: "sid"})); m.CookieName() != "sid" {
		t.Errorf("CookieName = %q, want sid", m.CookieName())
	}
	if m, _ := testApp(t, newTestStore(), WithCookie(Cookie{})); m.CookieName() != DefaultCookieName {
		t.Errorf("the zero Name gives %q, want %q", m.CookieName(), DefaultCookieName)
	}
}

// TestWithCookiePersistent: Persistent gives the cookie the session's
// expiry; its zero value keeps a browser-session cookie.
func TestWithCookiePersistent(t *testing.T) {
	for _, persistent := range []bool{false, true} {
		_, h := testApp(t, newTestStore(), WithCookie(Cookie{Persistent: persistent}))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "http://example.com/set?k=a&v=1", nil))
		line := rec.Header().Get("Set-Cookie")
		if got := strings.Contains(line, "; Max-Age=86400") && strings.Contains(line, "; Expires="); got != persistent {
			t.Errorf("Persistent %v: Set-Cookie %q", persistent, line)
		}
	}
}

// TestWithCookieErrors: New refuses each mistake with an error that names
// the field to fix, all of them at once.
func TestWithCookieErrors(t *testing.T) {
	for _, tc := range []struct {
		cookie Cookie
		want   []string
	}{
		{Cookie{Name: "a b"}, []string{`cookie name "a b" (Cookie.Name) is not a valid cookie name`}},
		{Cookie{Path: "app"}, []string{`cookie path "app" (Cookie.Path) must start with /`}},
		{Cookie{Path: "/a;b"}, []string{`(Cookie.Path) must start with / and hold no ';'`}},
		{Cookie{Domain: "example.com; x=y"}, []string{`(Cookie.Domain) is not a domain`}},
		{Cookie{Name: "__Host-s", Domain: "example.com", Path: "/app"},
			[]string{"a __Host- cookie must not have a Domain (Cookie.Domain)", "a __Host- cookie must have Path=/ (Cookie.Path)"}},
		{Cookie{Name: "__Secure-s", Secure: SecureNever}, []string{`cookie "__Secure-s" must be Secure, but Cookie.Secure is SecureNever`}},
		{Cookie{SameSite: http.SameSiteNoneMode}, []string{"SameSite=None requires Secure: SecureAlways in the Cookie"}},
		{Cookie{SameSite: 9}, []string{"unknown SameSite mode 9 (Cookie.SameSite)"}},
		{Cookie{Secure: 7}, []string{"unknown SecureMode 7 (Cookie.Secure)"}},
	} {
		_, err := New[Map](newTestStore(), WithCookie(tc.cookie))
		if !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%+v: err = %v, want ErrInvalidConfig", tc.cookie, err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%+v: error %q lacks %q", tc.cookie, err, w)
			}
		}
	}
}

func TestPersistentAndSecureCookie(t *testing.T) {
	st := newTestStore()
	_, h := testApp(t, st, WithCookie(Cookie{Name: "__Host-sid", Persistent: true}))
	req := httptest.NewRequest("GET", "https://example.com/set?k=a&v=1", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	sc := rec.Header().Get("Set-Cookie")
	for _, want := range []string{"__Host-sid=", "Secure", "Max-Age=86400", "Expires="} {
		if !strings.Contains(sc, want) {
			t.Errorf("Set-Cookie %q lacks %q", sc, want)
		}
	}
}

func FuzzCookieToken(f *testing.F) {
	tok, _ := newToken()
	f.Add("session=" + tok)
	f.Add("a=b; session=\"" + tok + "\"; c=d")
	f.Add("session=../../etc/passwd")
	f.Fuzz(func(t *testing.T, header string) {
		h := http.Header{"Cookie": {header}}
		got := cookieToken(h, "session")
		if got != "" && !validToken(got) {
			t.Fatalf("cookieToken returned malformed %q", got)
		}
	})
}

// TestAddVary checks that Vary gets the name once, next to what the
// handler put there, and that a value stored in the exchange's buffer is
// copied, not overwritten, when the handler adds to it afterwards.
func TestAddVary(t *testing.T) {
	for _, tc := range []struct {
		before []string
		want   []string
	}{
		{nil, []string{"Cookie"}},
		{[]string{"Accept-Encoding"}, []string{"Accept-Encoding", "Cookie"}},
		{[]string{"Origin, cookie"}, []string{"Origin, cookie"}},
		{[]string{"Origin", " COOKIE "}, []string{"Origin", " COOKIE "}},
		{[]string{"Cookies,Origin"}, []string{"Cookies,Origin", "Cookie"}},
	} {
		for _, withBuf := range []bool{false, true} {
			h := http.Header{}
			if tc.before != nil {
				h["Vary"] = append([]string(nil), tc.before...)
			}
			var buf [1]string
			b := &buf
			if !withBuf {
				b = nil
			}
			addVary(h, "Cookie", b)
			addVary(h, "Cookie", b) // a second call adds nothing
			if !slices.Equal(h["Vary"], tc.want) {
				t.Errorf("Vary %q (buffer %v): got %q, want %q", tc.before, withBuf, h["Vary"], tc.want)
			}
			wantBuf := "" // the buffer holds the header only when it made it
			if withBuf && tc.before == nil {
				wantBuf = "Cookie"
			}
			h.Add("Vary", "Origin")
			if n := len(h["Vary"]); h["Vary"][n-1] != "Origin" || buf[0] != wantBuf {
				t.Errorf("Vary %q (buffer %v): after Add, %q with buffer %q", tc.before, withBuf, h["Vary"], buf[0])
			}
		}
	}
}
