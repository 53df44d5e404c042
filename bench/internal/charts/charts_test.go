package charts

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/session2/session2/bench/internal/scale"
	"github.com/session2/session2/bench/internal/tput"
)

// TestCharts draws the charts of the rows kept in testdata, the README's,
// and checks that each is a PNG file.
func TestCharts(t *testing.T) {
	var rows []scale.Row
	for _, f := range []string{"scale-before.csv", "scale-after.csv"} {
		r, err := scale.ReadCSV("../../testdata/" + f)
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r...)
	}
	trows, err := tput.ReadCSV("../../testdata/throughput.csv")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files, err := Scale(rows, dir)
	if err != nil {
		t.Fatal(err)
	}
	tfiles, err := Tput(trows, dir)
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, tfiles...)
	if len(files) != len(scaleCharts)+2 {
		t.Errorf("%d files written: %q", len(files), files)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
			t.Errorf("%s: not a PNG file (%v)", filepath.Base(f), err)
		}
	}
}

// TestScaleSkipsMissing checks that an operation without rows gets no
// chart rather than an empty one.
func TestScaleSkipsMissing(t *testing.T) {
	dir := t.TempDir()
	files, err := Scale([]scale.Row{{Store: "memory", N: 1000, Op: "load", P50: time.Microsecond, P99: 2 * time.Microsecond}}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || filepath.Base(files[0]) != "scale-load.png" {
		t.Errorf("files written: %q", files)
	}
}

// TestScaleTable checks the table's cells: before → after where both
// exist, per-record figures for prunes, bytes for disk.
func TestScaleTable(t *testing.T) {
	us := time.Microsecond
	got := ScaleTable([]scale.Row{
		{Label: "before", Store: "bolt", N: 1000, Op: "load", P50: 3 * us, P99: 11 * us},
		{Label: "after", Store: "bolt", N: 1000, Op: "load", P50: 2 * us, P99: 13 * us},
		{Label: "after", Store: "bolt", N: 1000000, Op: "load", P50: 4 * us, P99: 40 * us},
		{Label: "after", Store: "bolt", N: 1000, Op: "prune-expired", P50: 2100 * us, P99: 2100 * us, Count: 100},
		{Label: "after", Store: "bolt", N: 1000, Op: "disk", Bytes: 684},
	})
	want := `| store | operation | 1k | 1M |
|---|---|---|---|
| bolt | load | 3 µs / 11 µs → 2 µs / 13 µs | 4 µs / 40 µs |
| bolt | prune-expired | 2.1 ms (21.0 µs/rec) | |
| bolt | disk | 684 B | |
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if !strings.Contains(ScaleTable(nil), "| store | operation |") {
		t.Error("no header for no rows")
	}
}
