package main

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// timeLayout is how tables show times: UTC, to the second.
const timeLayout = "2006-01-02 15:04:05Z"

// fmtTime formats t for a table, "-" when zero.
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(timeLayout)
}

// jsonTime formats t for JSON output, "" when zero.
func jsonTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// fmtDuration formats d without the trailing zero units of
// time.Duration.String ("2h" rather than "2h0m0s").
func fmtDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// fmtUntil describes t relative to now: "in 3h12m" or "expired 5m ago".
func fmtUntil(t, now time.Time) string {
	if !t.After(now) {
		return "expired " + fmtDuration(now.Sub(t).Round(time.Second)) + " ago"
	}
	return "in " + fmtDuration(t.Sub(now).Round(time.Second))
}

// fmtBytes formats a byte count for people.
func fmtBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// printable returns s as it may be shown on a terminal: unchanged when it
// is valid UTF-8 made of printable characters, else quoted with escapes,
// so that a user name or an address stored by an application can neither
// hide itself nor send control sequences to the administrator's terminal.
func printable(s string) string {
	if !utf8.ValidString(s) {
		return strconv.QuoteToGraphic(s)
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return strconv.QuoteToGraphic(s)
		}
	}
	return s
}

// user formats a record's user for a table.
func user(u string) string {
	if u == "" {
		return "-"
	}
	return printable(u)
}

// escapeJSONText escapes, as \uXXXX, the characters of JSON text that a
// terminal could take for control sequences. encoding/json already escapes
// the C0 controls; this catches DEL, the C1 controls, and other characters
// that are not printable. In JSON text such characters can only occur
// inside strings, where the escape keeps the text valid and equal.
func escapeJSONText(b []byte) []byte {
	clean := true
	for _, r := range string(b) {
		if r != '\n' && r != '\t' && !unicode.IsPrint(r) {
			clean = false
			break
		}
	}
	if clean {
		return b
	}
	var out bytes.Buffer
	for _, r := range string(b) {
		if r == '\n' || r == '\t' || unicode.IsPrint(r) {
			out.WriteRune(r)
			continue
		}
		if r == utf8.RuneError {
			out.WriteString(`\ufffd`)
			continue
		}
		if r > 0xffff {
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&out, `\u%04x\u%04x`, r1, r2)
			continue
		}
		fmt.Fprintf(&out, `\u%04x`, r)
	}
	return out.Bytes()
}
