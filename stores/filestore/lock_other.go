//go:build !linux

package filestore

import (
	"context"
	"fmt"
	"time"
)

// The file lock outside Linux: flock(2) on the key's lock file in l/.
//
// Open (creating) the file, flock it, then check that the path still names
// the file locked. Whoever removes a lock file does so while holding its
// flock, so a process that locked a removed file sees the mismatch and
// starts again on the new one. Release removes the file, still holding it,
// so the lock directory holds only the keys locked at this moment.

func (l *recordLock) acquire(ctx context.Context, wait bool, deadline time.Time) error {
	path := l.s.lockDir + "/" + l.key
	fd := -1
	err := pollFileLock(ctx, wait, deadline, func() (bool, error) {
		for {
			if fd < 0 {
				var err error
				fd, err = openFile(path, oRW|oCreate, 0o600)
				if err != nil {
					return false, fmt.Errorf("lock file: %w", err)
				}
			}
			ok, err := tryFlock(fd)
			if err != nil || !ok {
				return false, err
			}
			same, err := sameFile(fd, path)
			if err != nil || same {
				return same, err
			}
			// Removed (and perhaps recreated) while we waited: retry on
			// the file the path names now.
			closeFd(fd) // lock released with it
			fd = -1
		}
	})
	if err != nil {
		if fd >= 0 {
			closeFd(fd) // not locked
		}
		return err
	}
	l.fd = fd
	return nil
}

func (l *recordLock) release() {
	if err := removeName(l.s.lockDir + "/" + l.key); err != nil {
		l.s.report(fmt.Errorf("filestore: remove lock file %s: %w", l.key, err))
	}
	if err := closeFd(l.fd); err != nil {
		l.s.report(fmt.Errorf("filestore: unlock %s: %w", l.key, err))
	}
	l.fd = -1
}

// setupLocks has nothing to prepare: lock files come and go with their
// locks.
func (s *Store) setupLocks() error { return nil }

// sweepLock removes a lock file nobody holds: one left by a process that
// crashed while holding it (a lock file is otherwise removed by its
// unlock).
func (s *Store) sweepLock(key string, st *SweepStats) error {
	l, err := s.lockKey(context.Background(), key, false)
	if err != nil {
		return nil // in use
	}
	st.Locks++
	l.unlock()
	return nil
}
