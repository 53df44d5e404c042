package conformance

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"github.com/session2/session2/core/session"
)

const (
	racers           = 50
	racerIncrements  = 4
	maxTriesPerIncr  = 10000
	concurrencyTotal = racers * racerIncrements
)

// testConcurrentIncrements races goroutines doing load, increment and
// compare-and-set save on one key, retrying on ErrConflict. With a correct
// compare-and-set no increment is lost.
func testConcurrentIncrements(t *testing.T, s session.Store) {
	if !s.Capabilities().Goroutines {
		t.Skip("the store does not report Capabilities().Goroutines")
	}
	ctx := context.Background()
	key := newKey(t)
	rec := live(newUser(t, "counter"), "0")
	mustSave(t, s, key, rec)

	var wg sync.WaitGroup
	start := make(chan struct{})
	for g := 0; g < racers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := 0; i < racerIncrements; i++ {
				if err := increment(ctx, s, key); err != nil {
					t.Errorf("concurrent increments: %v", err)
					return
				}
			}
		}()
	}
	close(start)
	wg.Wait()

	got := mustLoad(t, s, key)
	n, err := strconv.Atoi(string(got.Data))
	if err != nil {
		t.Fatalf("after concurrent increments the counter is %q, not a number", got.Data)
	}
	if n != concurrencyTotal {
		t.Errorf("%d goroutines did %d increments each: counter = %d, want %d (%d increments lost)",
			racers, racerIncrements, n, concurrencyTotal, concurrencyTotal-n)
	}
	if want := uint64(concurrencyTotal + 1); got.Version != want {
		t.Errorf("after 1 create and %d successful saves, Version = %d, want %d", concurrencyTotal, got.Version, want)
	}
}

// increment adds one to the counter stored at key, retrying on conflicts.
func increment(ctx context.Context, s session.Store, key string) error {
	for try := 0; try < maxTriesPerIncr; try++ {
		rec, err := s.Load(ctx, key)
		if err != nil {
			return fmt.Errorf("Load: %w", err)
		}
		n, err := strconv.Atoi(string(rec.Data))
		if err != nil {
			return errors.New("Load returned a counter that is not a number: " + strconv.Quote(string(rec.Data)))
		}
		rec.Data = strconv.AppendInt(rec.Data[:0], int64(n+1), 10)
		// Let the others run between the load and the save, as a request
		// handler would: it widens the window a lost update needs.
		runtime.Gosched()
		err = s.Save(ctx, key, rec)
		if err == nil {
			return nil
		}
		if !errors.Is(err, session.ErrConflict) {
			return fmt.Errorf("Save: %w", err)
		}
	}
	return errors.New("an increment kept conflicting after " + strconv.Itoa(maxTriesPerIncr) + " tries")
}
