package postgresstore

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"sync"

	"github.com/jmoiron/sqlx"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/sqlstore"
)

var (
	registerMu     sync.Mutex
	registeredWith string
)

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
	registerMu.Lock()
	defer registerMu.Unlock()
	if registeredWith != "" {
		if registeredWith != driverName {
			panic(fmt.Sprintf("postgresstore: Register(%q) after Register(%q)", driverName, registeredWith))
		}
		return
	}
	if driverName == "" {
		panic("postgresstore: Register with an empty driver name")
	}
	open := func(ctx context.Context, u *url.URL) (session.Store, error) {
		return Open(ctx, driverName, u)
	}
	session.RegisterStore("postgres", open)
	session.RegisterStore("postgresql", open)
	registeredWith = driverName
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
	db, err := sql.Open(driverName, dsn.String())
	if err != nil {
		return nil, fmt.Errorf("postgresstore: open: %w", err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgresstore: open: %w", err)
	}
	s, err := sqlstore.New(sqlx.NewDb(db, "postgres"), Dialect(), append(opts, sqlstore.WithOwnDB())...)
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}
