package main

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/mod/modfile"
)

// A mod is one module of the workspace.
type mod struct {
	Path     string // module path, github.com/session2/session2/core
	Rel      string // directory relative to the root, slash-separated: "core"
	Dir      string // absolute directory
	Released bool   // whether a release tags and publishes it
}

// releasedRoots are the top-level folders whose modules a release
// publishes: the libraries users require and the command they install.
// Everything else in the workspace (examples, bench, the fault suite, this
// tool) is for the repository only, as is any module with a "test" or
// "internal" element in its folder (a test-only module such as
// contrib/otelsession/test).
var releasedRoots = []string{"core", "stores", "adapters", "conformance", "contrib", "cmd"}

func isReleased(rel string) bool {
	parts := strings.Split(rel, "/")
	if !slices.Contains(releasedRoots, parts[0]) {
		return false
	}
	for _, p := range parts[1:] {
		if p == "test" || p == "internal" || p == "testdata" {
			return false
		}
	}
	return true
}

// findRoot returns the nearest directory at or above dir holding go.work.
func findRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.work at or above the current directory: run this from the repository")
		}
		dir = parent
	}
}

// loadModules reads the workspace's modules from root/go.work, in the
// order go.work lists them.
func loadModules(root string) ([]mod, error) {
	data, err := os.ReadFile(filepath.Join(root, "go.work"))
	if err != nil {
		return nil, err
	}
	wf, err := modfile.ParseWork("go.work", data, nil)
	if err != nil {
		return nil, err
	}
	var mods []mod
	for _, u := range wf.Use {
		rel := path.Clean(filepath.ToSlash(u.Path))
		dir := filepath.Join(root, filepath.FromSlash(rel))
		gm, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err != nil {
			return nil, err
		}
		mp := modfile.ModulePath(gm)
		if mp == "" {
			return nil, fmt.Errorf("%s/go.mod names no module", rel)
		}
		mods = append(mods, mod{Path: mp, Rel: rel, Dir: dir, Released: isReleased(rel)})
	}
	if len(mods) == 0 {
		return nil, errors.New("go.work uses no module")
	}
	return mods, nil
}

// byPath indexes mods by module path.
func byPath(mods []mod) map[string]mod {
	m := make(map[string]mod, len(mods))
	for _, x := range mods {
		m[x.Path] = x
	}
	return m
}

// currentVersion is the version the tree's go.work points at its own
// modules: the version of the last release the tree was set to.
func currentVersion(root string) (string, error) {
	data, err := os.ReadFile(filepath.Join(root, "go.work"))
	if err != nil {
		return "", err
	}
	wf, err := modfile.ParseWork("go.work", data, nil)
	if err != nil {
		return "", err
	}
	for _, r := range wf.Replace {
		if r.Old.Version != "" {
			return r.Old.Version, nil
		}
	}
	return "", errors.New("go.work replaces no module at a version: set one with the release command")
}
