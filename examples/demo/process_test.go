package main

import (
	"bufio"
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	buildDir  string
	buildBin  string
	buildErr  error
)

// TestMain removes the demo binary built by the process tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// demoBinary builds the demo once per test run, with go build, and returns
// the path of the binary.
func demoBinary(t *testing.T) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the process tests use the file store, which needs flock: not on Windows")
	}
	buildOnce.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		buildDir, buildErr = os.MkdirTemp("", "session2-demo-bin-")
		if buildErr != nil {
			return
		}
		buildBin = filepath.Join(buildDir, "demo")
		cmd := exec.Command(goTool, "build", "-o", buildBin, ".")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = errors.New("go build: " + err.Error() + "\n" + string(out))
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildBin
}

// process is a running demo binary.
type process struct {
	t    *testing.T
	cmd  *exec.Cmd
	url  string
	mu   sync.Mutex
	log  bytes.Buffer
	done chan error
}

// startDemo runs the demo binary with args and waits until it listens.
func startDemo(t *testing.T, bin string, args ...string) *process {
	t.Helper()
	p := &process{t: t, done: make(chan error, 1)}
	p.cmd = exec.Command(bin, args...)
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			p.mu.Lock()
			p.log.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			if m := listenRE.FindStringSubmatch(sc.Text()); m != nil && !sent {
				found <- m[1]
				sent = true
			}
		}
		if !sent {
			close(found)
		}
		p.done <- p.cmd.Wait()
	}()
	t.Cleanup(func() { _ = p.cmd.Process.Kill() }) // an error when it already exited
	select {
	case u, ok := <-found:
		if !ok {
			t.Fatalf("the demo exited without listening:\n%s", p.output())
		}
		p.url = u
	case <-time.After(60 * time.Second):
		t.Fatalf("the demo did not listen within a minute:\n%s", p.output())
	}
	return p
}

// output returns what the process logged so far.
func (p *process) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// stop sends SIGTERM and checks that the demo shuts down cleanly.
func (p *process) stop() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			p.t.Fatalf("the demo exited with %v after SIGTERM:\n%s", err, p.output())
		}
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		p.t.Fatalf("the demo did not stop within 30 s of SIGTERM:\n%s", p.output())
	}
}

// TestTwoProcesses runs two demo processes on one file-store directory
// (and on one database when SESSION2_POSTGRES_DSN, SESSION2_MYSQL_DSN or
// SESSION2_REDIS_URL is set): a session started on one continues on the
// other, in both directions, and a logout on one ends it on both.
func TestTwoProcesses(t *testing.T) {
	bin := demoBinary(t)
	for _, st := range testStores {
		switch st.name {
		case "file", "postgres", "mysql", "redis":
			t.Run(st.name, func(t *testing.T) { twoProcesses(t, bin, st.url(t)) })
		}
	}
}

func twoProcesses(t *testing.T, bin, store string) {
	a := startDemo(t, bin, "-host", "127.0.0.1", "-port", "0", "-store", store, "-framework", "chi", "-admin-local")
	b := startDemo(t, bin, "-host", "127.0.0.1", "-port", "0", "-store", store, "-framework", frameworks()[len(frameworks())-1], "-admin-local")
	if a.url == b.url {
		t.Fatalf("both processes on %s", a.url)
	}
	t.Logf("process A at %s, process B at %s", a.url, b.url)

	// Cookies are not scoped by port, so one jar serves both processes;
	// each client still sends its requests to its own process.
	ca := newClient(t, a.url)
	cb := newClient(t, b.url)
	cb.jar = ca.jar
	cb.http.Jar = ca.jar

	ca.post("/login", url.Values{"name": {"zoe"}}).expect(t, http.StatusOK, "Welcome! zoe")
	ca.get("/counter").expect(t, http.StatusOK, "Counter: 1")
	cb.get("/").expect(t, http.StatusOK, "Hello, zoe!", "Counter: 1")
	cb.get("/counter").expect(t, http.StatusOK, "Counter: 2")
	cb.get("/counter").expect(t, http.StatusOK, "Counter: 3")
	ca.get("/").expect(t, http.StatusOK, "Hello, zoe!", "Counter: 3")
	idA := ca.get("/check").lines(t)["session_id"]
	idB := cb.get("/check").lines(t)["session_id"]
	if idA == "" || idA != idB {
		t.Errorf("session_id %q on A, %q on B", idA, idB)
	}
	cb.get("/sessions").expect(t, http.StatusOK, "zoe", "(you)")

	cb.get("/logout").expect(t, http.StatusOK, "Goodbye!")
	ca.get("/").expect(t, http.StatusOK, "Not logged in.")

	a.stop()
	b.stop()
	if t.Failed() {
		t.Logf("process A:\n%s\nprocess B:\n%s", a.output(), b.output())
	}
}
