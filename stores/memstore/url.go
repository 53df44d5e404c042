package memstore

import (
	"context"
	"fmt"
	"net/url"

	"github.com/session2/session2/core/session"
)

func init() {
	session.RegisterStore("memory", openURL)
}

// openURL opens a new, empty store from a URL of the form
// "memory:" or "memory:?max=1000&sweep=30s". The query parameters are
// optional: max is [WithMaxSessions] (0 for no limit), sweep is
// [WithSweepInterval] as a Go duration ("0" disables the sweeper).
// Anything else is an error.
func openURL(ctx context.Context, u *url.URL) (session.Store, error) {
	if p := session.URLPath(u); p != "" || u.User != nil || u.Host != "" || u.Fragment != "" {
		return nil, fmt.Errorf("memstore: open: %w: URL %q may hold only query options, as in \"memory:?max=1000&sweep=1m\"", session.ErrInvalidConfig, u.Redacted())
	}
	opts, err := session.URLOptions(u,
		session.IntParam("max", WithMaxSessions),
		session.DurationParam("sweep", WithSweepInterval))
	if err != nil {
		return nil, fmt.Errorf("memstore: open: %w", err)
	}
	return New(opts...), nil
}
