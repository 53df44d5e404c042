package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
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

// OpenDB opens a store on a database it opens itself, as [Register] does
// for URLs: sql.Open with the application's driver and dsn (through the
// dialect's [DeadlineDriver] over that driver, for a [DeadlineDialect]
// that has one and accepts dsn), a ping so that a wrong address fails at
// once (and a database that does not answer fails when ctx ends), then
// [New] with the dialect and opts, the store owning the handle and
// closing it on Close.
func OpenDB(ctx context.Context, driverName, dsn string, d Dialect, opts ...Option) (*Store, error) {
	db, err := sql.Open(driverName, dsn)
	if err != nil {
		return nil, err
	}
	if dd, ok := d.(DeadlineDialect); ok {
		if over := dd.DeadlineDriver(db.Driver()); over != nil {
			// A DSN the DeadlineDriver refuses (go-sql-driver/mysql's
			// read and write timeouts) keeps the driver's own handle.
			if c, err := over.OpenConnector(dsn); err == nil {
				db.Close() // sql.Open connected nothing
				db = sql.OpenDB(c)
			}
		}
	}
	// A database that hangs holds a ping for ever with some drivers
	// (see await): the ping ends with ctx, and the handle closes in the
	// background once the driver lets go.
	if _, err := await(ctx, func() (struct{}, error) { return struct{}{}, db.PingContext(ctx) }); err != nil {
		go db.Close()
		return nil, err
	}
	s, err := New(db, d, append(opts, WithOwnDB())...)
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// DeadlineDialect is a [Dialect] that has a [DeadlineDriver] over a
// driver it is used with (postgresstore's over lib/pq, mysqlstore's over
// go-sql-driver/mysql): [OpenDB], and so a store URL, opens the database
// through it when the driver registered under the name given is that one.
type DeadlineDialect interface {
	Dialect
	// DeadlineDriver returns the DeadlineDriver over d, or nil when the
	// dialect has none for d's kind.
	DeadlineDriver(d driver.Driver) *DeadlineDriver
}

// DSNDialect is a [Dialect] whose driver wants a data source name other
// than the store URL itself: [Register] and [OpenURL] pass the URL, the
// store's own parameters taken out, through DSN.
type DSNDialect interface {
	Dialect
	DSN(u *url.URL) (string, error)
}

// OpenURL opens a store from a store URL with the database/sql driver
// registered as driverName, as [Register] does for [session.OpenStore]:
// the store's own parameters (see [URLParams]) become options, the rest of
// the URL is the driver's data source name (through DSN for a
// [DSNDialect]), and [OpenDB] opens the database, the store owning it.
// Errors carry the prefix "<dialect name>: open:".
func OpenURL(ctx context.Context, driverName string, u *url.URL, d Dialect) (*Store, error) {
	if d == nil {
		return nil, fmt.Errorf("sqlstore: open: %w: nil dialect", session.ErrInvalidConfig)
	}
	s, err := openURL(ctx, driverName, u, d)
	if err != nil {
		return nil, fmt.Errorf("%s: open: %w", d.Name(), err)
	}
	return s, nil
}

func openURL(ctx context.Context, driverName string, u *url.URL, d Dialect) (*Store, error) {
	opts, rest, err := URLOptions(u.RawQuery)
	if err != nil {
		return nil, err
	}
	driverURL := *u
	driverURL.RawQuery = rest.Encode()
	source := driverURL.String()
	if dd, ok := d.(DSNDialect); ok {
		if source, err = dd.DSN(&driverURL); err != nil {
			return nil, err
		}
	}
	return OpenDB(ctx, driverName, source, d, opts...)
}

// wrap returns db as the *sqlx.DB the engine keeps: a *sqlx.DB as it is, a
// *sql.DB wrapped under the name sqlx knows d's placeholder style by; nil
// for a nil handle, which [New] rejects.
func wrap[H DB](db H, d Dialect) *sqlx.DB {
	switch v := any(db).(type) {
	case *sql.DB:
		if v != nil {
			return sqlx.NewDb(v, bindNames[d.BindType()])
		}
	case *sqlx.DB:
		return v
	}
	return nil
}

// bindNames are driver names by which sqlx knows each placeholder style.
var bindNames = map[int]string{
	sqlx.QUESTION: "mysql",
	sqlx.DOLLAR:   "postgres",
	sqlx.NAMED:    "oci8",
	sqlx.AT:       "sqlserver",
}

// registered holds, by dialect name, the driver name each dialect's
// schemes were registered with.
var registered struct {
	sync.Mutex
	driver map[string]string
}

// Register makes [session.OpenStore] open URLs of the given schemes as
// stores of dialect d, with the database/sql driver registered as
// driverName (which the application imports), through [OpenURL]. The
// dialect packages' Register functions call it.
//
// Registering a dialect again with the same driver name does nothing; with
// another name, or an empty one, Register panics, like registering a URL
// scheme twice: both are setup mistakes.
func Register(d Dialect, driverName string, schemes ...string) {
	registered.Lock()
	defer registered.Unlock()
	name := d.Name()
	if driverName == "" {
		panic(name + ": Register with an empty driver name")
	}
	if with, ok := registered.driver[name]; ok {
		if with != driverName {
			panic(fmt.Sprintf("%s: Register(%q) after Register(%q)", name, driverName, with))
		}
		return
	}
	for _, scheme := range schemes {
		session.RegisterStore(scheme, func(ctx context.Context, u *url.URL) (session.Store, error) {
			s, err := OpenURL(ctx, driverName, u, d)
			if err != nil {
				return nil, err // not a nil *Store in a non-nil interface
			}
			return s, nil
		})
	}
	if registered.driver == nil {
		registered.driver = map[string]string{}
	}
	registered.driver[name] = driverName
}
