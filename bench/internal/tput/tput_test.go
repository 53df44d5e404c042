package tput

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/session2/session2/bench/internal/loadgen"
	"github.com/session2/session2/bench/internal/servers"
)

// TestThroughput drives session2 and scs at 1 and 8 clients for 300 ms on
// each store (PostgreSQL when SESSION2_POSTGRES_DSN is set): a short run
// of what cmd/tput measures, so that every contender keeps serving the
// application without a failed request.
func TestThroughput(t *testing.T) {
	for _, store := range Stores {
		for _, clients := range []int{1, 8} {
			for _, lib := range []string{"session2", "scs"} {
				t.Run(fmt.Sprintf("store=%s/clients=%d/lib=%s", store, clients, lib), func(t *testing.T) {
					r, err := Measure(store, lib, loadgen.Config{Client: loadgen.Raw, Clients: clients, Duration: 300 * time.Millisecond})
					if errors.Is(err, servers.ErrNotSet) {
						t.Skip(err)
					}
					if err != nil {
						t.Fatal(err)
					}
					if r.RPS <= 0 || r.Store != store || r.Lib != lib || r.Clients != clients {
						t.Errorf("row %+v", r)
					}
					t.Log(r.CSV())
				})
			}
		}
	}
}

// childEnv names the store and library TestServeChild serves.
const childEnv = "SESSION2_TPUT_SERVE"

// TestSplit runs one short point of each library on the memory store in
// split mode, so that the mode keeps working: the child must come up,
// serve and report.
func TestSplit(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	for _, lib := range []string{"session2", "scs"} {
		child := []string{os.Args[0], "-test.run=^TestServeChild$", "-test.count=1"}
		env := []string{childEnv + "=memory/" + lib}
		r, st, err := MeasureSplit(child, env, "memory", lib, loadgen.Config{Client: loadgen.Raw, Clients: 2, Duration: 200 * time.Millisecond})
		if errors.Is(err, ErrSplitUnsupported) {
			t.Skip(err)
		}
		if err != nil {
			t.Fatal(err)
		}
		if r.RPS <= 0 || st.CPU <= 0 {
			t.Errorf("%s: %.0f req/s, server CPU %v: the split run measured nothing", lib, r.RPS, st.CPU)
		}
	}
}

// TestServeChild is the server half of TestSplit, run in the child
// process: it serves what SESSION2_TPUT_SERVE names ("store/lib").
func TestServeChild(t *testing.T) {
	spec := os.Getenv(childEnv)
	if spec == "" {
		t.Skip("the server half of TestSplit, run by it; not a test on its own")
	}
	store, lib, _ := strings.Cut(spec, "/")
	h, cleanup, err := Build(store, lib)
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	if err := ServeChild(h, os.Stdin, os.Stdout); err != nil {
		t.Fatal(err)
	}
}

// TestBuildUnknown checks that a store or library Build does not know is
// an error naming the ones it knows.
func TestBuildUnknown(t *testing.T) {
	for _, c := range [][2]string{{"sqlite", "session2"}, {"memory", "gorilla"}} {
		if _, _, err := Build(c[0], c[1]); err == nil || !strings.Contains(err.Error(), "known:") {
			t.Errorf("Build(%q, %q): %v", c[0], c[1], err)
		}
	}
}

// TestCSV checks that rows read back as they were written, and that the
// rows kept in testdata still read.
func TestCSV(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tput.csv")
	want := Row{Store: "memory", Lib: "session2", Clients: 8, RPS: 12345, P50: 150 * time.Microsecond, P99: 2500 * time.Microsecond}
	if err := os.WriteFile(path, []byte(CSVHeader+"\n"+want.CSV()+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadCSV(path)
	if err != nil || len(got) != 1 || got[0] != want {
		t.Fatalf("ReadCSV: %+v, %v; want %+v", got, err, want)
	}
	rows, err := ReadCSV("../../testdata/throughput.csv")
	if err != nil || len(rows) == 0 {
		t.Fatalf("testdata/throughput.csv: %d rows, %v", len(rows), err)
	}
	if err := os.WriteFile(path, []byte("memory,session2,eight,1,1,1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadCSV(path); err == nil {
		t.Error("a bad row read without an error")
	}
}
