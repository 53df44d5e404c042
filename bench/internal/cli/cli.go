// Package cli holds what bench's commands share: the comma-separated lists
// of their flags and the CSV files they append rows to.
package cli

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Ints parses flag name's value, comma-separated integers each at least
// least.
func Ints(name, value string, least int) ([]int, error) {
	var out []int
	for _, f := range strings.Split(value, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < least {
			return nil, fmt.Errorf("-%s: %q is not a number of at least %d", name, f, least)
		}
		out = append(out, n)
	}
	return out, nil
}

// Names parses flag name's value, comma-separated names each one of known.
func Names(name, value string, known []string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(value, ",") {
		f = strings.TrimSpace(f)
		if !slices.Contains(known, f) {
			return nil, fmt.Errorf("-%s: unknown %q (known: %s)", name, f, strings.Join(known, ", "))
		}
		out = append(out, f)
	}
	return out, nil
}

// AppendCSV opens path for appending rows, writing header first into a new
// or empty file; it returns nil when path is empty.
func AppendCSV(path, header string) (*os.File, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && fi.Size() == 0 {
		_, err = fmt.Fprintln(f, header)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
