package filestore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/session2/session2/core/session"
)

// migrateLock is the file a migrating Setup holds an flock on, so that two
// processes starting on one old directory migrate it once.
const migrateLock = "MIGRATE.lock"

// migrate turns a format 1 directory into format 2: every record file in
// r/ moves into its subdirectory, with its expiry index entry made first;
// temporary files are removed, as are the lock files of l/ (format 1 kept
// one per record). The marker is written last. Every step can be done
// twice, so a migration cut short is finished by the next Setup.
func (s *Store) migrate() error {
	lockPath := filepath.Join(s.dir, migrateLock)
	fd, err := openFile(lockPath, oRW|oCreate, 0o600)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer closeFd(fd) // releases the flock
	for {
		ok, err := tryFlock(fd)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if ok {
			break
		}
		time.Sleep(10 * time.Millisecond) // another process is migrating
	}
	if n, err := s.readMarker(); err != nil || n == dirFormat {
		return err // migrated meanwhile
	}
	var errs errList
	moved := map[string]bool{}
	errs.note(eachName(context.Background(), s.recDir, func(name string) (bool, error) {
		old := s.recDir + "/" + name
		switch {
		case session.IsKey(name):
			// A record file that cannot be read still moves: Load
			// reports it, and Scrub removes it.
			if h, err := readHeadPath(old, name); err == nil {
				if err := s.addExpiry(bucketOf(h.expires), name); err != nil {
					return false, err
				}
			}
			if err := os.Rename(old, s.recPath(name)); err != nil {
				return false, err
			}
			moved[name[:2]] = true
		case strings.HasPrefix(name, ".tmp-"):
			errs.note(removeName(old))
		}
		return true, nil
	}))
	if len(errs) > 0 {
		return errs.err("migrate")
	}
	for sh := range moved {
		errs.note(fsyncDir(s.recDir + "/" + sh))
	}
	errs.note(fsyncDir(s.recDir))
	errs.note(eachName(context.Background(), s.lockDir, func(name string) (bool, error) {
		errs.note(removeName(s.lockDir + "/" + name))
		return true, nil
	}))
	if len(errs) > 0 {
		return errs.err("migrate")
	}
	if err := s.writeMarker(dirFormat); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	removeName(lockPath) // held: a process waiting for it finds the new marker
	return nil
}

// readHeadPath reads and checks the header of the record file at path,
// which must hold key's record.
func readHeadPath(path, key string) (header, error) {
	fd, err := openFile(path, oRead, 0)
	if err != nil {
		return header{}, err
	}
	defer closeFd(fd) // read-only
	fi, err := statOwned(fd)
	if err != nil {
		return header{}, err
	}
	h, _, err := readHeadFd(fd, key, fi.size)
	return h, err
}
