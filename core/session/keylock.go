package session

import (
	"context"
	"fmt"
	"sync"
)

// keyLocks is a lock per session key within this process, held while one
// request's commit writes the session. Entries are reference counted and
// removed when the last holder or waiter leaves, so memory follows the
// sessions being written, not the sessions seen. Sessions never wait for
// one another.
type keyLocks struct {
	mu sync.Mutex
	m  map[string]*keyLock
}

// keyLock is one key's lock: a semaphore of one, and how many goroutines
// hold it or wait for it.
type keyLock struct {
	sem  chan struct{} // holds one token while the lock is held
	refs int           // holders and waiters
}

var keyLockPool = sync.Pool{New: func() any { return &keyLock{sem: make(chan struct{}, 1)} }}

// lock takes key's lock, waiting no longer than ctx allows.
func (l *keyLocks) lock(ctx context.Context, key string) (*keyLock, error) {
	l.mu.Lock()
	kl := l.m[key]
	if kl == nil {
		kl = keyLockPool.Get().(*keyLock)
		l.m[key] = kl
	}
	kl.refs++
	l.mu.Unlock()
	select {
	case kl.sem <- struct{}{}:
		return kl, nil
	default:
	}
	select {
	case kl.sem <- struct{}{}:
		return kl, nil
	case <-ctx.Done():
		l.release(key, kl)
		return nil, fmt.Errorf("session: waiting for a concurrent commit of the session: %w", ctx.Err())
	}
}

// unlock releases a lock taken by lock.
func (l *keyLocks) unlock(key string, kl *keyLock) {
	<-kl.sem
	l.release(key, kl)
}

// release drops a holder or waiter of kl, and the entry with the last.
func (l *keyLocks) release(key string, kl *keyLock) {
	l.mu.Lock()
	kl.refs--
	if kl.refs == 0 {
		delete(l.m, key)
		keyLockPool.Put(kl)
	}
	l.mu.Unlock()
}
