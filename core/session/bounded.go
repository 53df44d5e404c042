package session

import (
	"context"
	"time"
)

// RunBounded runs f on a goroutine of its own and returns its error, or
// ctx's error when ctx ends first: the shape of a store's Setup, which must
// not hang the application's start on a server or a file system that
// never answers. When ctx has no deadline, RunBounded waits at most d. f
// gets the bounded context; when RunBounded gives up, f goes on in the
// background until it returns, so it must not use what the caller frees
// afterwards. A result that arrives as ctx ends stands.
func RunBounded(ctx context.Context, d time.Duration, f func(ctx context.Context) error) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	done := make(chan error, 1)
	go func() { done <- f(ctx) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		select {
		case err := <-done:
			return err
		default:
			return ctx.Err()
		}
	}
}
