package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// A quickstart is one program of the README: the comment before its code
// block names the adapter (or core, for plain net/http) and the store it
// uses.
type quickstart struct {
	adapter, store string // module folders: "adapters/gin", "stores/filestore"
	code           string
}

var quickstartRE = regexp.MustCompile("(?s)<!-- quickstart: (\\S+) (\\S+) -->\n```go\n(.*?)```")

// readQuickstarts returns the README's quick starts, which must name each
// adapter and each store (every released module under stores/ but the
// shared SQL engine) at least once.
func readQuickstarts(t *testing.T, root string, mods []mod) []quickstart {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var qs []quickstart
	seen := map[string]bool{}
	for _, m := range quickstartRE.FindAllStringSubmatch(string(readme), -1) {
		qs = append(qs, quickstart{adapter: m[1], store: m[2], code: m[3]})
		seen[m[1]] = true
		seen[m[2]] = true
	}
	for _, a := range []string{"adapters/gin", "adapters/echo", "adapters/chi"} {
		if !seen[a] {
			t.Errorf("README.md has no quick start for %s (a code block after <!-- quickstart: %s STORE -->)", a, a)
		}
	}
	for _, m := range mods {
		if m.Released && strings.HasPrefix(m.Rel, "stores/") && m.Rel != "stores/sqlstore" && !seen[m.Rel] {
			t.Errorf("README.md has no quick start for %s (a code block after <!-- quickstart: ADAPTER %s -->)", m.Rel, m.Rel)
		}
	}
	return qs
}

// TestConsumer does what a user does, outside the repository. First it
// runs the README's install lines as they are, in a fresh home folder
// where ~/session2 is this checkout: install-local, then go get from a new
// app's folder, then the gin quick start with go mod tidy and go run.
// Then, for each quick start of the README, it makes a fresh module, go-gets the adapter
// and the store at the tree's version through a module proxy directory
// that the release tool writes, builds the README's code, serves requests
// with it, and checks that its module graph holds only what the user
// chose. It also go-installs sessionctl at that version and runs it.
func TestConsumer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds real applications through a module proxy; not with -short")
	}
	root, err := findRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	mods, err := loadModules(root)
	if err != nil {
		t.Fatal(err)
	}
	version, err := currentVersion(root)
	if err != nil {
		t.Fatal(err)
	}
	proxyDir := t.TempDir()
	if err := writeProxy(root, mods, version, proxyDir); err != nil {
		t.Fatal(err)
	}
	env, err := consumerEnv(proxyDir, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}

	quickstarts := readQuickstarts(t, root, mods)
	t.Run("README install lines", func(t *testing.T) { readmeInstall(t, root, version, quickstarts) })

	for _, q := range quickstarts {
		t.Run(strings.TrimPrefix(q.adapter, "adapters/")+"+"+strings.TrimPrefix(q.store, "stores/"), func(t *testing.T) {
			dir := t.TempDir()
			goCmd(t, dir, env, "mod", "init", "example.com/quickstart")
			if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(q.code), 0o644); err != nil {
				t.Fatal(err)
			}
			goCmd(t, dir, env, "get",
				"github.com/session2/session2/"+q.adapter+"@"+version,
				"github.com/session2/session2/"+q.store+"@"+version)
			goCmd(t, dir, env, "mod", "tidy")
			goCmd(t, dir, env, "build", "-o", "app", ".")

			graph := strings.Fields(goCmd(t, dir, env, "list", "-m", "-f", "{{.Path}}", "all"))
			for _, bad := range unwanted(graph, q.adapter, q.store) {
				t.Errorf("go list -m all of an app on %s and %s holds %s", q.adapter, q.store, bad)
			}
			if t.Failed() {
				t.Logf("module graph:\n%s", strings.Join(graph, "\n"))
			}

			appEnv := []string{}
			if server, ok := quickstartServers[q.store]; ok {
				value := os.Getenv(server.testVar)
				if value == "" {
					t.Skipf("built and checked; set %s to serve requests with it", server.testVar)
				}
				appEnv = append(appEnv, server.appVar+"="+value)
			}
			serveAndCount(t, dir, appEnv)
		})
	}

	t.Run("go install sessionctl", func(t *testing.T) {
		dir := t.TempDir()
		bin := filepath.Join(dir, "bin")
		installEnv := append(withoutModFlag(env), "GOBIN="+bin)
		goCmd(t, dir, installEnv, "install", "github.com/session2/session2/cmd/sessionctl@"+version)
		store := "file:" + filepath.Join(dir, "sessions")
		for _, args := range [][]string{{"-store", store, "setup"}, {"-store", store, "stats"}} {
			cmd := exec.Command(filepath.Join(bin, "sessionctl"), args...)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("sessionctl %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			t.Logf("sessionctl %s:\n%s", strings.Join(args, " "), out)
		}
	})
}

