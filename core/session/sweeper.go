package session

import (
	"context"
	"sync"
	"time"
)

// StartSweeper runs sweep every interval on a goroutine of its own until
// stop is called: the background loop of a store that deletes its expired
// records itself (the memory, file, bolt and SQL stores use it). The
// context passed to sweep ends when stop is called, so that a sweep in
// progress can give up; stop then waits for it to return. stop may be
// called more than once and from several goroutines. An interval of zero
// or less starts nothing, and stop returns at once.
func StartSweeper(interval time.Duration, sweep func(ctx context.Context)) (stop func()) {
	if interval <= 0 {
		return func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if ctx.Err() == nil { // both cases may be ready
					sweep(ctx)
				}
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(cancel)
		<-done
	}
}
