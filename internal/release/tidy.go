package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/mod/modfile"
)

// tidy runs go mod tidy in every module. go mod tidy ignores go.work, and
// the siblings' version exists only once released, so for the run each
// go.mod replaces its siblings by their folders; afterwards the
// replacements go again, the requirements are set back to version, and
// go.sum loses the lines of session2's own modules (their content changes
// with every commit until the release).
func tidy(mods []mod, version string, w io.Writer) error {
	for _, m := range mods {
		file := filepath.Join(m.Dir, "go.mod")
		orig, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		f, err := modfile.Parse(file, orig, nil)
		if err != nil {
			return err
		}
		for _, o := range mods {
			if o.Path == m.Path {
				continue
			}
			rel, err := filepath.Rel(m.Dir, o.Dir)
			if err != nil {
				return err
			}
			rel = filepath.ToSlash(rel)
			if !strings.HasPrefix(rel, "../") {
				rel = "./" + rel // a nested module: a bare name would read as a module path
			}
			if err := f.AddReplace(o.Path, "", rel, ""); err != nil {
				return err
			}
		}
		withReplace, err := f.Format()
		if err != nil {
			return err
		}
		if err := os.WriteFile(file, withReplace, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(w, "%-28s go mod tidy\n", m.Rel)
		cmd := exec.Command("go", "mod", "tidy")
		cmd.Dir = m.Dir
		cmd.Env = append(os.Environ(), "GOWORK=off")
		out, runErr := cmd.CombinedOutput()
		if runErr != nil {
			os.WriteFile(file, orig, 0o644)
			w.Write(out)
			return fmt.Errorf("%s: go mod tidy: %w", m.Rel, runErr)
		}
		if err := unreplace(file, mods, version); err != nil {
			return err
		}
		if err := dropOwnSums(filepath.Join(m.Dir, "go.sum")); err != nil {
			return err
		}
	}
	return nil
}

// unreplace drops the replacements of siblings from a go.mod and sets
// their requirements to version.
func unreplace(file string, mods []mod, version string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	f, err := modfile.Parse(file, data, nil)
	if err != nil {
		return err
	}
	ours := byPath(mods)
	for _, r := range append([]*modfile.Replace(nil), f.Replace...) {
		if _, ok := ours[r.Old.Path]; ok {
			if err := f.DropReplace(r.Old.Path, r.Old.Version); err != nil {
				return err
			}
		}
	}
	for _, r := range f.Require {
		if _, ok := ours[r.Mod.Path]; ok {
			if err := f.AddRequire(r.Mod.Path, version); err != nil {
				return err
			}
		}
	}
	f.Cleanup()
	out, err := f.Format()
	if err != nil {
		return err
	}
	return os.WriteFile(file, out, 0o644)
}

// dropOwnSums removes session2's own modules from a go.sum, and the file
// if nothing else is left.
func dropOwnSums(file string) error {
	data, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	var keep bytes.Buffer
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if !strings.HasPrefix(line, "github.com/session2/session2/") {
			keep.WriteString(line)
		}
	}
	if keep.Len() == 0 {
		return os.Remove(file)
	}
	return os.WriteFile(file, keep.Bytes(), 0o644)
}
