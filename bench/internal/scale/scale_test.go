package scale

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/session2/session2/bench/internal/servers"
)

// TestRun fills every store with 10^3 and 10^4 records (10^3 with -short)
// and times every operation: a short run of what cmd/scale measures, so
// that each store keeps pruning exactly what expired and nothing more.
// Server stores whose variable is unset skip.
func TestRun(t *testing.T) {
	sizes := []int{1000, 10000}
	if testing.Short() {
		sizes = sizes[:1]
	}
	for _, store := range Stores {
		for _, n := range sizes {
			t.Run(fmt.Sprintf("store=%s/n=%d", store, n), func(t *testing.T) {
				rows, err := Run(store, n, Config{Dir: t.TempDir(), Logf: t.Logf})
				if errors.Is(err, servers.ErrNotSet) {
					t.Skip(err)
				}
				if err != nil {
					t.Fatal(err)
				}
				var ops []string
				for _, r := range rows {
					t.Log(r)
					ops = append(ops, r.Op)
				}
				for _, op := range []string{"load", "save", "touch", "prune-expired", "prune-idle", "save-after-deletes"} {
					if !slices.Contains(ops, op) {
						t.Errorf("no %s row in %q", op, ops)
					}
				}
				if want := store == "bolt" || store == "file"; slices.Contains(ops, "disk") != want {
					t.Errorf("rows %q: a disk row is for the bolt and file stores", ops)
				}
			})
		}
	}
}

// TestRunRemovesData checks that a run leaves nothing in its directory.
func TestRunRemovesData(t *testing.T) {
	dir := t.TempDir()
	for _, store := range []string{"bolt", "file"} {
		if _, err := Run(store, 100, Config{Ops: 10, Dir: dir}); err != nil {
			t.Fatal(err)
		}
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

// TestRunRefuses checks the errors of what Run cannot run.
func TestRunRefuses(t *testing.T) {
	if _, err := Run("sqlite", 1000, Config{}); err == nil || !strings.Contains(err.Error(), "known:") {
		t.Errorf("unknown store: %v", err)
	}
	if _, err := Run("memory", 10, Config{}); err == nil {
		t.Error("10 records: no error")
	}
}

// TestCSV checks that rows read back as they were written, and that the
// rows kept in testdata still read.
func TestCSV(t *testing.T) {
	path := filepath.Join(t.TempDir(), "scale.csv")
	want := []Row{
		{Label: "after", Store: "bolt", N: 1000, Op: "load", P50: 2 * time.Microsecond, P99: 13 * time.Microsecond, Count: 200},
		{Label: "after", Store: "bolt", N: 1000, Op: "disk", Bytes: 684},
	}
	if err := os.WriteFile(path, []byte(CSVHeader+"\n"+want[0].CSV()+"\n"+want[1].CSV()+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadCSV(path)
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("ReadCSV: %+v, %v; want %+v", got, err, want)
	}
	for _, f := range []string{"scale-before.csv", "scale-after.csv"} {
		if rows, err := ReadCSV("../../testdata/" + f); err != nil || len(rows) == 0 {
			t.Errorf("testdata/%s: %d rows, %v", f, len(rows), err)
		}
	}
	if err := os.WriteFile(path, []byte("after,bolt,1000,load\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadCSV(path); err == nil {
		t.Error("a short row read without an error")
	}
}
