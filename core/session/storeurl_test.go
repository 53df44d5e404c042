package session_test

import (
	"context"
	"errors"
	"fmt"
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

// URLOptions gives an opener the options its URL's query sets, each once and
// typed, and refuses what an opener cannot read.
func TestURLOptions(t *testing.T) {
	// The options under test record what they were given.
	type opt string
	parse := func(raw string) ([]opt, error) {
		t.Helper()
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		return session.URLOptions(u,
			session.IntParam("max", func(n int) opt { return opt(fmt.Sprint("max ", n)) }),
			session.DurationParam("sweep", func(d time.Duration) opt { return opt(fmt.Sprint("sweep ", d)) }),
			session.StringParam("name", func(v string) opt { return opt("name " + v) }))
	}
	for raw, want := range map[string]string{
		// In the order of the parameters, not of the URL.
		"x:?name=web&sweep=30s&max=10": "max 10|sweep 30s|name web",
		"x:?sweep=0":                   "sweep 0s",
		"x:?name=":                     "name ",
		"x:":                           "",
		"x:?max=0":                     "max 0",
	} {
		opts, err := parse(raw)
		if err != nil {
			t.Errorf("%s: %v", raw, err)
			continue
		}
		got := make([]string, len(opts))
		for i, o := range opts {
			got[i] = string(o)
		}
		if g := strings.Join(got, "|"); g != want {
			t.Errorf("%s: options %q, want %q", raw, g, want)
		}
	}

	for raw, want := range map[string]string{
		"x:?color=red":        `unknown URL parameter "color" (known: max, sweep, name)`,
		"x:?max=1&max=2":      `"max" given 2 times`,
		"x:?max=%zz":          "URL query",
		"x:?b=1&a=2&max=1":    `unknown URL parameter "a"`, // in name order
		"x:?name=a&name=b":    `"name" given 2 times`,
		"x:?sweep=1s&zz=0s":   `unknown URL parameter "zz"`,
		"x:?max=x":            `max="x": want a whole number`,
		"x:?max=-1":           `max="-1": want a whole number`,
		"x:?sweep=soon":       `sweep="soon": want a duration`,
		"x:?sweep=-1s":        `sweep="-1s": want a duration`,
		"x:?sweep=soon&max=x": `max="x"`, // the first parameter's
	} {
		opts, err := parse(raw)
		if !errors.Is(err, session.ErrInvalidConfig) || !strings.Contains(err.Error(), want) || opts != nil {
			t.Errorf("%s: %v, %v; want no options and ErrInvalidConfig saying %s", raw, opts, err, want)
		}
	}
}
