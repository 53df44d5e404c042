package main

import (
	"archive/zip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeTree writes files (slash paths relative to dir) into dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// git runs git in dir with a fixed identity.
func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com",
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// smallRepo is a workspace of two modules, "core" and "cmd/tool" (which
// requires core), plus an unreleased "examples" module, in a git repository.
func smallRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"go.work":            "go 1.23.0\n\nuse (\n\t./core\n\t./cmd/tool\n\t./examples\n)\n\nreplace example.com/r/core v0.0.0-old => ./core\n",
		"LICENSE":            "the license\n",
		"core/README.md":     "go get example.com/r/core\ngo get github.com/session2/session2/core@v0.0.9\n",
		"core/go.mod":        "module example.com/r/core\n\ngo 1.23.0\n",
		"core/core.go":       "// Package core is a test package.\npackage core\n\n// F is a function.\nfunc F(n int) int { return n }\n",
		"core/nested/go.mod": "module example.com/r/core/nested\n\ngo 1.23.0\n",
		"core/nested/n.go":   "package nested\n",
		"cmd/tool/go.mod":    "module example.com/r/cmd/tool\n\ngo 1.23.0\n\nrequire example.com/r/core v0.0.0-old\n\nreplace example.com/r/core => ../../core\n",
		"cmd/tool/main.go":   "package main\n\nimport \"example.com/r/core\"\n\nfunc main() { _ = core.F(1) }\n",
		"examples/go.mod":    "module example.com/r/examples\n\ngo 1.23.0\n\nrequire example.com/r/core v0.0.0-old\n",
		"examples/x.go":      "package examples\n",
	})
	git(t, dir, "init", "-q")
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-qm", "first")
	return dir
}

func TestSetVersion(t *testing.T) {
	root := smallRepo(t)
	mods, err := loadModules(root)
	if err != nil {
		t.Fatal(err)
	}
	var released []string
	for _, m := range mods {
		if m.Released {
			released = append(released, m.Rel)
		}
	}
	if want := []string{"core", "cmd/tool"}; !slices.Equal(released, want) {
		t.Fatalf("released modules = %v, want %v", released, want)
	}
	changed, err := setVersion(root, mods, "v0.3.0")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"cmd/tool/go.mod", "examples/go.mod", "core/README.md", "go.work"}; !slices.Equal(changed, want) {
		t.Errorf("changed = %v, want %v", changed, want)
	}
	readme, _ := os.ReadFile(filepath.Join(root, "core/README.md"))
	if !strings.Contains(string(readme), "go get github.com/session2/session2/core@v0.3.0\n") {
		t.Errorf("core/README.md's go get line not moved to v0.3.0:\n%s", readme)
	}
	tool, _ := os.ReadFile(filepath.Join(root, "cmd/tool/go.mod"))
	if !strings.Contains(string(tool), "require example.com/r/core v0.3.0") || strings.Contains(string(tool), "replace") {
		t.Errorf("cmd/tool/go.mod after the release:\n%s", tool)
	}
	work, _ := os.ReadFile(filepath.Join(root, "go.work"))
	for _, want := range []string{"example.com/r/core v0.3.0 => ./core", "example.com/r/examples v0.3.0 => ./examples"} {
		if !strings.Contains(string(work), want) {
			t.Errorf("go.work lacks %q:\n%s", want, work)
		}
	}
	if v, err := currentVersion(root); err != nil || v != "v0.3.0" {
		t.Errorf("currentVersion = %q, %v; want v0.3.0", v, err)
	}
	// A second run changes nothing.
	if changed, err := setVersion(root, mods, "v0.3.0"); err != nil || len(changed) != 0 {
		t.Errorf("second run changed %v, %v", changed, err)
	}
}