// quickstartServers says, for a store whose quick start needs a server,
// which variable of its program names the server and which test variable
// gives it.
var quickstartServers = map[string]struct{ appVar, testVar string }{
	"stores/postgresstore": {"DATABASE_URL", "SESSION2_POSTGRES_DSN"},
	"stores/mysqlstore":    {"MYSQL_DSN", "SESSION2_MYSQL_DSN"},
	"stores/redisstore":    {"REDIS_URL", "SESSION2_REDIS_URL"},
}

// unwanted returns the modules of graph that an app on adapter and store
// must not get: another router, another session2 adapter or store, a
// driver its store does not use, a peer session library, a browser driver.
func unwanted(graph []string, adapter, store string) []string {
	routers := map[string]string{
		"adapters/gin":  "github.com/gin-gonic/gin",
		"adapters/echo": "github.com/labstack/echo",
		"adapters/chi":  "github.com/go-chi/chi",
	}
	ours := map[string]bool{
		"github.com/session2/session2/core":            true,
		"github.com/session2/session2/" + adapter:      true,
		"github.com/session2/session2/" + store:        true,
		"github.com/session2/session2/conformance":     true, // the adapters' and stores' test suite, standard library only
		"github.com/session2/session2/stores/memstore": true, // the suite's reference store, standard library only
	}
	drivers := map[string]string{
		"go.etcd.io/bbolt":               "stores/boltstore",
		"github.com/lib/pq":              "stores/postgresstore",
		"github.com/go-sql-driver/mysql": "stores/mysqlstore",
		"github.com/redis/go-redis":      "stores/redisstore",
		"github.com/jmoiron/sqlx":        "stores/sqlstore",
	}
	sql := store == "stores/postgresstore" || store == "stores/mysqlstore"
	if sql {
		ours["github.com/session2/session2/stores/sqlstore"] = true
	}
	var bad []string
	for _, p := range graph {
		switch {
		case strings.HasPrefix(p, "github.com/session2/session2/"):
			if !ours[p] {
				bad = append(bad, p)
			}
			continue
		case strings.HasPrefix(p, "github.com/alexedwards/scs"),
			strings.HasPrefix(p, "github.com/gorilla/"),
			strings.HasPrefix(p, "github.com/chromedp/"):
			bad = append(bad, p)
			continue
		}
		for a, r := range routers {
			if a != adapter && strings.HasPrefix(p, r) {
				bad = append(bad, p)
			}
		}
		for d, s := range drivers {
			if !strings.HasPrefix(p, d) || s == store {
				continue
			}
			// sqlx's own go.mod names the MySQL, PostgreSQL and SQLite
			// drivers, so every SQL store's graph lists them.
			if sql && (s == "stores/sqlstore" || s == "stores/postgresstore" || s == "stores/mysqlstore") {
				continue
			}
			bad = append(bad, p)
		}
	}
	return bad
}

// serveAndCount runs the built app and checks that a session is created
// and kept: two requests with one cookie jar count 1 and 2.
func serveAndCount(t *testing.T, dir string, env []string) {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(dir, "app"))
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), env...), "ADDR="+addr, "GIN_MODE=release")
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	defer func() {
		cancel()
		<-exited
		if t.Failed() {
			t.Logf("the app's output:\n%s", logs.String())
		}
	}()
	waitListening(t, addr, exited, 30*time.Second)
	countVisits(t, addr)
}

// waitListening waits until something accepts connections on addr. It
// fails the test when the program closes exited first, or after limit.
func waitListening(t *testing.T, addr string, exited <-chan struct{}, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-exited:
			t.Fatalf("the app exited before listening on %s", addr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the app does not listen on %s after %v", addr, limit)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// countVisits checks that the quick start at addr creates and keeps a
// session: two requests with one cookie jar count 1 and 2.
func countVisits(t *testing.T, addr string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	for i, want := range []string{"visits: 1", "visits: 2"} {
		res, err := client.Get("http://" + addr + "/")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Fatalf("request %d: %d %q, want 200 with %q", i+1, res.StatusCode, body, want)
		}
		if i == 0 && len(res.Header.Values("Set-Cookie")) == 0 {
			t.Fatal("the first request created no session cookie")
		}
	}
}

// freeAddr returns a loopback address with a port nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// goCmd runs the go command in dir and returns its standard output.
func goCmd(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out)
}

// withoutModFlag drops -mod=... from GOFLAGS: go install pkg@version
// builds outside any module and takes no -mod flag.
func withoutModFlag(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if strings.HasPrefix(kv, "GOFLAGS=") {
			var keep []string
			for _, f := range strings.Fields(strings.TrimPrefix(kv, "GOFLAGS=")) {
				if !strings.HasPrefix(f, "-mod=") {
					keep = append(keep, f)
				}
			}
			kv = "GOFLAGS=" + strings.Join(keep, " ")
		}
		out = append(out, kv)
	}
	return out
}
