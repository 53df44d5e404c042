//go:build unix && !aix && (!solaris || illumos)

package filestore

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// TestLockExclusiveWhileFilesRemoved: goroutines of four stores over one
// directory (so their in-process mutexes differ and only flock separates
// them) take one key's lock, half of them removing the lock file on
// release. Never may two hold it at once.
func TestLockExclusiveWhileFilesRemoved(t *testing.T) {
	dir := t.TempDir()
	var stores [4]*Store
	for i := range stores {
		s, err := New(dir, WithSweepInterval(0))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		stores[i] = s
	}
	key := "00000000000000000000000000000000000000000000000000000000000000aa"
	var inside atomic.Int32
	var counter int // guarded by the record lock
	var wg sync.WaitGroup
	const workers, rounds = 8, 100
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := stores[w%len(stores)]
			for i := 0; i < rounds; i++ {
				l, err := s.lockKey(context.Background(), key, true)
				if err != nil {
					t.Error(err)
					return
				}
				if n := inside.Add(1); n != 1 {
					t.Errorf("%d holders of one record lock", n)
				}
				counter++
				for j := 0; j < 20; j++ {
					runtime.Gosched() // widen the window for an intruder
				}
				inside.Add(-1)
				l.unlock()
			}
		}()
	}
	wg.Wait()
	if counter != workers*rounds {
		t.Errorf("counter = %d, want %d", counter, workers*rounds)
	}
	for _, s := range stores {
		s.locks.mu.Lock()
		if n := len(s.locks.m); n != 0 {
			t.Errorf("%d in-process key mutexes left after all were released", n)
		}
		s.locks.mu.Unlock()
	}
}
