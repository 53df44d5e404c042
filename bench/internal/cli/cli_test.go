package cli

import (
	"os"
	"path/filepath"
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

// TestAppendCSV checks that the header is written once, into a new file.
func TestAppendCSV(t *testing.T) {
	if f, err := AppendCSV("", "h"); f != nil || err != nil {
		t.Errorf("no path: %v, %v", f, err)
	}
	path := filepath.Join(t.TempDir(), "rows.csv")
	for _, row := range []string{"1", "2"} {
		f, err := AppendCSV(path, "h")
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(row + "\n")
		f.Close()
	}
	if b, _ := os.ReadFile(path); string(b) != "h\n1\n2\n" {
		t.Errorf("file %q", b)
	}
}
