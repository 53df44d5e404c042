package boltstore

import (
	"context"
	"fmt"
	"net/url"

	"github.com/session2/session2/core/session"
)

func init() {
	session.RegisterStore("bolt", openURL)
}

// openURL opens "bolt:PATH" (or "bolt:///abs/path") with optional query
// parameters timeout (a duration), sweep (a duration, 0 disables), batch
// (an integer) and bucket (a name).
func openURL(_ context.Context, u *url.URL) (session.Store, error) {
	path := session.URLPath(u)
	if path == "" {
		return nil, fmt.Errorf("boltstore: %w: URL %q has no path (want bolt:PATH)", session.ErrInvalidConfig, u.Redacted())
	}
	opts, err := session.URLOptions(u,
		session.DurationParam("timeout", WithOpenTimeout),
		session.DurationParam("sweep", WithSweepInterval),
		session.IntParam("batch", WithSweepBatch),
		session.StringParam("bucket", WithBucket))
	if err != nil {
		return nil, fmt.Errorf("boltstore: %w", err)
	}
	return Open(path, opts...)
}
