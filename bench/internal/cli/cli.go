// Package cli parses what bench's commands share: the comma-separated lists
// of their flags.
package cli

import (
	"fmt"
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
