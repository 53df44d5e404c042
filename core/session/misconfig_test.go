package session

import (
	"bytes"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// logLines returns a logger writing text lines to a buffer, and the buffer.
func logLines() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewTextHandler(&buf, nil)), &buf
}

func lineCount(b *bytes.Buffer) int { return strings.Count(b.String(), "\n") }

// TestIdleTimeoutNotShorterThanLifetime: an idle timeout that can never
// end a session before its lifetime does is a configuration error naming
// both fields.
func TestIdleTimeoutNotShorterThanLifetime(t *testing.T) {
	for _, e := range []Expiry{
		{Idle: 48 * time.Hour}, // the default lifetime is 24 hours
		{Idle: time.Hour, Lifetime: time.Hour},
		{Idle: 2 * time.Hour, Lifetime: time.Hour},
	} {
		_, err := New[Map](newTestStore(), WithExpiry(e))
		if !errors.Is(err, ErrInvalidConfig) {
			t.Fatalf("err = %v, want ErrInvalidConfig", err)
		}
		if msg := err.Error(); !strings.Contains(msg, "(Expiry.Idle) must be shorter than the lifetime") || !strings.Contains(msg, "(Expiry.Lifetime)") {
			t.Errorf("error %q does not name both fields", msg)
		}
	}
	if _, err := New[Map](newTestStore(), WithExpiry(Expiry{Idle: time.Hour, Lifetime: 2 * time.Hour})); err != nil {
		t.Errorf("an idle timeout shorter than the lifetime: %v", err)
	}
}

// TestExpiryErrorsNameFields: each mistake in an Expiry is reported,
// naming its field.
func TestExpiryErrorsNameFields(t *testing.T) {
	_, err := New[Map](newTestStore(), WithExpiry(Expiry{Idle: -1, Lifetime: -2, MaxLifetime: -3, TouchInterval: -4}))
	for _, want := range []string{
		"Expiry.Idle must not be negative, not -1ns",
		"Expiry.Lifetime must not be negative, not -2ns",
		"Expiry.MaxLifetime must not be negative, not -3ns",
		"Expiry.TouchInterval must not be negative, not -4ns",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not say %q", err, want)
		}
	}
	_, err = New[Map](newTestStore(), WithExpiry(Expiry{Lifetime: 48 * time.Hour, MaxLifetime: time.Hour}))
	if want := "maximum lifetime 1h0m0s (Expiry.MaxLifetime) must not be shorter than the lifetime 48h0m0s (Expiry.Lifetime)"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v does not say %q", err, want)
	}
	_, err = New[Map](newTestStore(), WithExpiry(Expiry{Idle: time.Minute, TouchInterval: time.Hour}))
	if want := "touch interval 1h0m0s (Expiry.TouchInterval) must be shorter than the idle timeout 1m0s (Expiry.Idle)"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v does not say %q", err, want)
	}
}

// TestTooLargeLogNamesLimit: a session over the size limit is logged once,
// with its size, the limit and the option that sets it.
func TestTooLargeLogNamesLimit(t *testing.T) {
	log, buf := logLines()
	_, h := testApp(t, newTestStore(), WithLogger(log), WithMaxSize(100))
	c := &client{t: t, h: h}
	res := c.do("GET", "/set?k=big&v="+strings.Repeat("x", 200))
	if res.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", res.StatusCode)
	}
	out := buf.String()
	if lineCount(buf) != 1 {
		t.Fatalf("logged %d lines, want 1:\n%s", lineCount(buf), out)
	}
	for _, want := range []string{"session.WithMaxSize", "limit of 100 bytes", "path=/set"} {
		if !strings.Contains(out, want) {
			t.Errorf("log line does not hold %q:\n%s", want, out)
		}
	}
}

// TestFailuresLoggedOnce: a store outage on load, and a failed save, each
// give one log line, whether the default error handler or the app's
// answers.
func TestFailuresLoggedOnce(t *testing.T) {
	for _, custom := range []bool{false, true} {
		log, buf := logLines()
		st := newTestStore()
		opts := []Option{WithLogger(log)}
		if custom {
			opts = append(opts, WithErrorHandler(func(w http.ResponseWriter, r *http.Request, err error) {
				http.Error(w, "sorry", http.StatusServiceUnavailable)
			}))
		}
		_, h := testApp(t, st, opts...)
		c := &client{t: t, h: h}
		c.do("GET", "/set?k=a&v=1")
		st.fail = errors.New("down")
		for _, path := range []string{"/get?k=a", "/set?k=a&v=2"} {
			buf.Reset()
			if res := c.do("GET", path); res.StatusCode != http.StatusServiceUnavailable {
				t.Fatalf("%s: status %d during an outage", path, res.StatusCode)
			}
			if n := lineCount(buf); n != 1 || !strings.Contains(buf.String(), "down") {
				t.Errorf("custom handler %v, %s: logged %d lines, want 1:\n%s", custom, path, n, buf)
			}
		}
		// A save failure on a fresh session (no load at all).
		st.fail = nil
		fresh := &client{t: t, h: h}
		st.mu.Lock()
		st.fail = errors.New("down")
		st.mu.Unlock()
		buf.Reset()
		fresh.do("GET", "/set?k=b&v=1")
		if n := lineCount(buf); n != 1 {
			t.Errorf("custom handler %v, failed save: logged %d lines, want 1:\n%s", custom, n, buf)
		}
	}
}

