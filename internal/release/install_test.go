//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

var (
	// installRE finds the README's install lines: a sh block after a
	// comment naming the adapter and store its go get line fetches.
	installRE = regexp.MustCompile("(?s)<!-- install: (\\S+) (\\S+) -->\n```sh\n(.*?)```")
	// installRunRE finds the lines that run the quick start once saved.
	installRunRE = regexp.MustCompile("(?s)<!-- install-run -->\n```sh\n(.*?)```")
)

// readmeInstall runs the README's install lines as they are, in one bash,
// as a user would in one shell: in a fresh home folder where ~/session2
// is this checkout, with a fresh module cache and no GOPROXY or GONOSUMDB
// of the test's own, so that only what the lines set lets go get find
// session2's modules. Between the install lines and the run lines it
// saves the quick start that the install names as main.go, where the
// install lines left the shell. The app must then serve a session, and
// the lines must have left every go.mod, go.sum and go.work of the
// checkout as it was.
func readmeInstall(t *testing.T, root, version string, quickstarts []quickstart) {
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	install := installRE.FindStringSubmatch(string(readme))
	run := installRunRE.FindStringSubmatch(string(readme))
	if install == nil || run == nil {
		t.Fatal("README.md lacks its install lines: a sh block after <!-- install: ADAPTER STORE --> and one after <!-- install-run -->")
	}
	adapter, store, lines := install[1], install[2], install[3]
	goGet := "go get github.com/session2/session2/" + adapter + "@" + version + " github.com/session2/session2/" + store + "@" + version
	if !strings.Contains(lines, goGet+"\n") {
		t.Errorf("the install lines do not hold the go get line that works once the tags exist, %q:\n%s", goGet, lines)
	}
	var code string
	for _, q := range quickstarts {
		if q.adapter == adapter && q.store == store {
			code = q.code
		}
	}
	if code == "" {
		t.Fatalf("README.md has no quick start for %s and %s, which its install lines fetch", adapter, store)
	}

	home := t.TempDir()
	if err := os.Symlink(root, filepath.Join(home, "session2")); err != nil {
		t.Fatal(err)
	}
	before := treeModFiles(t, root)
	addr := freeAddr(t)
	script := "set -euo pipefail\n" + lines +
		"cat > main.go <<'SESSION2_QUICKSTART'\n" + code + "SESSION2_QUICKSTART\n" +
		run[1]
	cmd := exec.Command("bash", "-c", script)
	cmd.Dir = home
	cmd.Env = append(readmeEnv(t, home), "ADDR="+addr, "GIN_MODE=release")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // go run's child too
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	defer func() {
		// SIGINT, as a user's Ctrl-C, lets go run remove its build folder.
		syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		if t.Failed() {
			t.Logf("the install lines:\n%s\ntheir output:\n%s", script, logs.String())
		}
	}()
	// Fetching gin's dependencies into a fresh module cache and building
	// take a while on a busy machine: the limit only catches a hang.
	waitListening(t, addr, exited, 10*time.Minute)
	countVisits(t, addr)

	gomod, err := os.ReadFile(filepath.Join(home, "hello", "go.mod"))
	if err != nil {
		t.Fatalf("the install lines made no ~/hello/go.mod: %v", err)
	}
	if want := "github.com/session2/session2/" + adapter + " " + version; !strings.Contains(string(gomod), want) {
		t.Errorf("~/hello/go.mod does not require %s:\n%s", want, gomod)
	}
	if after := treeModFiles(t, root); after != before {
		t.Errorf("the install lines changed go.mod, go.sum or go.work files of the checkout:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// readmeEnv is the environment of a user's shell, in home: HOME is home,
// so the module cache ($HOME/go/pkg/mod) starts empty and ~/session2 is the
// checkout, and nothing of the test's go settings that would let go get
// find session2's modules without the README's lines remains. The build
// cache stays the machine's (its entries are keyed by content), and the
// machine's module download cache comes first among the proxies, so what
// it already holds is not fetched again.
func readmeEnv(t *testing.T, home string) []string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOCACHE", "GOMODCACHE", "GOPROXY", "GOFLAGS").Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	v := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	for len(v) < 4 {
		v = append(v, "")
	}
	gocache, modcache, upstream, flags := v[0], v[1], v[2], v[3]
	proxy := fileURL(filepath.Join(modcache, "cache", "download"))
	if upstream != "" && upstream != "off" {
		proxy += "," + upstream
	}
	var env []string
	for _, kv := range os.Environ() {
		switch strings.SplitN(kv, "=", 2)[0] {
		case "HOME", "GOPATH", "GOMODCACHE", "GOCACHE", "GOENV", "GOWORK", "GOPROXY", "GOFLAGS",
			"GONOSUMDB", "GONOPROXY", "GOPRIVATE", "GOSUMDB", "GOTOOLCHAIN", "XDG_CONFIG_HOME", "XDG_CACHE_HOME":
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"HOME="+home,
		"GOCACHE="+gocache,
		"GOPROXY="+proxy,
		// -modcacherw lets t.TempDir remove the fresh module cache;
		// -trimpath lets builds reuse the build cache (see consumerEnv).
		"GOFLAGS="+strings.TrimSpace(flags+" -modcacherw -trimpath"),
		"GOTOOLCHAIN=local",
	)
}

// treeModFiles is git's status of the checkout's go.mod, go.sum and
// go.work files.
func treeModFiles(t *testing.T, root string) string {
	t.Helper()
	out, err := exec.Command("git", "-C", root, "status", "--porcelain", "--", "*go.mod", "*go.sum", "go.work", "go.work.sum").Output()
	if err != nil {
		t.Fatalf("git status: %v", err)
	}
	return string(out)
}