func TestWriteProxy(t *testing.T) {
	root := smallRepo(t)
	writeTree(t, root, map[string]string{"core/untracked.go": "package core\n"})
	mods, err := loadModules(root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := setVersion(root, mods, "v0.3.0"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := writeProxy(root, mods, "v0.3.0", dir); err != nil {
		t.Fatal(err)
	}
	z, err := zip.OpenReader(filepath.Join(dir, "example.com/r/core/@v/v0.3.0.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	var names []string
	for _, f := range z.File {
		names = append(names, strings.TrimPrefix(f.Name, "example.com/r/core@v0.3.0/"))
	}
	slices.Sort(names)
	if want := []string{"LICENSE", "README.md", "core.go", "go.mod", "untracked.go"}; !slices.Equal(names, want) {
		t.Errorf("core's zip holds %v, want %v (the root LICENSE, no nested module)", names, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "example.com/r/examples")); !os.IsNotExist(err) {
		t.Errorf("the unreleased examples module is in the proxy (%v)", err)
	}
	for _, f := range []string{"list", "v0.3.0.info", "v0.3.0.mod"} {
		if _, err := os.Stat(filepath.Join(dir, "example.com/r/cmd/tool/@v", f)); err != nil {
			t.Error(err)
		}
	}
}

func TestAPIChanges(t *testing.T) {
	root := smallRepo(t)
	mods, err := loadModules(root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := setVersion(root, mods, "v0.1.0"); err != nil {
		t.Fatal(err)
	}
	git(t, root, "commit", "-qam", "v0.1.0")
	git(t, root, "tag", "core/v0.1.0")
	git(t, root, "tag", "cmd/tool/v0.1.0")
	writeTree(t, root, map[string]string{
		"core/core.go": "// Package core is a test package.\npackage core\n\n// F is a function.\nfunc F(s string) int { return len(s) }\n\n// G is new.\nfunc G() {}\n",
	})

	reports, err := apiChanges(root, mods, "v0.1.1")
	if err != nil {
		t.Fatal(err)
	}
	var core apiReport
	for _, r := range reports {
		if r.Module == "core" {
			core = r
		}
	}
	if core.Previous != "v0.1.0" || len(core.Incompatible) != 1 || !strings.Contains(core.Incompatible[0], "F") {
		t.Fatalf("core's report = %+v, want one incompatible change of F since v0.1.0", core)
	}
	if core.Allowed {
		t.Error("an incompatible change in a patch release is allowed")
	}
	if len(core.Compatible) != 1 {
		t.Errorf("compatible changes = %v, want the new G", core.Compatible)
	}
	reports, err = apiChanges(root, mods, "v0.2.0")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reports {
		if r.Module == "core" && !r.Allowed {
			t.Error("v0.2.0 refused for an incompatible change below v1")
		}
	}
}

func TestUnwanted(t *testing.T) {
	graph := []string{
		"example.com/app",
		"github.com/gin-gonic/gin",
		"github.com/session2/session2/core",
		"github.com/session2/session2/adapters/gin",
		"github.com/session2/session2/stores/filestore",
		"github.com/session2/session2/conformance",
		"github.com/session2/session2/stores/memstore",
	}
	if bad := unwanted(graph, "adapters/gin", "stores/filestore"); len(bad) != 0 {
		t.Errorf("a clean gin + filestore graph has unwanted %v", bad)
	}
	leaky := append(slices.Clone(graph),
		"github.com/go-chi/chi/v5",
		"github.com/session2/session2/adapters/chi",
		"github.com/alexedwards/scs/boltstore",
		"go.etcd.io/bbolt",
	)
	if bad := unwanted(leaky, "adapters/gin", "stores/filestore"); len(bad) != 4 {
		t.Errorf("unwanted = %v, want chi, chisession, scs and bbolt", bad)
	}
	sql := []string{"github.com/jmoiron/sqlx", "github.com/lib/pq", "github.com/go-sql-driver/mysql", "github.com/session2/session2/stores/sqlstore", "github.com/go-chi/chi/v5"}
	if bad := unwanted(sql, "adapters/chi", "stores/postgresstore"); len(bad) != 0 {
		t.Errorf("sqlx's own drivers are unwanted: %v", bad)
	}
}

// TestCheckLeavesTreeAlone runs the release check on a module whose test
// runs go build in its own folder, as sessionctl's does: the check must
// leave every go.mod and go.sum of the tree as it was, the child's
// included.
func TestCheckLeavesTreeAlone(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go build and go test; not with -short")
	}
	t.Setenv("GOSUMDB", "off") // the small repository's example.com modules are in no checksum database
	root := smallRepo(t)
	writeTree(t, root, map[string]string{
		".gitignore": "/proxy/\n/cmd/tool/tool\n", // go build ./... of a lone main package writes it, as the repository's .gitignore knows
		"cmd/tool/tool_test.go": `package main

import (
	"os"
	"os/exec"
	"testing"
)

func TestBuild(t *testing.T) {
	out, err := exec.Command("go", "build", "-o", os.DevNull, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
}
`,
	})
	mods, err := loadModules(root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := setVersion(root, mods, "v0.3.0"); err != nil {
		t.Fatal(err)
	}
	git(t, root, "add", "-A")
	git(t, root, "commit", "-qm", "v0.3.0")
	proxyDir := filepath.Join(root, "proxy")
	if err := writeProxy(root, mods, "v0.3.0", proxyDir); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	if err := check(mods, proxyDir, true, &log); err != nil {
		t.Fatalf("check: %v\n%s", err, log.String())
	}
	out, err := exec.Command("git", "-C", root, "status", "--porcelain", "--untracked-files=all").Output()
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 0 {
		t.Errorf("the check changed the tree:\n%s", out)
	}
}
