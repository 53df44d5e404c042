package bench

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

// intsFlag parses the comma-separated integers of flag name's value,
// each at least least; an empty value gives def.
func intsFlag(t *testing.T, name, value string, least int, def []int) []int {
	t.Helper()
	if value == "" {
		return def
	}
	var out []int
	for _, f := range strings.Split(value, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < least {
			t.Fatalf("-%s: %q is not a number of at least %d", name, f, least)
		}
		out = append(out, n)
	}
	return out
}

// appendCSV opens path for appending rows, writing header first into a
// new or empty file; it returns nil when path is empty. The file is closed
// at the end of the test.
func appendCSV(t *testing.T, path, header string) *os.File {
	t.Helper()
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	if fi, err := f.Stat(); err == nil && fi.Size() == 0 {
		fmt.Fprintln(f, header)
	}
	return f
}
