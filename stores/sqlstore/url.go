package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
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

// OpenDB opens a store on a database it opens itself, as the dialect
// packages' Open functions do for URLs: sql.Open with the application's
// driver and dsn, a ping so that a wrong address fails at once (and a
// database that does not answer fails when ctx ends), then [New]
// with the dialect and opts, the store owning the handle and closing it on
// Close. sqlxName is the name sqlx knows the database by ("postgres",
// "mysql"), which picks its placeholder style.
func OpenDB(ctx context.Context, driverName, dsn, sqlxName string, d Dialect, opts ...Option) (*Store, error) {
	db, err := sql.Open(driverName, dsn)
	if err != nil {
		return nil, err
	}
	// A database that hangs holds a ping for ever with some drivers
	// (see await): the ping ends with ctx, and the handle closes in the
	// background once the driver lets go.
	if _, err := await(ctx, func() (struct{}, error) { return struct{}{}, db.PingContext(ctx) }); err != nil {
		go db.Close()
		return nil, err
	}
	s, err := New(sqlx.NewDb(db, sqlxName), d, append(opts, WithOwnDB())...)
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// OpenURL opens a store from a store URL with the database/sql driver
// registered as driverName, as the dialect packages' Open functions do:
// the store's own parameters (see [URLParams]) become options, dsn turns
// the URL left (the driver's parameters only) into the driver's data
// source name (nil passes it as it is), and [OpenDB] opens the database,
// the store owning it. Errors carry the prefix "<dialect name>: open:".
func OpenURL(ctx context.Context, driverName string, u *url.URL, sqlxName string, d Dialect, dsn func(*url.URL) (string, error)) (*Store, error) {
	s, err := openURL(ctx, driverName, u, sqlxName, d, dsn)
	if err != nil {
		name := "sqlstore"
		if d != nil {
			name = d.Name()
		}
		return nil, fmt.Errorf("%s: open: %w", name, err)
	}
	return s, nil
}

func openURL(ctx context.Context, driverName string, u *url.URL, sqlxName string, d Dialect, dsn func(*url.URL) (string, error)) (*Store, error) {
	opts, rest, err := URLOptions(u.RawQuery)
	if err != nil {
		return nil, err
	}
	driverURL := *u
	driverURL.RawQuery = rest.Encode()
	source := driverURL.String()
	if dsn != nil {
		if source, err = dsn(&driverURL); err != nil {
			return nil, err
		}
	}
	return OpenDB(ctx, driverName, source, sqlxName, d, opts...)
}

// Handle returns db as the *sqlx.DB the engine takes: a *sqlx.DB as it
// is, a *sql.DB wrapped with sqlxName ("postgres", "mysql"), which picks
// sqlx's placeholder style; nil for a nil handle, which [New] rejects. The
// dialect packages' New functions accept either handle through it.
func Handle[DB *sql.DB | *sqlx.DB](db DB, sqlxName string) *sqlx.DB {
	switch v := any(db).(type) {
	case *sql.DB:
		if v != nil {
			return sqlx.NewDb(v, sqlxName)
		}
	case *sqlx.DB:
		return v
	}
	return nil
}

// Registration registers a dialect package's URL schemes with
// [session.RegisterStore] once, for the database/sql driver the
// application chose. The zero value is ready to use.
type Registration struct {
	mu   sync.Mutex
	with string
}

// Register registers open under each scheme for driverName. Calling it
// again with the same driver name does nothing; with another name, or an
// empty one, it panics, like registering a URL scheme twice: both are
// setup mistakes. pkg names the calling package in the panic.
func (r *Registration) Register(pkg, driverName string, schemes []string, open func(ctx context.Context, driverName string, u *url.URL) (session.Store, error)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if driverName == "" {
		panic(pkg + ": Register with an empty driver name")
	}
	if r.with != "" {
		if r.with != driverName {
			panic(fmt.Sprintf("%s: Register(%q) after Register(%q)", pkg, driverName, r.with))
		}
		return
	}
	for _, scheme := range schemes {
		session.RegisterStore(scheme, func(ctx context.Context, u *url.URL) (session.Store, error) {
			return open(ctx, driverName, u)
		})
	}
	r.with = driverName
}
