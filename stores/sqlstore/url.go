package sqlstore

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/session2/session2/core/session"
)

// URLParams are the query parameters of a store URL that configure the
// store rather than the driver: table ([WithTable]), sweep
// ([WithSweepInterval], a Go duration, 0 disables), batch
// ([WithSweepBatch]) and page ([WithPageSize]).
var URLParams = []string{"table", "sweep", "batch", "page"}

// URLOptions takes the store's parameters (see [URLParams]) out of a store
// URL's raw query and returns them as options, with the rest of the query
// left for the driver. The dialect packages use it when opening a store by
// URL. A query that does not parse, or a store parameter given twice or of
// the wrong form, is an error wrapping [session.ErrInvalidConfig].
func URLOptions(rawQuery string) ([]Option, url.Values, error) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: URL query: %w", session.ErrInvalidConfig, err)
	}
	rest := url.Values{}
	var opts []Option
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	sort.Strings(names) // deterministic errors
	for _, name := range names {
		vals := q[name]
		known := false
		for _, p := range URLParams {
			known = known || p == name
		}
		if !known {
			rest[name] = vals
			continue
		}
		if len(vals) != 1 {
			return nil, nil, fmt.Errorf("%w: URL parameter %q given %d times", session.ErrInvalidConfig, name, len(vals))
		}
		v := vals[0]
		switch name {
		case "table":
			opts = append(opts, WithTable(v))
		case "sweep":
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return nil, nil, fmt.Errorf("%w: URL parameter sweep=%q: want a duration such as 5m, 0 to disable", session.ErrInvalidConfig, v)
			}
			opts = append(opts, WithSweepInterval(d))
		case "batch", "page":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return nil, nil, fmt.Errorf("%w: URL parameter %s=%q: want a positive count", session.ErrInvalidConfig, name, v)
			}
			if name == "batch" {
				opts = append(opts, WithSweepBatch(n))
			} else {
				opts = append(opts, WithPageSize(n))
			}
		}
	}
	return opts, rest, nil
}
