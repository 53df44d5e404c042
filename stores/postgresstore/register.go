package postgresstore

import (
	"context"
	"fmt"
	"net/url"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/sqlstore"
)

var registration sqlstore.Registration

// Register makes [session.OpenStore] open "postgres://" and
// "postgresql://" URLs with the database/sql driver registered as
// driverName, which the application imports (such as "postgres" for
// github.com/lib/pq, or "pgx" for github.com/jackc/pgx/v5/stdlib):
//
//	import _ "github.com/lib/pq"
//
//	postgresstore.Register("postgres")
//	store, err := session.OpenStore(ctx, "postgres://app@db.internal/app?sslmode=verify-full&table=sessions")
//
// The URL goes to the driver as its data source name, without the store's
// own parameters (table, sweep, batch, page: see [sqlstore.URLParams]).
// The store opened owns its *sql.DB and closes it on Close; OpenStore
// pings the database so that a wrong address fails at once. It does not
// create the table: call Setup.
//
// Register is meant to be called once, from main or an init function.
// Calling it again with the same driver name does nothing; with another
// name it panics, like registering a URL scheme twice.
func Register(driverName string) {
	registration.Register("postgresstore", driverName, []string{"postgres", "postgresql"},
		func(ctx context.Context, driverName string, u *url.URL) (session.Store, error) {
			return Open(ctx, driverName, u)
		})
}

// Open opens a store from a "postgres://" URL with the database/sql driver
// registered as driverName, as [Register] does for [session.OpenStore].
func Open(ctx context.Context, driverName string, u *url.URL) (*Store, error) {
	opts, rest, err := sqlstore.URLOptions(u.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("postgresstore: open: %w", err)
	}
	dsn := *u
	dsn.RawQuery = rest.Encode()
	s, err := sqlstore.OpenDB(ctx, driverName, dsn.String(), "postgres", Dialect(), opts...)
	if err != nil {
		return nil, fmt.Errorf("postgresstore: open: %w", err)
	}
	return s, nil
}
