package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/exp/apidiff"
	"golang.org/x/mod/semver"
	"golang.org/x/tools/go/packages"
)

// apiReport is what changed in one module's API since its last release.
type apiReport struct {
	Module       string // folder, "core"
	Previous     string // the last release's version, "" for a first release
	Incompatible []string
	Compatible   []string
	// Allowed is false when the change is incompatible and the new
	// version does not say so: below v1 the minor number must move, from
	// v1 on the major one (which is a new module path).
	Allowed bool
}

// previousTag returns the highest tag "<rel>/vX.Y.Z" below version.
func previousTag(root, rel, version string) (string, error) {
	out, err := exec.Command("git", "-C", root, "tag", "--list", rel+"/v*").Output()
	if err != nil {
		return "", fmt.Errorf("git tag: %w", err)
	}
	best := ""
	for _, tag := range strings.Fields(string(out)) {
		v := strings.TrimPrefix(tag, rel+"/")
		if !semver.IsValid(v) || semver.Compare(v, version) >= 0 {
			continue
		}
		if best == "" || semver.Compare(v, best) > 0 {
			best = v
		}
	}
	return best, nil
}

// apiChanges compares the API of every released module with its last
// tagged release, using golang.org/x/exp/apidiff.
func apiChanges(root string, mods []mod, version string) ([]apiReport, error) {
	var reports []apiReport
	var oldTree = map[string]string{} // tag's version -> extracted tree
	defer func() {
		for _, dir := range oldTree {
			os.RemoveAll(dir)
		}
	}()
	for _, m := range mods {
		if !m.Released {
			continue
		}
		prev, err := previousTag(root, m.Rel, version)
		if err != nil {
			return nil, err
		}
		rep := apiReport{Module: m.Rel, Previous: prev, Allowed: true}
		if prev == "" {
			reports = append(reports, rep)
			continue
		}
		tag := m.Rel + "/" + prev
		tree, ok := oldTree[tag]
		if !ok {
			if tree, err = extract(root, tag); err != nil {
				return nil, err
			}
			oldTree[tag] = tree
		}
		oldMod, err := loadAPI(filepath.Join(tree, filepath.FromSlash(m.Rel)), m.Path)
		if err != nil {
			return nil, fmt.Errorf("%s at %s: %w", m.Rel, prev, err)
		}
		newMod, err := loadAPI(m.Dir, m.Path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m.Rel, err)
		}
		for _, c := range apidiff.ModuleChanges(oldMod, newMod).Changes {
			if c.Compatible {
				rep.Compatible = append(rep.Compatible, c.Message)
			} else {
				rep.Incompatible = append(rep.Incompatible, c.Message)
			}
		}
		sort.Strings(rep.Incompatible)
		sort.Strings(rep.Compatible)
		if len(rep.Incompatible) > 0 {
			if semver.Major(prev) == "v0" {
				rep.Allowed = semver.MajorMinor(prev) != semver.MajorMinor(version)
			} else {
				rep.Allowed = semver.Major(prev) != semver.Major(version)
			}
		}
		reports = append(reports, rep)
	}
	return reports, nil
}

// extract writes the tree at a git ref into a new temporary directory.
func extract(root, ref string) (string, error) {
	dir, err := os.MkdirTemp("", "session2-release-old-")
	if err != nil {
		return "", err
	}
	archive := exec.Command("git", "-C", root, "archive", "--format=tar", ref)
	untar := exec.Command("tar", "-x", "-C", dir)
	pipe, err := archive.StdoutPipe()
	if err != nil {
		return "", err
	}
	untar.Stdin = pipe
	if err := untar.Start(); err != nil {
		return "", err
	}
	if err := archive.Run(); err != nil {
		return "", fmt.Errorf("git archive %s: %w", ref, err)
	}
	if err := untar.Wait(); err != nil {
		return "", fmt.Errorf("untar %s: %w", ref, err)
	}
	return dir, nil
}

// loadAPI type-checks the importable packages of the module in dir (in
// the workspace the folder belongs to, if any).
func loadAPI(dir, path string) (*apidiff.Module, error) {
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedTypes | packages.NeedImports | packages.NeedDeps,
		Dir:  dir,
	}
	pkgs, err := packages.Load(cfg, "./...")
	if err != nil {
		return nil, err
	}
	m := &apidiff.Module{Path: path}
	var errs []string
	for _, p := range pkgs {
		if p.Name == "main" || isInternal(p.PkgPath) {
			continue
		}
		for _, e := range p.Errors {
			errs = append(errs, e.Error())
		}
		if p.Types != nil {
			m.Packages = append(m.Packages, p.Types)
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("loading packages: %s", strings.Join(errs, "; "))
	}
	sort.Slice(m.Packages, func(i, j int) bool { return m.Packages[i].Path() < m.Packages[j].Path() })
	return m, nil
}

// isInternal reports whether an import path has an internal element.
func isInternal(path string) bool {
	for _, e := range strings.Split(path, "/") {
		if e == "internal" {
			return true
		}
	}
	return false
}
