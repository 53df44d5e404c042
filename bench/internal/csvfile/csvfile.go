// Package csvfile reads and appends the CSV files of rows that cmd/scale
// and cmd/tput write and cmd/plot draws: a header line, then one row a
// line, fields without commas or quotes.
package csvfile

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// Append opens path for appending rows, writing header first into a new
// or empty file; it returns nil when path is empty.
func Append(path, header string) (*os.File, error) {
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

// Read calls row with the fields of each line of path that is neither
// blank nor header (a file may hold the header more than once, when runs
// were appended to each other's). A line of another number of fields than
// header's, or an error from row, stops it with an error naming the line.
func Read(path, header string, row func(fields []string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	width := strings.Count(header, ",") + 1
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line == header {
			continue
		}
		fs := strings.Split(line, ",")
		if len(fs) != width {
			return fmt.Errorf("%s: bad row %q: %d fields, want %d", path, line, len(fs), width)
		}
		if err := row(fs); err != nil {
			return fmt.Errorf("%s: row %q: %w", path, line, err)
		}
	}
	return sc.Err()
}
