package cli

import (
	"slices"
	"strings"
	"testing"
)

// TestInts checks the lists of numbers, and that a bad one names its flag.
func TestInts(t *testing.T) {
	if got, err := Ints("sizes", "1000, 10000", 100); err != nil || !slices.Equal(got, []int{1000, 10000}) {
		t.Errorf("Ints: %v, %v", got, err)
	}
	for _, bad := range []string{"", "10", "1k", "1000,"} {
		if _, err := Ints("sizes", bad, 100); err == nil || !strings.HasPrefix(err.Error(), "-sizes: ") {
			t.Errorf("Ints(%q): %v", bad, err)
		}
	}
}

// TestNames checks the lists of names, and that an unknown one names the
// known ones.
func TestNames(t *testing.T) {
	known := []string{"memory", "postgres"}
	if got, err := Names("stores", "postgres,memory", known); err != nil || !slices.Equal(got, []string{"postgres", "memory"}) {
		t.Errorf("Names: %v, %v", got, err)
	}
	if _, err := Names("stores", "memory,sqlite", known); err == nil || !strings.Contains(err.Error(), "known: memory, postgres") {
		t.Errorf("Names with sqlite: %v", err)
	}
}
