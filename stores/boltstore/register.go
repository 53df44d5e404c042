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
	q, err := session.ParseURLQuery(u, "timeout", "sweep", "batch", "bucket")
	if err != nil {
		return nil, fmt.Errorf("boltstore: %w", err)
	}
	var opts []Option
	if d, ok := q.Duration("timeout"); ok {
		opts = append(opts, WithOpenTimeout(d))
	}
	if d, ok := q.Duration("sweep"); ok {
		opts = append(opts, WithSweepInterval(d))
	}
	if n, ok := q.Int("batch"); ok {
		opts = append(opts, WithSweepBatch(n))
	}
	if v, ok := q.String("bucket"); ok {
		opts = append(opts, WithBucket(v))
	}
	if err := q.Err(); err != nil {
		return nil, fmt.Errorf("boltstore: %w", err)
	}
	return Open(path, opts...)
}
