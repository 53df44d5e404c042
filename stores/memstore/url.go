package memstore

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/session2/session2/core/session"
)

func init() {
	session.RegisterStore("memory", openURL)
}

// openURL opens a new, empty store from a URL of the form
// "memory:" or "memory:?max=1000&sweep=30s". The query parameters are
// optional: max is [WithMaxSessions], sweep is [WithSweepInterval] as a Go
// duration ("0" disables the sweeper). Anything else is an error.
func openURL(ctx context.Context, u *url.URL) (session.Store, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: open: %w", err)
	}
	if p := session.URLPath(u); p != "" {
		return nil, fmt.Errorf("memstore: open: URL has a path %q; use \"memory:\"", p)
	}
	if u.User != nil || u.Fragment != "" {
		return nil, fmt.Errorf("memstore: open: URL may hold only query options; use \"memory:?max=1000&sweep=1m\"")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("memstore: open: query: %w", err)
	}
	var opts []Option
	for name, values := range q {
		if len(values) != 1 {
			return nil, fmt.Errorf("memstore: open: option %q given %d times", name, len(values))
		}
		v := values[0]
		switch name {
		case "max":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("memstore: open: max=%q: want a count of sessions, 0 for no limit", v)
			}
			opts = append(opts, WithMaxSessions(n))
		case "sweep":
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return nil, fmt.Errorf("memstore: open: sweep=%q: want a duration such as 30s, 0 to disable", v)
			}
			opts = append(opts, WithSweepInterval(d))
		default:
			return nil, fmt.Errorf("memstore: open: unknown option %q (known: max, sweep)", name)
		}
	}
	return New(opts...), nil
}
