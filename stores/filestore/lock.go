package filestore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"time"
)

// ErrLockTimeout is returned, wrapped, when a record's lock could not be
// taken within the lock timeout (see [WithLockTimeout]): another goroutine
// or process held it all that time.
var ErrLockTimeout = errors.New("filestore: timed out waiting for a record lock")

// keyMutex is the in-process half of a record lock: goroutines of one
// process queue here, so only one of them at a time polls the file lock.
type keyMutex struct {
	ch   chan struct{} // holds one token while locked
	refs int           // goroutines holding or waiting; guarded by locker.mu
}

// locker hands out one keyMutex per key, dropping it when unused.
type locker struct {
	mu sync.Mutex
	m  map[string]*keyMutex
}

func (l *locker) get(key string) *keyMutex {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = make(map[string]*keyMutex)
	}
	km := l.m[key]
	if km == nil {
		km = &keyMutex{ch: make(chan struct{}, 1)}
		l.m[key] = km
	}
	km.refs++
	return km
}

func (l *locker) put(key string, km *keyMutex) {
	l.mu.Lock()
	defer l.mu.Unlock()
	km.refs--
	if km.refs == 0 {
		delete(l.m, key)
	}
}

// recordLock is a held lock on one key: the in-process mutex and an flock
// on the key's lock file.
type recordLock struct {
	s    *Store
	key  string
	km   *keyMutex
	fd   int
	path string
}

// lockKey takes the lock of key. With wait false it gives up at once when
// the lock is busy (returning ErrLockTimeout); otherwise it waits up to the
// lock timeout, or until ctx is done.
//
// The lock file protocol: open (creating) the file, flock it, then check
// that the path still names the file locked. Whoever removes a lock file
// does so while holding its flock, so a process that locked a removed file
// sees the mismatch and starts again on the new one.
func (s *Store) lockKey(ctx context.Context, key string, wait bool) (*recordLock, error) {
	deadline := time.Now().Add(s.opt.lockTimeout)
	km := s.locks.get(key)
	select {
	case km.ch <- struct{}{}:
	default:
		if !wait {
			s.locks.put(key, km)
			return nil, ErrLockTimeout
		}
		t := time.NewTimer(time.Until(deadline))
		select {
		case km.ch <- struct{}{}:
			t.Stop()
		case <-ctx.Done():
			t.Stop()
			s.locks.put(key, km)
			return nil, ctx.Err()
		case <-t.C:
			s.locks.put(key, km)
			return nil, ErrLockTimeout
		}
	}
	l := &recordLock{s: s, key: key, km: km, fd: -1, path: s.lockDir + "/" + key}
	if err := l.flock(ctx, wait, deadline); err != nil {
		<-km.ch
		s.locks.put(key, km)
		return nil, err
	}
	return l, nil
}

func (l *recordLock) flock(ctx context.Context, wait bool, deadline time.Time) error {
	backoff := 20 * time.Microsecond
	var fd = -1
	for {
		if fd < 0 {
			var err error
			fd, err = openFile(l.path, oRW|oCreate, 0o600)
			if err != nil {
				return fmt.Errorf("lock file: %w", err)
			}
		}
		ok, err := tryFlock(fd)
		if err != nil {
			closeFd(fd) // already failing
			return fmt.Errorf("lock file: %w", err)
		}
		if ok {
			same, err := sameFile(fd, l.path)
			if err != nil {
				closeFd(fd) // already failing
				return fmt.Errorf("lock file: %w", err)
			}
			if same {
				l.fd = fd
				return nil
			}
			// Removed (and perhaps recreated) while we waited: retry on
			// the file the path names now.
			closeFd(fd) // lock released with it
			fd = -1
			continue
		}
		if !wait || !time.Now().Before(deadline) {
			closeFd(fd) // not locked
			return ErrLockTimeout
		}
		d := min(backoff, time.Until(deadline))
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			closeFd(fd) // not locked
			return ctx.Err()
		}
		backoff = min(2*backoff, time.Millisecond)
	}
}

// unlock releases the lock, removing the lock file first (while still
// holding it): no lock file outlives its lock, so the lock directory holds
// only the keys locked at this moment. A process that opened the file
// before the removal sees, once it gets the flock, that the path no longer
// names its file, and starts again (see lockKey).
func (l *recordLock) unlock() {
	if err := removeName(l.path); err != nil {
		l.s.report(fmt.Errorf("filestore: remove lock file %s: %w", l.key, err))
	}
	if err := closeFd(l.fd); err != nil {
		l.s.report(fmt.Errorf("filestore: unlock %s: %w", l.key, err))
	}
	l.fd = -1
	<-l.km.ch
	l.s.locks.put(l.key, l.km)
}

// isNotExist reports whether err says a file does not exist.
func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