// TestOutageAnonymousLoggedOnce: under OutageAnonymous the request goes
// on, and the outage is one warning.
func TestOutageAnonymousLoggedOnce(t *testing.T) {
	log, buf := logLines()
	st := newTestStore()
	_, h := testApp(t, st, WithLogger(log), WithOutagePolicy(OutageAnonymous))
	c := &client{t: t, h: h}
	c.do("GET", "/set?k=a&v=1")
	st.fail = errors.New("down")
	buf.Reset()
	if res := c.do("GET", "/get?k=a"); res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	if n := lineCount(buf); n != 1 || !strings.Contains(buf.String(), "level=WARN") {
		t.Errorf("logged %d lines, want one warning:\n%s", n, buf)
	}
}

// TestSecureCookieOverPlainHTTPLogsOnce: a Secure cookie sent to a browser
// on plain HTTP to a host other than localhost is dropped by the browser;
// the manager says so once, naming Cookie.Secure, and stays quiet where the
// browser keeps the cookie.
func TestSecureCookieOverPlainHTTPLogsOnce(t *testing.T) {
	login := func(h http.Handler, target string, header map[string]string) {
		t.Helper()
		req := httptest.NewRequest("POST", target, nil)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if !strings.Contains(rec.Header().Get("Set-Cookie"), "Secure") {
			t.Fatalf("no Secure cookie for %s", target)
		}
	}
	quiet := []struct {
		target string
		header map[string]string
	}{
		{"http://localhost:8080/login?u=ann", map[string]string{"Origin": "http://localhost:8080"}},
		{"http://127.0.0.1:8080/login?u=ann", map[string]string{"Origin": "http://127.0.0.1:8080"}},
		{"http://[::1]:8080/login?u=ann", map[string]string{"Referer": "http://[::1]:8080/login"}},
		{"http://app.localhost/login?u=ann", map[string]string{"Origin": "http://app.localhost"}},
		// Behind a proxy that ends TLS, SecureAlways's use.
		{"http://app.example.com/login?u=ann", map[string]string{"Origin": "https://app.example.com"}},
		{"http://app.example.com/login?u=ann", map[string]string{"X-Forwarded-Proto": "https", "Origin": "http://app.example.com"}},
		{"http://app.example.com/login?u=ann", map[string]string{"Forwarded": `for=192.0.2.1;proto="https", proto=http`, "Origin": "http://app.example.com"}},
		{"http://app.example.com/login?u=ann", nil}, // not a browser: nothing tells
		{"https://app.example.com/login?u=ann", map[string]string{"Origin": "http://app.example.com"}},
	}
	for _, q := range quiet {
		log, buf := logLines()
		_, h := testApp(t, newTestStore(), WithLogger(log), WithCookie(Cookie{Secure: SecureAlways}))
		login(h, q.target, q.header)
		if buf.Len() != 0 {
			t.Errorf("%s %v: logged %s", q.target, q.header, buf)
		}
	}
	for _, header := range []map[string]string{
		{"Origin": "http://app.example.com"},
		{"Referer": "http://app.example.com/login"},
		{"X-Forwarded-Proto": "http"},
		{"Forwarded": "for=192.0.2.1;Proto=HTTP"},
		{"Forwarded": "for=192.0.2.1", "Origin": "http://app.example.com"}, // no proto: the Origin tells
	} {
		log, buf := logLines()
		_, h := testApp(t, newTestStore(), WithLogger(log), WithCookie(Cookie{Secure: SecureAlways}))
		login(h, "http://app.example.com/login?u=ann", header)
		login(h, "http://app.example.com/login?u=bob", header)
		out := buf.String()
		if lineCount(buf) != 1 || !strings.Contains(out, "session.Cookie{Secure: session.SecureAlways}") || !strings.Contains(out, "HTTPS") {
			t.Errorf("%v: logged %d lines, want one naming Cookie.Secure:\n%s", header, lineCount(buf), out)
		}
	}
	// A __Host- name forces Secure: the line says so.
	log, buf := logLines()
	_, h := testApp(t, newTestStore(), WithLogger(log), WithCookie(Cookie{Name: "__Host-s"}))
	login(h, "http://app.example.com/login?u=ann", map[string]string{"Origin": "http://app.example.com"})
	if !strings.Contains(buf.String(), "__Host-s") {
		t.Errorf("the line does not name the cookie whose prefix forces Secure:\n%s", buf)
	}
}

// TestChallenge: the challenge of a 401 is Bearer behind a manager that
// reads the Authorization header, else the Session scheme.
func TestChallenge(t *testing.T) {
	for _, tc := range []struct {
		opts []Option
		want string
	}{
		{nil, `Session realm="session"`},
		{[]Option{WithHeaderToken("Authorization")}, `Bearer realm="session"`},
		{[]Option{WithHeaderToken("X-Session-Token")}, `Session realm="session"`},
	} {
		m, err := New[Map](newTestStore(), tc.opts...)
		if err != nil {
			t.Fatal(err)
		}
		var got string
		m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = Challenge(r) })).
			ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
		if got != tc.want {
			t.Errorf("%d options: Challenge = %q, want %q", len(tc.opts), got, tc.want)
		}
	}
	if got := Challenge(httptest.NewRequest("GET", "/", nil)); got != `Session realm="session"` {
		t.Errorf("without a session: %q", got)
	}
}

// TestHeaderTokenDocsCORS: the header-token docs tell a browser client on
// another origin which response header CORS must expose, by its name in
// the code.
func TestHeaderTokenDocsCORS(t *testing.T) {
	want := "Access-Control-Expose-Headers: " + DefaultTokenResponseHeader
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "headertoken.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var docText string
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Name.Name == "WithHeaderToken" {
			docText = fn.Doc.Text()
		}
	}
	if !strings.Contains(docText, want) {
		t.Errorf("WithHeaderToken's doc does not say %q", want)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "`"+want+"`") {
		t.Errorf("core/README.md does not say %q", want)
	}
}
