package filestore

import (
	"context"
	"sync"
)

// removers is how many goroutines a Prune or a sweep removes records on.
// Removing a file that holds data waits on the disk (and, on a file system
// mounted with online discard, on the device trimming the freed blocks)
// far longer than it uses a CPU: on the machine of bench/README.md one
// removal took about 400 µs alone and 90 µs each with eight at once.
const removers = 8

// fanOut calls fn on every item walk sends, on one goroutine per element
// of workers (each given its own element, so per-worker state needs no
// lock). It returns when walk has returned and every call has ended. The
// first error fn returns stops the walk and is returned; otherwise walk's
// error is.
func fanOut[W, T any](ctx context.Context, workers []W, walk func(ctx context.Context, send func(T) bool) error, fn func(ctx context.Context, w W, item T) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	items := make(chan T)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range items {
				if err := fn(ctx, w, it); err != nil {
					mu.Lock()
					if first == nil {
						first = err
						cancel()
					}
					mu.Unlock()
				}
			}
		}()
	}
	err := walk(ctx, func(it T) bool {
		select {
		case items <- it:
			return true
		case <-ctx.Done():
			return false
		}
	})
	close(items)
	wg.Wait()
	if first != nil {
		return first
	}
	return err
}

// sendNames is a walk over the names of dir, for fanOut.
func sendNames(ctx context.Context, dir string, send func(string) bool) error {
	return eachName(ctx, dir, func(name string) (bool, error) { return send(name), nil })
}
