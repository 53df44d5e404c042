// Command sessionctl administers the sessions kept in a session2 store:
// it creates the store's tables or directories, lists, shows and deletes
// sessions, logs a user out everywhere, removes expired and idle sessions
// from a cron job, and counts what is stored.
//
// Usage:
//
//	sessionctl [-store URL] COMMAND [flags] [args]
//
// Run "sessionctl -h" for the commands and a cron example.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
