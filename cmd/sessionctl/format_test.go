package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestDecodeEnvelope(t *testing.T) {
	b := makeEnvelope("10.0.0.1", []string{"t1", "t2", "t3"}, []string{"f"}, []byte(`J{"a":1}`))
	e, err := decodeEnvelope(b)
	if err != nil {
		t.Fatal(err)
	}
	if e.remote != "10.0.0.1" || e.tokens != 3 || e.flashes != 1 || string(e.data) != `J{"a":1}` || e.codec() != "json" {
		t.Errorf("decoded %+v", e)
	}
	before := string(b)
	for i := range len(b) - len(`J{"a":1}`) {
		if _, err := decodeEnvelope(b[:i]); err == nil {
			t.Errorf("truncated to %d bytes: no error", i)
		}
	}
	if string(b) != before {
		t.Error("decodeEnvelope changed its input")
	}
	for _, bad := range [][]byte{nil, {2}, {1, 0x80}, {1, 5, 'a'}, {1, 0, 200, 1}} {
		if _, err := decodeEnvelope(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func FuzzDecodeEnvelope(f *testing.F) {
	f.Add(makeEnvelope("r", []string{"t"}, []string{"f"}, []byte("J{}")))
	f.Add([]byte{1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := decodeEnvelope(b)
		if err != nil {
			return
		}
		// What decodes re-encodes to the same bytes' shape.
		if e.tokens < 0 || e.flashes < 0 || len(e.data) > len(b) {
			t.Errorf("decoded %+v from %d bytes", e, len(b))
		}
		prettyData(e) // never panics
	})
}

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"alice":          "alice",
		"Zoë Ünïcode 名前": "Zoë Ünïcode 名前",
		"evil\x1b[2J":    `"evil\x1b[2J"`,
		"tab\there":      `"tab\there"`,
		"bad\xffutf8":    `"bad\xffutf8"`,
		"c1\u009bx":      `"c1\u009bx"`,
	} {
		if got := printable(in); got != want {
			t.Errorf("printable(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestEscapeJSONText(t *testing.T) {
	in := []byte("{\n  \"a\": \"x\u009by\u007fz\U0001F600\u200b\"\n}")
	out := escapeJSONText(in)
	if want := "{\n  \"a\": \"x\\u009by\\u007fz\U0001F600\\u200b\"\n}"; string(out) != want {
		t.Errorf("got %q, want %q", out, want)
	}
	var a, b any
	if json.Unmarshal(in, &a) != nil || json.Unmarshal(out, &b) != nil || a.(map[string]any)["a"] != b.(map[string]any)["a"] {
		t.Error("escaping changed the JSON's value")
	}
	// Data holding a terminal escape is shown escaped.
	data, note := prettyData(envelope{data: []byte("J{\"n\":\"\u0085\u009b31m\"}")})
	if note != "" || strings.ContainsAny(string(data), "\u0085\u009b") {
		t.Errorf("prettyData: %q %q", data, note)
	}
}

func TestFormat(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := map[string]string{
		fmtDuration(2 * time.Hour):                     "2h",
		fmtDuration(90 * time.Minute):                  "1h30m",
		fmtDuration(30 * time.Second):                  "30s",
		fmtUntil(now.Add(-5*time.Minute), now):         "expired 5m ago",
		fmtUntil(now.Add(26*time.Hour), now):           "in 26h",
		fmtTime(now.In(time.FixedZone("X", 7200))):     "2025-06-01 12:00:00Z",
		fmtTime(time.Time{}):                           "-",
		fmtBytes(512):                                  "512 B",
		fmtBytes(1536):                                 "1.5 KiB",
		fmtBytes(3 << 30):                              "3.0 GiB",
		user(""):                                       "-",
		plural(1, "session") + "/" + plural(2, "user"): "1 session/2 users",
	}
	for got, want := range tests {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"file:/var/lib/app/sessions":        "file:/var/lib/app/sessions",
		"postgres://u@h/db?sslmode=disable": "'postgres://u@h/db?sslmode=disable'",
		"file:/it's here":                   `'file:/it'\''s here'`,
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
