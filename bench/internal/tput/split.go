package tput

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/session2/session2/bench/internal/cputime"
	"github.com/session2/session2/bench/internal/loadgen"
)

// The split mode. By default the load generator and the server share the
// machine's CPUs, so the generator's cost is in every figure and the
// scheduler mixes the two. In split mode each point is served by a child
// process pinned to the first CPU, while the load generator runs in this
// process pinned to the second, as a load generator on another machine
// would: the server's CPU goes to the server alone, and its own CPU time
// per request is measured in the child.

// ErrSplitUnsupported is the error of the split mode where it cannot run.
var ErrSplitUnsupported = errors.New("tput: the split mode needs Linux, at least 2 CPUs and taskset (util-linux)")

// Served is what the serving child measured of its serving, from the
// moment it listened: CPU time, bytes allocated, garbage collections.
type Served struct {
	CPU   time.Duration
	Alloc uint64
	GC    uint32
}

// The lines of the child's protocol on its standard output.
const (
	listeningLine = "tput-serve listening "
	servedLine    = "tput-serve served "
)

// MeasureSplit starts child (a command line, with env added to this
// process's environment) pinned to CPU 0, where it must call ServeChild
// with the handler of store and lib, and drives it with cfg from this
// process pinned to CPU 1. It returns the point and what serving cost the
// child.
func MeasureSplit(child, env []string, store, lib string, cfg loadgen.Config) (Row, Served, error) {
	if runtime.GOOS != "linux" || runtime.NumCPU() < 2 {
		return Row{}, Served{}, ErrSplitUnsupported
	}
	if _, err := exec.LookPath("taskset"); err != nil {
		return Row{}, Served{}, ErrSplitUnsupported
	}
	cmd := exec.Command("taskset", append([]string{"-c", "0"}, child...)...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return Row{}, Served{}, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return Row{}, Served{}, err
	}
	if err := cmd.Start(); err != nil {
		return Row{}, Served{}, err
	}
	waited := false
	defer func() {
		if !waited {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	out := bufio.NewScanner(stdout)
	addr := ""
	for addr == "" && out.Scan() {
		addr, _ = strings.CutPrefix(out.Text(), listeningLine)
	}
	if addr == "" {
		return Row{}, Served{}, fmt.Errorf("tput: the serving child never said where it listens (%v)", out.Err())
	}

	r, err := driveFromCPU1("http://"+addr, withCookie(cfg))
	if err != nil {
		return Row{}, Served{}, err
	}

	stdin.Close() // the child's signal to stop and report
	var st Served
	got := false
	for out.Scan() {
		if f, ok := strings.CutPrefix(out.Text(), servedLine); ok {
			var cpu int64
			if _, err := fmt.Sscanf(f, "cpu %d alloc %d gc %d", &cpu, &st.Alloc, &st.GC); err != nil {
				return Row{}, Served{}, fmt.Errorf("tput: the serving child's report %q: %w", f, err)
			}
			st.CPU, got = time.Duration(cpu), true
		}
	}
	waited = true
	if err := cmd.Wait(); err != nil || !got {
		return Row{}, Served{}, fmt.Errorf("tput: the serving child: %v (report seen: %v)", err, got)
	}
	return row(store, lib, cfg, r), st, nil
}

// driveFromCPU1 drives the server at url from this process pinned to CPU
// 1 with one P, then unpins it.
func driveFromCPU1(url string, cfg loadgen.Config) (loadgen.Result, error) {
	if err := pin("1"); err != nil {
		return loadgen.Result{}, err
	}
	procs := runtime.GOMAXPROCS(1)
	r, err := loadgen.Drive(url, cfg)
	runtime.GOMAXPROCS(procs)
	if perr := pin(fmt.Sprintf("0-%d", runtime.NumCPU()-1)); err == nil {
		err = perr
	}
	return r, err
}

// pin sets the CPUs every thread of this process may run on.
func pin(cpus string) error {
	if out, err := exec.Command("taskset", "-a", "-c", "-p", cpus, strconv.Itoa(os.Getpid())).CombinedOutput(); err != nil {
		return fmt.Errorf("tput: taskset %s: %v: %s", cpus, err, out)
	}
	return nil
}

// ServeChild is the server half of the split mode, run in the child
// process MeasureSplit starts: it serves h on a loopback port, which it
// writes to out, until in ends, then writes what serving cost it.
func ServeChild(h http.Handler, in io.Reader, out io.Writer) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	defer srv.Close()
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	c0, _ := cputime.Process()
	if _, err := fmt.Fprintf(out, "%s%s\n", listeningLine, ln.Addr()); err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, in); err != nil {
		return err
	}
	c1, _ := cputime.Process()
	runtime.ReadMemStats(&m1)
	_, err = fmt.Fprintf(out, "%scpu %d alloc %d gc %d\n", servedLine, c1-c0, m1.TotalAlloc-m0.TotalAlloc, m1.NumGC-m0.NumGC)
	return err
}
