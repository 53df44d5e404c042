package filestore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The directory's format marker, written by Setup before anything else.
const (
	markerName    = "FORMAT"
	markerTmp     = ".FORMAT.tmp"
	markerPrefix  = "session2 filestore\nformat "
	markerContent = markerPrefix + "1\n"
)

// Setup creates the store's directory (mode 0700) and its subdirectories,
// and writes the format marker. It is idempotent and never removes or
// rewrites records. It refuses a directory that is not owned by the
// process's user, that others can write to, that holds a newer format, or
// that is not empty and not a store directory (so "file:$HOME" cannot
// scatter files through a home directory).
func (s *Store) Setup(ctx context.Context) error {
	if err := s.check(ctx, "setup"); err != nil {
		return err
	}
	if err := s.setup(); err != nil {
		return fmt.Errorf("filestore: setup %s: %w", s.dir, err)
	}
	return nil
}

func (s *Store) setup() error {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return err
	}
	fi, err := os.Stat(s.dir)
	if err != nil {
		return err
	}
	if err := checkDir(fi); err != nil {
		return err
	}
	if err := s.checkMarker(false); err != nil {
		return err
	}
	for _, sub := range []string{s.recDir, s.lockDir, s.userDir} {
		if err := os.Mkdir(sub, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		fi, err := os.Lstat(sub)
		if err != nil {
			return err
		}
		if err := checkDir(fi); err != nil {
			return fmt.Errorf("%s: %w", filepath.Base(sub), err)
		}
	}
	return fsyncDir(s.dir)
}

// checkDir refuses a directory the store cannot trust.
func checkDir(fi fs.FileInfo) error {
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return errors.New("is a symbolic link")
	case !fi.IsDir():
		return errors.New("is not a directory")
	case !ownedBy(fi):
		return errors.New("is not owned by this process's user")
	case fi.Mode().Perm()&0o022 != 0:
		return fmt.Errorf("is writable by group or others (mode %v); use mode 0700", fi.Mode().Perm())
	}
	return nil
}

// checkMarker reads the format marker, or writes it into an empty
// directory.
func (s *Store) checkMarker(retried bool) error {
	b, err := os.ReadFile(filepath.Join(s.dir, markerName))
	if err == nil {
		v, ok := strings.CutPrefix(string(b), markerPrefix)
		n, perr := strconv.Atoi(strings.TrimSpace(v))
		if !ok || perr != nil {
			return fmt.Errorf("%s is not a filestore format marker", markerName)
		}
		if n != formatVersion {
			return fmt.Errorf("directory has filestore format %d; this version reads format %d", n, formatVersion)
		}
		return nil
	}
	if !isNotExist(err) {
		return err
	}
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		switch {
		case e.Name() == markerName && !retried:
			// Another process set the directory up meanwhile.
			return s.checkMarker(true)
		case !strings.HasPrefix(e.Name(), markerTmp):
			return fmt.Errorf("not empty and not a filestore directory (no %s file; found %q)", markerName, e.Name())
		}
	}
	tmp := filepath.Join(s.dir, markerTmp+strconv.Itoa(os.Getpid()))
	if err := removeName(tmp); err != nil {
		return err
	}
	fd, err := openFile(tmp, oWrite|oCreate|oExcl, 0o600)
	if err != nil {
		return err
	}
	err = pwriteFull(fd, []byte(markerContent), 0)
	if err == nil {
		err = fsyncFd(fd)
	}
	if cerr := closeFd(fd); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(s.dir, markerName))
	}
	if err != nil {
		removeName(tmp) // already failing
		return err
	}
	return fsyncDir(s.dir)
}
