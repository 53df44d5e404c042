package filestore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"
)

// The file lock on Linux: an open file description lock on one byte of
// the LOCKS file, at the key's slot. Each lock opens the file anew, so each
// has its own open file description: locks of different descriptions
// exclude each other whether they belong to one process or several, and
// closing the descriptor releases the lock, also when a process dies.
// The file stays empty (a lock needs no data at its offset) and is never
// removed; nothing is created or removed per lock.

// locksName is the lock file's name in the store's directory.
const locksName = "LOCKS"

// fOFDSetLK is F_OFD_SETLK (Linux 3.15 and later), the same number on
// every architecture; the syscall package does not name it.
const fOFDSetLK = 37

func (s *Store) locksPath() string { return s.dir + "/" + locksName }

func (l *recordLock) acquire(ctx context.Context, wait bool, deadline time.Time) error {
	fd, err := openFile(l.s.locksPath(), oRW|oCreate, 0o600)
	if err != nil {
		return fmt.Errorf("lock file: %w", err)
	}
	err = pollFileLock(ctx, wait, deadline, func() (bool, error) { return tryRangeLock(fd, int64(l.slot)) })
	if err != nil {
		closeFd(fd) // not locked
		return err
	}
	l.fd = fd
	return nil
}

func (l *recordLock) release() {
	// Closing the only descriptor of the description releases its lock.
	if err := closeFd(l.fd); err != nil {
		l.s.report(fmt.Errorf("filestore: unlock %s: %w", l.key, err))
	}
	l.fd = -1
}

// tryRangeLock takes the write lock of the byte at off through fd's open
// file description, without waiting. It reports false when another
// description holds it.
func tryRangeLock(fd int, off int64) (bool, error) {
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: io.SeekStart, Start: off, Len: 1}
	for {
		err := syscall.FcntlFlock(uintptr(fd), fOFDSetLK, &lk)
		switch err {
		case nil:
			return true, nil
		case syscall.EINTR:
			continue
		case syscall.EAGAIN, syscall.EACCES:
			return false, nil
		}
		return false, &os.SyscallError{Syscall: "fcntl F_OFD_SETLK", Err: err}
	}
}

// setupLocks creates the LOCKS file if needed, refusing anything but a
// regular file owned by the process's user, and checks that the kernel
// has open file description locks.
func (s *Store) setupLocks() error {
	fd, err := openFile(s.locksPath(), oRW|oCreate, 0o600)
	if err != nil {
		return fmt.Errorf("%s: %w", locksName, err)
	}
	defer closeFd(fd) // releases the probe's lock
	if _, err := statOwned(fd); err != nil {
		return fmt.Errorf("%s: %w", locksName, err)
	}
	if _, err := tryRangeLock(fd, 0); err != nil {
		if errors.Is(err, syscall.EINVAL) {
			return fmt.Errorf("%s: open file description locks are not supported by this kernel (Linux 3.15 or later is needed): %w", locksName, err)
		}
		return fmt.Errorf("%s: %w", locksName, err)
	}
	return nil
}

// sweepLock removes a file left in l/ by the flock protocol of other
// systems or of earlier versions: on Linux nothing locks it.
func (s *Store) sweepLock(key string, st *SweepStats) error {
	if err := removeName(s.lockDir + "/" + key); err != nil {
		return err
	}
	st.Locks++
	return nil
}
