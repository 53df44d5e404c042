package session_test

import (
	"context"
	"errors"
	"net/url"
	"testing"

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
