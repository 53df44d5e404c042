package filestore

import (
	"context"
	"errors"
	"io/fs"
	"sync"
	"time"
)

// ErrLockTimeout is returned, wrapped, when a record's lock could not be
// taken within the lock timeout (see [WithLockTimeout]): another goroutine
// or process held it all that time.
var ErrLockTimeout = errors.New("filestore: timed out waiting for a record lock")

// A record lock has two halves. Goroutines of one process queue on an
// in-process mutex per lock slot (a 62-bit hash of the key), so that only
// one of them at a time asks the operating system. Processes exclude each
// other through a file lock, whose kind depends on the system:
//
//   - On Linux, an open file description lock (fcntl F_OFD_SETLK) on one
//     byte of the LOCKS file, at the key's slot. The file is created once
//     and never removed, so taking a lock creates nothing (lock_ofd.go).
//   - Elsewhere, flock(2) on a lock file per key in l/, which exists only
//     while its lock is held (lock_files.go).
//
// Every process sharing a directory must therefore run on the same kind of
// system, as it does when they share a host.

// keyMutex is the in-process half of a record lock.
type keyMutex struct {
	ch   chan struct{} // holds one token while locked
	refs int           // goroutines holding or waiting; guarded by locker.mu
}

// locker hands out one keyMutex per lock slot, dropping it when unused.
type locker struct {
	mu sync.Mutex
	m  map[uint64]*keyMutex
}

func (l *locker) get(slot uint64) *keyMutex {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = make(map[uint64]*keyMutex)
	}
	km := l.m[slot]
	if km == nil {
		km = &keyMutex{ch: make(chan struct{}, 1)}
		l.m[slot] = km
	}
	km.refs++
	return km
}

func (l *locker) put(slot uint64, km *keyMutex) {
	l.mu.Lock()
	defer l.mu.Unlock()
	km.refs--
	if km.refs == 0 {
		delete(l.m, slot)
	}
}

// lockSlot is the slot of key's lock: FNV-1a, 64 bits, of the key, with
// the top two bits cleared so that it is a valid file offset. The same key
// has the same slot in every process and every version of the store. Two
// keys sharing a slot (a chance of one in 2^62 per pair) only wait for
// each other.
func lockSlot(key string) uint64 {
	const (
		offset64 = 14695981039346656037
		prime64  = 1099511628211
	)
	h := uint64(offset64)
	for i := 0; i < len(key); i++ {
		h ^= uint64(key[i])
		h *= prime64
	}
	return h >> 2
}

// recordLock is a held lock on one key: the in-process mutex and the file
// lock.
type recordLock struct {
	s    *Store
	key  string
	slot uint64
	km   *keyMutex
	fd   int // the file lock's descriptor: closing it releases the lock
}

// lockKey takes the lock of key. With wait false it gives up at once when
// the lock is busy (returning ErrLockTimeout); otherwise it waits up to the
// lock timeout, or until ctx is done.
func (s *Store) lockKey(ctx context.Context, key string, wait bool) (*recordLock, error) {
	deadline := time.Now().Add(s.opt.lockTimeout)
	slot := lockSlot(key)
	km := s.locks.get(slot)
	select {
	case km.ch <- struct{}{}:
	default:
		if !wait {
			s.locks.put(slot, km)
			return nil, ErrLockTimeout
		}
		t := time.NewTimer(time.Until(deadline))
		select {
		case km.ch <- struct{}{}:
			t.Stop()
		case <-ctx.Done():
			t.Stop()
			s.locks.put(slot, km)
			return nil, ctx.Err()
		case <-t.C:
			s.locks.put(slot, km)
			return nil, ErrLockTimeout
		}
	}
	l := &recordLock{s: s, key: key, slot: slot, km: km, fd: -1}
	if err := l.acquire(ctx, wait, deadline); err != nil {
		<-km.ch
		s.locks.put(slot, km)
		return nil, err
	}
	return l, nil
}

// unlock releases the file lock, then the in-process mutex.
func (l *recordLock) unlock() {
	l.release()
	<-l.km.ch
	l.s.locks.put(l.slot, l.km)
}

// pollFileLock calls try until it takes the file lock, backing off from
// 20 µs to 1 ms between attempts, until the deadline or ctx ends it (or at
// once when wait is false). The system calls that would wait for the lock
// cannot be interrupted, so no lock is waited for inside one.
func pollFileLock(ctx context.Context, wait bool, deadline time.Time, try func() (bool, error)) error {
	backoff := 20 * time.Microsecond
	for {
		ok, err := try()
		if err != nil || ok {
			return err
		}
		if !wait || !time.Now().Before(deadline) {
			return ErrLockTimeout
		}
		t := time.NewTimer(min(backoff, time.Until(deadline)))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
		backoff = min(2*backoff, time.Millisecond)
	}
}

// isNotExist reports whether err says a file does not exist.
func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
