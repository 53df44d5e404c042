package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/filestore"
)

// gcCmd: delete expired and idle sessions.
func (a *app) gcCmd(fs *flag.FlagSet) runFunc {
	idle := new(time.Duration)
	durationFlag(fs, idle, "idle", "also delete sessions unused for longer than `DURATION`, such as 30m or 2h")
	return func(ctx context.Context, args []string) error {
		if err := wantArgs("gc", args); err != nil {
			return err
		}
		if *idle < 0 {
			return usagef("gc", "gc: -idle %s is negative", *idle)
		}
		return a.withStore(ctx, "gc", func(s session.Store, _ string) error {
			now := a.now()
			stop := a.progress("deleting expired sessions")
			nExpired, err := s.Prune(ctx, session.Filter{ExpiresBefore: now})
			stop()
			if err != nil {
				return fmt.Errorf("deleting expired sessions (%d deleted before the error): %w", nExpired, err)
			}
			if err := a.sweepFiles(ctx, s); err != nil {
				return err
			}
			if *idle == 0 {
				fmt.Fprintf(a.stdout, "deleted %s\n", plural(nExpired, "expired session"))
				return nil
			}
			stop = a.progress("deleting sessions idle for more than " + fmtDuration(*idle))
			nIdle, err := s.Prune(ctx, session.Filter{AccessedBefore: now.Add(-*idle)})
			stop()
			if err != nil {
				return fmt.Errorf("deleting idle sessions (%d expired and %d idle deleted before the error): %w", nExpired, nIdle, err)
			}
			fmt.Fprintf(a.stdout, "deleted %s: %d expired, %d idle for more than %s\n",
				plural(nExpired+nIdle, "session"), nExpired, nIdle, fmtDuration(*idle))
			return nil
		})
	}
}

// sweepFiles tidies a file store's directory with its full pass (Scrub):
// corrupt and foreign files where records belong, temp files of crashed
// writers, lock files of crashed processes, stale index entries. Other
// stores have nothing of the kind.
func (a *app) sweepFiles(ctx context.Context, s session.Store) error {
	fs, ok := s.(*filestore.Store)
	if !ok {
		return nil
	}
	st, err := fs.Scrub(ctx)
	if err != nil {
		return fmt.Errorf("tidying the file store: %w", err)
	}
	if n := st.Corrupt + st.Temp + st.Locks + st.Index; n > 0 {
		fmt.Fprintf(a.stdout, "removed %d stale files (%d corrupt or foreign, %d temp, %d lock, %d index)\n", n, st.Corrupt, st.Temp, st.Locks, st.Index)
	}
	return nil
}

// progress draws a line on stderr, when it is a terminal, telling that
// label is under way and for how long, once the work has taken longer than
// progressAfter. The returned function erases the line and stops.
func (a *app) progress(label string) (stop func()) {
	if !a.terminal {
		return func() {}
	}
	start := time.Now()
	done := make(chan struct{})
	finished := make(chan struct{})
	ticks, stopTicker := a.newTicker()
	go func() {
		defer close(finished)
		defer stopTicker()
		drawn := false
		for {
			select {
			case <-done:
				if drawn {
					fmt.Fprint(a.stderr, "\r\033[K")
				}
				return
			case <-ticks:
				elapsed := time.Since(start)
				if elapsed < a.progressAfter {
					continue
				}
				fmt.Fprintf(a.stderr, "\r\033[Ksessionctl gc: %s… %s", label, elapsed.Round(time.Second))
				drawn = true
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
