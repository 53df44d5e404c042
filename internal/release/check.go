package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// consumerEnv is the environment of a go command that builds as a user's
// would, outside the workspace: modules come from the release's proxy
// directory first, then from this machine's module download cache (so
// nothing already fetched is fetched again), then from the usual proxy. The
// module cache is a fresh one in cacheDir, so a version cached from an
// earlier run of the release (same number, other content) is never used.
// Checksums of session2's own modules are not looked up, since these
// versions exist only in the proxy directory. Builds use -trimpath, which
// makes what they compile in that fresh cache reusable from one run to
// the next.
func consumerEnv(proxyDir, cacheDir string) ([]string, error) {
	out, err := exec.Command("go", "env", "GOMODCACHE", "GOPROXY", "GOFLAGS").Output()
	if err != nil {
		return nil, fmt.Errorf("go env: %w", err)
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	for len(lines) < 3 {
		lines = append(lines, "")
	}
	modcache, upstream, flags := lines[0], lines[1], lines[2]
	proxy := []string{fileURL(proxyDir)}
	if modcache != "" {
		proxy = append(proxy, fileURL(filepath.Join(modcache, "cache", "download")))
	}
	if upstream != "" && upstream != "off" {
		proxy = append(proxy, upstream)
	}
	env := []string{}
	for _, kv := range os.Environ() {
		switch strings.SplitN(kv, "=", 2)[0] {
		case "GOWORK", "GOPROXY", "GOMODCACHE", "GOFLAGS", "GONOSUMDB", "GONOPROXY", "GOPRIVATE":
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"GOWORK=off",
		"GOPROXY="+strings.Join(proxy, ","),
		"GOMODCACHE="+cacheDir,
		// -trimpath keeps the module cache's folder out of the build
		// cache's keys, so that builds in a fresh module cache reuse
		// what earlier runs compiled.
		"GOFLAGS="+strings.TrimSpace(flags+" -mod=mod -modcacherw -trimpath"),
		"GONOSUMDB=github.com/session2/session2",
	), nil
}

// fileURL is the file:// URL of an absolute directory.
func fileURL(dir string) string {
	return "file://" + filepath.ToSlash(dir)
}

// check builds and vets every module with GOWORK=off, against the released
// modules in proxyDir, and runs the released modules' tests when runTests
// is set. Each module is checked in place, through a copy of its go.mod
// and go.sum (-modfile), so the tree is left as it is. The -modfile flag
// goes in GOFLAGS, so that a go command a test runs in its module's folder
// (sessionctl's tests build the binary) uses the copy too, instead of
// writing the released versions' checksums into the module's own go.sum.
func check(mods []mod, proxyDir string, runTests bool, w io.Writer) error {
	tmp, err := os.MkdirTemp("", "session2-release-check-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	env, err := consumerEnv(proxyDir, filepath.Join(tmp, "modcache"))
	if err != nil {
		return err
	}
	var failed []string
	for i, m := range mods {
		modfile := filepath.Join(tmp, fmt.Sprint(i), "go.mod")
		if err := os.MkdirAll(filepath.Dir(modfile), 0o755); err != nil {
			return err
		}
		if err := copyFile(filepath.Join(m.Dir, "go.mod"), modfile); err != nil {
			return err
		}
		if err := copyFile(filepath.Join(m.Dir, "go.sum"), strings.TrimSuffix(modfile, ".mod")+".sum"); err != nil && !os.IsNotExist(err) {
			return err
		}
		steps := [][]string{{"build"}, {"vet"}}
		if runTests && m.Released {
			steps = append(steps, []string{"test", "-count=1"})
		}
		modEnv := withGoFlag(env, "-modfile="+modfile)
		for _, step := range steps {
			args := append(append([]string{}, step...), "./...")
			fmt.Fprintf(w, "%-28s GOWORK=off go %s\n", m.Rel, strings.Join(step, " "))
			cmd := exec.Command("go", args...)
			cmd.Dir = m.Dir
			cmd.Env = modEnv
			out, err := cmd.CombinedOutput()
			if err != nil {
				w.Write(out)
				failed = append(failed, m.Rel+": go "+step[0])
				break
			}
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("GOWORK=off checks failed: %s", strings.Join(failed, "; "))
	}
	return nil
}

// withGoFlag returns env with flag added to its GOFLAGS.
func withGoFlag(env []string, flag string) []string {
	out := make([]string, 0, len(env)+1)
	found := false
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GOFLAGS="); ok {
			kv = "GOFLAGS=" + strings.TrimSpace(v+" "+flag)
			found = true
		}
		out = append(out, kv)
	}
	if !found {
		out = append(out, "GOFLAGS="+flag)
	}
	return out
}

func copyFile(from, to string) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, data, 0o644)
}
