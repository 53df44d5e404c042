package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"
)

// ownPattern is the module path pattern of every session2 module, as
// GONOSUMDB and GONOPROXY take it.
const ownPattern = "github.com/session2/session2"

// goEnv is what the "local" command reads of the go command's settings.
type goEnv struct {
	Proxy, NoSumDB, NoProxy, ModCache string
}

// readGoEnv asks the go command for the settings local needs, so that a
// value set with "go env -w" counts as one set in the environment.
func readGoEnv() (goEnv, error) {
	out, err := exec.Command("go", "env", "GOPROXY", "GONOSUMDB", "GONOPROXY", "GOMODCACHE").Output()
	if err != nil {
		return goEnv{}, fmt.Errorf("go env: %w", err)
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	for len(lines) < 4 {
		lines = append(lines, "")
	}
	return goEnv{Proxy: lines[0], NoSumDB: lines[1], NoProxy: lines[2], ModCache: lines[3]}, nil
}

// local writes the released modules, at the version the tree is set to,
// into proxyDir, and prints the shell lines that make the go command
// fetch them from there: on standard output the export lines alone (so
// that eval "$(./install-local)" sets them), on errOut what was done and
// what to do. It sets no version, runs no check and prints no tag: it is
// how a user installs from a clone before the tags are published.
func local(root string, mods []mod, proxyDir string, env goEnv, out, errOut io.Writer) error {
	start := time.Now()
	version, err := currentVersion(root)
	if err != nil {
		return err
	}
	if module.MatchPrefixPatterns(env.NoProxy, ownPattern+"/core") {
		return fmt.Errorf("GONOPROXY (or GOPRIVATE) is %q, which makes go fetch session2's modules with git, past any proxy: take %s out of it", env.NoProxy, ownPattern)
	}
	if err := writeProxy(root, mods, version, proxyDir); err != nil {
		return err
	}
	stale, err := staleInCache(mods, version, proxyDir, env.ModCache)
	if err != nil {
		return err
	}

	fmt.Fprintf(errOut, "session2 %s: %d modules written to %s in %.1fs.\n",
		version, countReleased(mods), proxyDir, time.Since(start).Seconds())
	fmt.Fprintf(errOut, "Until the %s tags are published, go get finds them there with these two\n", version)
	fmt.Fprintf(errOut, "variables, in any folder of this shell (eval \"$(%s)\" sets them):\n",
		filepath.Join(root, "install-local"))
	if len(stale) > 0 {
		fmt.Fprintf(errOut, "\nWarning: your module cache (%s) already holds another %s of %s,\n", env.ModCache, version, strings.Join(stale, ", "))
		fmt.Fprintf(errOut, "fetched from an earlier checkout; go uses that copy, not this one. To use this one:\n")
		fmt.Fprintf(errOut, "  go clean -modcache   (or build with a fresh GOMODCACHE)\n")
		fmt.Fprintf(errOut, "and delete the %s lines of your app's go.sum.\n\n", ownPattern)
	}
	for _, line := range exportLines(fileURL(proxyDir), env) {
		fmt.Fprintln(out, line)
	}
	return nil
}

// exportLines are the shell lines that put the proxy directory in front
// of the user's GOPROXY and keep session2's modules, which the checksum
// database does not know before they are published, out of checksum
// lookups. GOFLAGS needs nothing: go get and go mod tidy write go.sum.
func exportLines(proxyURL string, env goEnv) []string {
	rest := env.Proxy
	if strings.HasPrefix(rest, proxyURL) { // set by an earlier eval
		rest = strings.TrimLeft(strings.TrimPrefix(rest, proxyURL), ",|")
	}
	if rest == "" {
		rest = "https://proxy.golang.org,direct"
	}
	goproxy := proxyURL + "," + rest
	nosumdb := ownPattern
	if env.NoSumDB != "" {
		nosumdb = env.NoSumDB
		if !module.MatchPrefixPatterns(env.NoSumDB, ownPattern+"/core") {
			nosumdb += "," + ownPattern
		}
	}
	return []string{
		"export GOPROXY=" + shellQuote(goproxy),
		"export GONOSUMDB=" + shellQuote(nosumdb),
	}
}

// staleInCache returns the modules whose version in the module cache is
// another content than the zip just written: go would use the cached one.
func staleInCache(mods []mod, version, proxyDir, modCache string) ([]string, error) {
	if modCache == "" {
		return nil, nil
	}
	var stale []string
	for _, m := range mods {
		if !m.Released {
			continue
		}
		esc, err := module.EscapePath(m.Path)
		if err != nil {
			return nil, err
		}
		rel := filepath.Join(filepath.FromSlash(esc), "@v", version+".ziphash")
		cached, err := os.ReadFile(filepath.Join(modCache, "cache", "download", rel))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		fresh, err := dirhash.HashZip(filepath.Join(proxyDir, filepath.FromSlash(esc), "@v", version+".zip"), dirhash.DefaultHash)
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(string(cached)) != fresh {
			stale = append(stale, m.Rel)
		}
	}
	return stale, nil
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
