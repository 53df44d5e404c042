package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/mod/modfile"
)

// setVersion makes every module require its siblings at version and drops
// any replace directive of a sibling, then rewrites go.work so that the
// workspace points that version at the checkout. It returns the files it
// changed, relative to root.
func setVersion(root string, mods []mod, version string) ([]string, error) {
	ours := byPath(mods)
	var changed []string
	for _, m := range mods {
		file := filepath.Join(m.Dir, "go.mod")
		data, err := os.ReadFile(file)
		if err != nil {
			return changed, err
		}
		f, err := modfile.Parse(file, data, nil)
		if err != nil {
			return changed, err
		}
		for _, r := range f.Require {
			if _, ok := ours[r.Mod.Path]; ok && r.Mod.Version != version {
				if err := f.AddRequire(r.Mod.Path, version); err != nil {
					return changed, err
				}
			}
		}
		for _, r := range slices.Clone(f.Replace) {
			if _, ok := ours[r.Old.Path]; ok {
				if err := f.DropReplace(r.Old.Path, r.Old.Version); err != nil {
					return changed, err
				}
			}
		}
		f.Cleanup()
		out, err := f.Format()
		if err != nil {
			return changed, err
		}
		if !bytes.Equal(out, data) {
			if err := os.WriteFile(file, out, 0o644); err != nil {
				return changed, err
			}
			changed = append(changed, m.Rel+"/go.mod")
		}
	}
	docs, err := setDocVersions(root, mods, version)
	changed = append(changed, docs...)
	if err != nil {
		return changed, err
	}
	work, err := workFile(root, mods, version)
	if err != nil {
		return changed, err
	}
	file := filepath.Join(root, "go.work")
	old, err := os.ReadFile(file)
	if err != nil {
		return changed, err
	}
	if !bytes.Equal(old, work) {
		if err := os.WriteFile(file, work, 0o644); err != nil {
			return changed, err
		}
		changed = append(changed, "go.work")
	}
	return changed, nil
}

// workFile renders go.work: the go line it has, every module in use, and
// a versioned replace of each module by its folder. The go command needs
// the replacements in workspace mode to read the workspace modules' go.mod
// at the required version; they never reach a user's build.
func workFile(root string, mods []mod, version string) ([]byte, error) {
	data, err := os.ReadFile(filepath.Join(root, "go.work"))
	if err != nil {
		return nil, err
	}
	wf, err := modfile.ParseWork("go.work", data, nil)
	if err != nil {
		return nil, err
	}
	if wf.Go == nil {
		return nil, fmt.Errorf("go.work has no go line")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "go %s\n\nuse (\n", wf.Go.Version)
	for _, m := range mods {
		fmt.Fprintf(&b, "\t./%s\n", m.Rel)
	}
	b.WriteString(")\n\n")
	b.WriteString("// The modules require each other at the version being released. These\n")
	b.WriteString("// replacements point that version at the checkout, for workspace builds\n")
	b.WriteString("// only: go.work never reaches a user's build. The release tool\n")
	b.WriteString("// (go run ./internal/release) writes this block.\n")
	b.WriteString("replace (\n")
	for _, m := range mods {
		fmt.Fprintf(&b, "\t%s %s => ./%s\n", m.Path, version, m.Rel)
	}
	b.WriteString(")\n")
	return []byte(b.String()), nil
}

// installLine is a go get or go install line of one of the repository's
// modules at a version, in a README.
var installLine = regexp.MustCompile(`(go (?:get|install) github\.com/session2/session2/[A-Za-z0-9_./-]+)@v[0-9]+\.[0-9]+\.[0-9]+\b`)

// setDocVersions keeps the go get and go install lines of the root README
// and of every module's README at version.
func setDocVersions(root string, mods []mod, version string) ([]string, error) {
	files := []string{"README.md"}
	for _, m := range mods {
		files = append(files, m.Rel+"/README.md")
	}
	var changed []string
	for _, rel := range files {
		file := filepath.Join(root, filepath.FromSlash(rel))
		data, err := os.ReadFile(file)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return changed, err
		}
		out := installLine.ReplaceAll(data, []byte("${1}@"+version))
		if !bytes.Equal(out, data) {
			if err := os.WriteFile(file, out, 0o644); err != nil {
				return changed, err
			}
			changed = append(changed, rel)
		}
	}
	return changed, nil
}
