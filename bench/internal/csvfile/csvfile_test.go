package csvfile

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestAppend checks that the header is written once, into a new file.
func TestAppend(t *testing.T) {
	if f, err := Append("", "h"); f != nil || err != nil {
		t.Errorf("no path: %v, %v", f, err)
	}
	path := filepath.Join(t.TempDir(), "rows.csv")
	for _, row := range []string{"1", "2"} {
		f, err := Append(path, "h")
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

// TestRead checks that headers and blank lines are skipped, and that a
// row of the wrong width or one the caller refuses is an error naming it.
func TestRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rows.csv")
	os.WriteFile(path, []byte("a,b\n1,2\n\na,b\n3,4\n"), 0o644)
	var got []string
	err := Read(path, "a,b", func(fs []string) error {
		got = append(got, strings.Join(fs, "+"))
		return nil
	})
	if err != nil || !slices.Equal(got, []string{"1+2", "3+4"}) {
		t.Errorf("Read: %q, %v", got, err)
	}
	os.WriteFile(path, []byte("a,b\n1,2,3\n"), 0o644)
	if err := Read(path, "a,b", func([]string) error { return nil }); err == nil || !strings.Contains(err.Error(), `"1,2,3"`) {
		t.Errorf("a row of 3 fields: %v", err)
	}
	os.WriteFile(path, []byte("1,x\n"), 0o644)
	refused := errors.New("not a number")
	if err := Read(path, "a,b", func([]string) error { return refused }); !errors.Is(err, refused) || !strings.Contains(err.Error(), `"1,x"`) {
		t.Errorf("a refused row: %v", err)
	}
}
