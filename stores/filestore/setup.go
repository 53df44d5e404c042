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
	"time"

	"github.com/session2/session2/core/session"
)

// The directory's format marker, written by Setup before anything else.
// Format 2 (records sharded in r/, with t/, l/, u/ and e/ beside; see the
// package README) is the only one a release has written: 1 was a
// development format, which Setup refuses like any other.
const (
	markerName   = "FORMAT"
	markerTmp    = ".FORMAT.tmp"
	markerPrefix = "session2 filestore\nformat "
	dirFormat    = 2
)

// DefaultSetupTimeout is how long [Store.Setup] waits when its context
// has no deadline: for a directory on a network file system that does not
// answer, say.
const DefaultSetupTimeout = 30 * time.Second

// setupTimeout is DefaultSetupTimeout, shortened by tests.
var setupTimeout = DefaultSetupTimeout

func markerContent(format int) string { return markerPrefix + strconv.Itoa(format) + "\n" }

// Setup creates the store's directory (mode 0700) and its subdirectories,
// and writes the format marker. It is idempotent and never removes or
// rewrites records. It refuses a directory that is not owned by the
// process's user, that others can write to, that holds a newer format, or
// that is not empty and not a store directory (so "file:$HOME" cannot
// scatter files through a home directory).
//
// When ctx has no deadline (as in [New]), Setup gives up after
// [DefaultSetupTimeout]; the file system calls it still waits for go on in
// the background, and what they leave undone is done by the next Setup.
// Pass a context with a deadline to choose another bound.
func (s *Store) Setup(ctx context.Context) error {
	if err := s.check(ctx, "setup"); err != nil {
		return err
	}
	err := session.RunBounded(ctx, setupTimeout, func(context.Context) error { return s.setup() })
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		err = fmt.Errorf("the file system did not answer within the deadline: %w", err)
	}
	if err != nil {
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
	if err := s.makeDirs(); err != nil {
		return err
	}
	return s.setupLocks()
}

// makeDirs creates the subdirectories that are missing and checks them.
func (s *Store) makeDirs() error {
	made := false
	mk := func(dir string) error {
		err := os.Mkdir(dir, 0o700)
		switch {
		case err == nil:
			made = true
		case !errors.Is(err, fs.ErrExist):
			return err
		}
		fi, err := os.Lstat(dir)
		if err != nil {
			return err
		}
		if err := checkDir(fi); err != nil {
			return fmt.Errorf("%s: %w", strings.TrimPrefix(dir, s.dir+"/"), err)
		}
		return nil
	}
	for _, sub := range []string{s.recDir, s.tmpDir, s.lockDir, s.userDir, s.expDir} {
		if err := mk(sub); err != nil {
			return err
		}
	}
	shardsMade := false
	for _, sh := range shards {
		made = false
		if err := mk(s.recDir + "/" + sh); err != nil {
			return err
		}
		shardsMade = shardsMade || made
	}
	if shardsMade {
		if err := fsyncDir(s.recDir); err != nil {
			return err
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
	n, err := s.readMarker()
	if err == nil {
		if n != dirFormat {
			return fmt.Errorf("directory has filestore format %d; this version reads format %d", n, dirFormat)
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
	return s.writeMarker(dirFormat)
}

// readMarker returns the format the marker names.
func (s *Store) readMarker() (int, error) {
	b, err := os.ReadFile(filepath.Join(s.dir, markerName))
	if err != nil {
		return 0, err
	}
	v, ok := strings.CutPrefix(string(b), markerPrefix)
	n, perr := strconv.Atoi(strings.TrimSpace(v))
	if !ok || perr != nil {
		return 0, fmt.Errorf("%s is not a filestore format marker", markerName)
	}
	return n, nil
}

// writeMarker replaces the marker atomically and durably.
func (s *Store) writeMarker(format int) error {
	tmp := filepath.Join(s.dir, markerTmp+strconv.Itoa(os.Getpid()))
	if err := removeName(tmp); err != nil {
		return err
	}
	fd, err := openFile(tmp, oWrite|oCreate|oExcl, 0o600)
	if err != nil {
		return err
	}
	err = pwriteFull(fd, []byte(markerContent(format)), 0)
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
