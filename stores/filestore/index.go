package filestore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// The user index: for a record of user U under key K, an empty file
// u/<sha256(U)>/K. It is kept a superset of the truth: Save creates (and
// syncs) the entry before renaming the record into place and removes the
// previous user's entry only afterwards, so a crash can leave a stale entry
// but never a record missing from its user's directory. Readers of the
// index check each record's user; stale entries are removed by Prune and
// by Scrub, both under the key's lock.

// addIndex makes sure the index entry for user and key exists and is
// durable. An entry already there costs one failed open.
func (s *Store) addIndex(user, key string) error {
	dir := s.indexDir(user)
	path := dir + "/" + key
	madeDir := false
	for attempt := 0; ; attempt++ {
		fd, err := openFile(path, oWrite|oCreate|oExcl, 0o600)
		if err == nil {
			if err := closeFd(fd); err != nil {
				return err
			}
			if err := fsyncDir(dir); err != nil {
				return err
			}
			if madeDir {
				return fsyncDir(s.userDir)
			}
			return nil
		}
		if errors.Is(err, fs.ErrExist) {
			return nil
		}
		// The user's directory is missing: new user, or Scrub just
		// removed it as empty. Create it and try again.
		if !isNotExist(err) || attempt >= 3 {
			return err
		}
		if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		madeDir = true
	}
}

// removeIndex removes an index entry, reporting failure to the error
// handler only: a stale entry is harmless and removed later.
func (s *Store) removeIndex(user, key string) {
	if err := removeName(s.indexPath(user, key)); err != nil {
		s.report(fmt.Errorf("filestore: remove user index entry of %s: %w", key, err))
	}
}
