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

// URLQuery reads the query parameters of a store URL for a store package's
// [OpenFunc]: each at most once, by name, converted to the option's type.
// The first bad value is kept for [URLQuery.Err], so that an opener asks
// for every parameter and checks once:
//
//	q, err := session.ParseURLQuery(u, "max", "sweep")
//	if err != nil {
//		return nil, fmt.Errorf("mystore: open: %w", err)
//	}
//	var opts []Option
//	if n, ok := q.Int("max"); ok {
//		opts = append(opts, WithMaxSessions(n))
//	}
//	if d, ok := q.Duration("sweep"); ok {
//		opts = append(opts, WithSweepInterval(d))
//	}
//	if err := q.Err(); err != nil {
//		return nil, fmt.Errorf("mystore: open: %w", err)
//	}
type URLQuery struct {
	vals map[string]string
	err  error
}

// ParseURLQuery returns the query of the store URL u. A query that does not
// parse, a parameter given more than once, or a parameter whose name is not
// one of known is an error wrapping [ErrInvalidConfig] that names it (and,
// for an unknown one, lists the known names).
func ParseURLQuery(u *url.URL, known ...string) (*URLQuery, error) {
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("%w: URL query: %w", ErrInvalidConfig, err)
	}
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	sort.Strings(names) // the same error for the same URL
	vals := make(map[string]string, len(q))
	for _, name := range names {
		if !slices.Contains(known, name) {
			return nil, fmt.Errorf("%w: unknown URL parameter %q (known: %s)", ErrInvalidConfig, name, strings.Join(known, ", "))
		}
		if n := len(q[name]); n != 1 {
			return nil, fmt.Errorf("%w: URL parameter %q given %d times", ErrInvalidConfig, name, n)
		}
		vals[name] = q[name][0]
	}
	return &URLQuery{vals: vals}, nil
}

// String returns the parameter's value, and whether the URL gives it.
func (q *URLQuery) String(name string) (string, bool) {
	v, ok := q.vals[name]
	return v, ok
}

// Duration returns the parameter as a Go duration ("30s", "5m"; "0" for
// zero), and whether the URL gives it as one. A value that is not a
// duration, or is negative, is kept for Err.
func (q *URLQuery) Duration(name string) (time.Duration, bool) {
	v, ok := q.vals[name]
	if !ok {
		return 0, false
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		q.fail(name, v, "a duration such as 30s, 0 for none")
		return 0, false
	}
	return d, true
}

// Int returns the parameter as a whole number, and whether the URL gives it
// as one. A value that is not a whole number, or is negative, is kept for
// Err.
func (q *URLQuery) Int(name string) (int, bool) {
	v, ok := q.vals[name]
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		q.fail(name, v, "a whole number")
		return 0, false
	}
	return n, true
}

func (q *URLQuery) fail(name, v, want string) {
	if q.err == nil {
		q.err = fmt.Errorf("%w: URL parameter %s=%q: want %s", ErrInvalidConfig, name, v, want)
	}
}

// Err returns the first bad value that Duration or Int met, nil when there
// was none.
func (q *URLQuery) Err() error { return q.err }
