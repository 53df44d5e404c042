package bench

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The split mode of the throughput tests. By default the load generator
// and the server share the machine's CPUs, so the generator's cost is in
// every figure and the scheduler mixes the two. With -tput.split each point
// is served by a child process (this test binary, running TestTputServe)
// pinned to the first CPU, while the load generator runs in this process
// pinned to the second, as a load generator on another machine would: the
// server's CPU goes to the server alone, and its own CPU time per request
// is measured in the child.
var tputSplit = flag.Bool("tput.split", false, "serve each throughput point from a child process pinned to CPU 0, with the load generator pinned to CPU 1 (Linux, taskset; at least 2 CPUs)")

// servedStats is what the child measured of its serving: CPU time, bytes
// allocated and garbage collections, from the moment it listened.
type servedStats struct {
	cpu   time.Duration
	alloc uint64
	gc    uint32
}

func splitNote() string {
	if *tputSplit {
		return ", split"
	}
	return ""
}

// driveSplit serves lib on store from a pinned child process and drives it
// from this process, pinned to the other CPU.
func driveSplit(t *testing.T, store, lib string, clients int, d time.Duration) (tputRow, servedStats) {
	t.Helper()
	if runtime.GOOS != "linux" || runtime.NumCPU() < 2 {
		t.Skip("-tput.split needs Linux and at least 2 CPUs")
	}
	if _, err := exec.LookPath("taskset"); err != nil {
		t.Skip("-tput.split needs taskset (util-linux)")
	}
	cmd := exec.Command("taskset", "-c", "0", os.Args[0], "-test.run=^TestTputServe$", "-test.count=1")
	cmd.Env = append(os.Environ(), "SESSION2_TPUT_SERVE="+store+"/"+lib)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	out := bufio.NewScanner(stdout)
	addr := ""
	for addr == "" && out.Scan() {
		addr, _ = strings.CutPrefix(out.Text(), "tput-serve listening ")
	}
	if addr == "" {
		t.Fatalf("the serving child never said where it listens (%v)", out.Err())
	}

	pin(t, "1")
	procs := runtime.GOMAXPROCS(1)
	r := driveURL(t, "http://"+addr, clients, d)
	runtime.GOMAXPROCS(procs)
	pin(t, fmt.Sprintf("0-%d", runtime.NumCPU()-1))

	stdin.Close() // the child's signal to stop and report
	var st servedStats
	got := false
	for out.Scan() {
		if f, ok := strings.CutPrefix(out.Text(), "tput-serve served "); ok {
			var cpu int64
			if _, err := fmt.Sscanf(f, "cpu %d alloc %d gc %d", &cpu, &st.alloc, &st.gc); err != nil {
				t.Fatalf("the serving child's report %q: %v", f, err)
			}
			st.cpu, got = time.Duration(cpu), true
		}
	}
	killed = true
	if err := cmd.Wait(); err != nil || !got {
		t.Fatalf("the serving child: %v (report seen: %v)", err, got)
	}
	return r, st
}

// pin sets the CPUs every thread of this process may run on.
func pin(t *testing.T, cpus string) {
	t.Helper()
	if out, err := exec.Command("taskset", "-a", "-c", "-p", cpus, strconv.Itoa(os.Getpid())).CombinedOutput(); err != nil {
		t.Fatalf("taskset %s: %v: %s", cpus, err, out)
	}
}

// TestTputServe is the server half of -tput.split, run by driveSplit in a
// child process: it serves the library and store that SESSION2_TPUT_SERVE
// names ("store/lib") on a loopback port, which it prints, until its
// standard input is closed, then prints what serving cost it.
func TestTputServe(t *testing.T) {
	spec := os.Getenv("SESSION2_TPUT_SERVE")
	if spec == "" {
		t.Skip("the server half of -tput.split, run by TestThroughput; not a test on its own")
	}
	store, lib, _ := strings.Cut(spec, "/")
	build := tputBuilders(t, store)
	build["none"] = func(*testing.T) http.Handler { return bareTput() }
	if build[lib] == nil {
		t.Fatalf("SESSION2_TPUT_SERVE: unknown library %q", lib)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: build[lib](t)}
	go srv.Serve(ln)
	defer srv.Close()
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	c0, _ := cpuTime()
	fmt.Printf("tput-serve listening %s\n", ln.Addr())
	io.Copy(io.Discard, os.Stdin)
	c1, _ := cpuTime()
	runtime.ReadMemStats(&m1)
	fmt.Printf("tput-serve served cpu %d alloc %d gc %d\n", c1-c0, m1.TotalAlloc-m0.TotalAlloc, m1.NumGC-m0.NumGC)
}

// TestThroughputSplit runs one short point of each library on the memory
// store in split mode, so that the mode keeps working: the child must come
// up, serve and report.
func TestThroughputSplit(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	for _, lib := range []string{"session2", "scs"} {
		r, st := driveSplit(t, "memory", lib, 2, 200*time.Millisecond)
		if r.rps <= 0 || st.cpu <= 0 {
			t.Errorf("%s: %.0f req/s, server CPU %v: the split run measured nothing", lib, r.rps, st.cpu)
		}
	}
}
