package filestore

import (
	"context"
	"time"
)

// HoldLockElsewhere takes key's file lock as another process would,
// without the store's in-process mutex, and returns the function that
// releases it.
func HoldLockElsewhere(s *Store, key string) (func(), error) {
	l := &recordLock{s: s, key: key, slot: lockSlot(key), fd: -1}
	if err := l.acquire(context.Background(), true, time.Now().Add(10*time.Second)); err != nil {
		return nil, err
	}
	return l.release, nil
}

// SetSetupTimeout sets the bound of Setup without a deadline, and returns
// the function that restores it.
func SetSetupTimeout(d time.Duration) (restore func()) {
	old := setupTimeout
	setupTimeout = d
	return func() { setupTimeout = old }
}
