package session

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// URLParam is one query parameter that a store URL may carry, and the
// store option it sets. A store package's [OpenFunc] lists its parameters
// for [URLOptions]:
//
//	opts, err := session.URLOptions(u,
//		session.IntParam("max", WithMaxSessions),
//		session.DurationParam("sweep", WithSweepInterval))
type URLParam[O any] struct {
	name  string
	want  string                 // what a good value looks like, for the error
	parse func(string) (O, bool) // the option, or false for a bad value
}

// DurationParam is a parameter holding a Go duration ("30s", "5m"; "0" for
// zero, no negative), passed to opt.
func DurationParam[O any](name string, opt func(time.Duration) O) URLParam[O] {
	return URLParam[O]{name, "a duration such as 30s, 0 for none", func(v string) (O, bool) {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			var zero O
			return zero, false
		}
		return opt(d), true
	}}
}

// IntParam is a parameter holding a whole number (no negative), passed to
// opt.
func IntParam[O any](name string, opt func(int) O) URLParam[O] {
	return URLParam[O]{name, "a whole number", func(v string) (O, bool) {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			var zero O
			return zero, false
		}
		return opt(n), true
	}}
}

// StringParam is a parameter whose value is passed to opt as it is.
func StringParam[O any](name string, opt func(string) O) URLParam[O] {
	return URLParam[O]{name, "", func(v string) (O, bool) { return opt(v), true }}
}

// URLOptions returns the options that the query of the store URL u sets,
// in the order of params. A query that does not parse, a parameter given
// more than once or not among params, or a value of the wrong form is an
// error wrapping [ErrInvalidConfig] that names it (for an unknown
// parameter, with the known names).
func URLOptions[O any](u *url.URL, params ...URLParam[O]) ([]O, error) {
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("%w: URL query: %w", ErrInvalidConfig, err)
	}
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	sort.Strings(names) // the same error for the same URL
	known := make([]string, len(params))
	for i, p := range params {
		known[i] = p.name
	}
	for _, name := range names {
		if !slices.Contains(known, name) {
			return nil, fmt.Errorf("%w: unknown URL parameter %q (known: %s)", ErrInvalidConfig, name, strings.Join(known, ", "))
		}
		if n := len(q[name]); n != 1 {
			return nil, fmt.Errorf("%w: URL parameter %q given %d times", ErrInvalidConfig, name, n)
		}
	}
	var opts []O
	for _, p := range params {
		vals, ok := q[p.name]
		if !ok {
			continue
		}
		o, ok := p.parse(vals[0])
		if !ok {
			return nil, fmt.Errorf("%w: URL parameter %s=%q: want %s", ErrInvalidConfig, p.name, vals[0], p.want)
		}
		opts = append(opts, o)
	}
	return opts, nil
}
