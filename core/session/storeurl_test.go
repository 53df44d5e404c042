package session_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
)

// URLPath gives a file-like store the path of its URL, in each form a
// user writes it.
func TestURLPath(t *testing.T) {
	for raw, want := range map[string]string{
		"file:sessions":              "sessions",
		"file:./var/sessions":        "./var/sessions",
		"file:/var/lib/app":          "/var/lib/app",
		"file:///var/lib/app":        "/var/lib/app",
		"bolt:app%20data.db":         "app data.db",
		"file://relative/dir":        "relative/dir",
		"memory:":                    "",
		"file:C:/Users/app/sessions": "C:/Users/app/sessions",
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if got := session.URLPath(u); got != want {
			t.Errorf("URLPath(%s) = %q, want %q", raw, got, want)
		}
	}
	// An opaque part that does not unescape is kept as written.
	if got := session.URLPath(&url.URL{Scheme: "bolt", Opaque: "bad%zz"}); got != "bad%zz" {
		t.Errorf("URLPath of an opaque part with a bad escape = %q, want it as written", got)
	}
}

// OpenStore refuses a URL it cannot read, or without a scheme, naming the
// schemes it knows; an unknown scheme is ErrUnknownScheme.
func TestOpenStoreRefuses(t *testing.T) {
	ctx := context.Background()
	for _, raw := range []string{"sessions", "/var/lib/app", "%zz:x"} {
		if _, err := session.OpenStore(ctx, raw); err == nil {
			t.Errorf("OpenStore(%q) opened a store", raw)
		}
	}
	if _, err := session.OpenStore(ctx, "nosuchstore:x"); !errors.Is(err, session.ErrUnknownScheme) {
		t.Errorf("an unknown scheme: %v, want ErrUnknownScheme", err)
	}
}

// OpenStore does not call the opener with a context already done.
func TestOpenStoreDoneContext(t *testing.T) {
	called := false
	session.RegisterStore("urltest-done", func(ctx context.Context, u *url.URL) (session.Store, error) {
		called = true
		return nil, errors.New("opened")
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := session.OpenStore(ctx, "urltest-done:x"); !errors.Is(err, context.Canceled) || called {
		t.Errorf("OpenStore with a cancelled context: %v (opener called: %v), want context.Canceled and no call", err, called)
	}
}

// ParseURLQuery gives an opener each parameter once and typed, and refuses
// what an opener cannot read.
func TestParseURLQuery(t *testing.T) {
	parse := func(raw string) (*session.URLQuery, error) {
		t.Helper()
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		return session.ParseURLQuery(u, "max", "sweep", "name")
	}
	q, err := parse("x:?max=10&sweep=30s&name=web")
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := q.Int("max"); !ok || n != 10 {
		t.Errorf("Int(max) = %d, %v", n, ok)
	}
	if d, ok := q.Duration("sweep"); !ok || d != 30*time.Second {
		t.Errorf("Duration(sweep) = %v, %v", d, ok)
	}
	if v, ok := q.String("name"); !ok || v != "web" {
		t.Errorf("String(name) = %q, %v", v, ok)
	}
	if err := q.Err(); err != nil {
		t.Errorf("Err = %v", err)
	}

	q, err = parse("x:?sweep=0")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := q.Int("max"); ok {
		t.Error("Int of a missing parameter reports it given")
	}
	if _, ok := q.String("name"); ok {
		t.Error("String of a missing parameter reports it given")
	}
	if d, ok := q.Duration("sweep"); !ok || d != 0 {
		t.Errorf("Duration(sweep=0) = %v, %v", d, ok)
	}

	for raw, want := range map[string]string{
		"x:?color=red":      `unknown URL parameter "color" (known: max, sweep, name)`,
		"x:?max=1&max=2":    `"max" given 2 times`,
		"x:?max=%zz":        "URL query",
		"x:?b=1&a=2&max=1":  `unknown URL parameter "a"`, // in name order
		"x:?name=a&name=b":  `"name" given 2 times`,
		"x:?sweep=1s&zz=0s": `unknown URL parameter "zz"`,
	} {
		_, err := parse(raw)
		if !errors.Is(err, session.ErrInvalidConfig) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want ErrInvalidConfig saying %s", raw, err, want)
		}
	}

	for raw, want := range map[string]string{
		"x:?max=x":      `max="x": want a whole number`,
		"x:?max=-1":     `max="-1": want a whole number`,
		"x:?sweep=soon": `sweep="soon": want a duration`,
		"x:?sweep=-1s":  `sweep="-1s": want a duration`,
		// The first bad value is the one reported.
		"x:?max=x&sweep=soon": `max="x"`,
	} {
		q, err := parse(raw)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		n, nok := q.Int("max")
		d, dok := q.Duration("sweep")
		if err := q.Err(); !errors.Is(err, session.ErrInvalidConfig) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: Err = %v, want ErrInvalidConfig saying %s", raw, err, want)
		}
		if (nok && n < 0) || (dok && d < 0) {
			t.Errorf("%s: a bad value reported as given: %d %v / %v %v", raw, n, nok, d, dok)
		}
	}
}
