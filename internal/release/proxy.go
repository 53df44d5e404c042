package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/zip"
)

// writeProxy writes every released module at version into dir, laid out
// as a module proxy (GOPROXY=file://dir): for each module
// <escaped path>/@v/list, <version>.info, <version>.mod and <version>.zip.
// A zip holds the files git would commit in the module's folder (tracked,
// or untracked and not ignored), without nested modules, and the
// repository's LICENSE when the folder has none of its own.
func writeProxy(root string, mods []mod, version, dir string) error {
	license, err := os.ReadFile(filepath.Join(root, "LICENSE"))
	if err != nil {
		return fmt.Errorf("every module ships the LICENSE: %w", err)
	}
	var nested []string
	for _, m := range mods {
		nested = append(nested, m.Dir)
	}
	for _, m := range mods {
		if !m.Released {
			continue
		}
		esc, err := module.EscapePath(m.Path)
		if err != nil {
			return err
		}
		vdir := filepath.Join(dir, filepath.FromSlash(esc), "@v")
		if err := os.MkdirAll(vdir, 0o755); err != nil {
			return err
		}
		files, err := moduleFiles(m, nested, license)
		if err != nil {
			return fmt.Errorf("%s: %w", m.Rel, err)
		}
		var zbuf bytes.Buffer
		if err := zip.Create(&zbuf, module.Version{Path: m.Path, Version: version}, files); err != nil {
			return fmt.Errorf("%s: zip: %w", m.Rel, err)
		}
		gomod, err := os.ReadFile(filepath.Join(m.Dir, "go.mod"))
		if err != nil {
			return err
		}
		info, _ := json.Marshal(struct {
			Version string
			Time    time.Time
		}{version, time.Now().UTC().Truncate(time.Second)})
		for name, data := range map[string][]byte{
			version + ".zip":  zbuf.Bytes(),
			version + ".mod":  gomod,
			version + ".info": info,
		} {
			if err := writeAtomic(filepath.Join(vdir, name), data); err != nil {
				return err
			}
		}
		if err := addToList(filepath.Join(vdir, "list"), version); err != nil {
			return err
		}
	}
	return nil
}

// addToList adds version to a proxy's list file once.
func addToList(file, version string) error {
	data, err := os.ReadFile(file)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	versions := strings.Fields(string(data))
	if slices.Contains(versions, version) {
		return nil
	}
	versions = append(versions, version)
	return writeAtomic(file, []byte(strings.Join(versions, "\n")+"\n"))
}

// writeAtomic writes a file of the proxy through a temporary file and a
// rename, so that a go command reading the proxy meanwhile (another
// install-local, a test) never sees half a zip.
func writeAtomic(file string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(file), ".tmp-"+filepath.Base(file)+"-")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), file)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// moduleFiles lists what goes into m's zip.
func moduleFiles(m mod, moduleDirs []string, license []byte) ([]zip.File, error) {
	out, err := exec.Command("git", "-C", m.Dir, "ls-files", "-z", "--cached", "--others", "--exclude-standard", ".").Output()
	if err != nil {
		return nil, fmt.Errorf("git ls-files: %w", err)
	}
	var files []zip.File
	hasLicense := false
	seen := map[string]bool{}
	for _, name := range strings.Split(string(out), "\x00") {
		if name == "" || seen[name] {
			continue
		}
		seen[name] = true
		abs := filepath.Join(m.Dir, filepath.FromSlash(name))
		if inNested(abs, m.Dir, moduleDirs) {
			continue
		}
		fi, err := os.Lstat(abs)
		if os.IsNotExist(err) {
			continue // deleted in the working tree, not yet in the index
		}
		if err != nil {
			return nil, err
		}
		if !fi.Mode().IsRegular() {
			continue
		}
		if name == "LICENSE" {
			hasLicense = true
		}
		files = append(files, diskFile{name: name, abs: abs})
	}
	if !hasLicense {
		files = append(files, memFile{name: "LICENSE", data: license})
	}
	return files, nil
}

// inNested reports whether file lies in another module nested in dir.
func inNested(file, dir string, moduleDirs []string) bool {
	for _, d := range moduleDirs {
		if d != dir && strings.HasPrefix(d, dir+string(filepath.Separator)) &&
			strings.HasPrefix(file, d+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// diskFile is a zip.File read from the working tree.
type diskFile struct{ name, abs string }

func (f diskFile) Path() string                 { return f.name }
func (f diskFile) Lstat() (os.FileInfo, error)  { return os.Lstat(f.abs) }
func (f diskFile) Open() (io.ReadCloser, error) { return os.Open(f.abs) }

// memFile is a zip.File held in memory.
type memFile struct {
	name string
	data []byte
}

func (f memFile) Path() string                 { return f.name }
func (f memFile) Lstat() (os.FileInfo, error)  { return memInfo(f), nil }
func (f memFile) Open() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(f.data)), nil }

// memInfo is the os.FileInfo of a memFile.
type memInfo memFile

func (i memInfo) Name() string       { return filepath.Base(i.name) }
func (i memInfo) Size() int64        { return int64(len(i.data)) }
func (i memInfo) Mode() os.FileMode  { return 0o644 }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }
