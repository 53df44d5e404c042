package boltstore

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/session2/session2/core/session"
)

func init() {
	session.RegisterStore("bolt", openURL)
}

// openURL opens "bolt:PATH" (or "bolt:///abs/path") with optional query
// parameters timeout (a duration), sweep (a duration, 0 disables), batch
// (an integer) and bucket (a name).
func openURL(ctx context.Context, u *url.URL) (session.Store, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("boltstore: open: %w", err)
	}
	path := session.URLPath(u)
	if path == "" {
		return nil, fmt.Errorf("boltstore: %w: URL %q has no path (want bolt:PATH)", session.ErrInvalidConfig, u.Redacted())
	}
	var opts []Option
	for name, vals := range u.Query() {
		if len(vals) != 1 {
			return nil, fmt.Errorf("boltstore: %w: URL parameter %q given %d times", session.ErrInvalidConfig, name, len(vals))
		}
		val := vals[0]
		switch name {
		case "timeout", "sweep":
			d, err := time.ParseDuration(val)
			if err != nil {
				return nil, fmt.Errorf("boltstore: %w: URL parameter %s: %w", session.ErrInvalidConfig, name, err)
			}
			if name == "timeout" {
				opts = append(opts, WithOpenTimeout(d))
			} else {
				opts = append(opts, WithSweepInterval(d))
			}
		case "batch":
			n, err := strconv.Atoi(val)
			if err != nil {
				return nil, fmt.Errorf("boltstore: %w: URL parameter batch: %w", session.ErrInvalidConfig, err)
			}
			opts = append(opts, WithSweepBatch(n))
		case "bucket":
			opts = append(opts, WithBucket(val))
		default:
			return nil, fmt.Errorf("boltstore: %w: unknown URL parameter %q (known: timeout, sweep, batch, bucket)", session.ErrInvalidConfig, name)
		}
	}
	return Open(path, opts...)
}
