package mysqlstore

import (
	"context"
	"database/sql"
	"net/url"

	"github.com/jmoiron/sqlx"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/sqlstore"
)

// Store is the SQL engine's store; see [sqlstore.Store] for its methods.
type Store = sqlstore.Store

// Option configures a store; it is [sqlstore.Option], so every option of
// package sqlstore works here too.
type Option = sqlstore.Option

// The options of package sqlstore that most applications set, re-exported
// so that one import is enough; see each for what it does.
var (
	// WithTable is [sqlstore.WithTable]: the table's name, "sessions" or
	// "db.sessions" for a table of another MySQL database.
	WithTable = sqlstore.WithTable
	// WithSweepInterval is [sqlstore.WithSweepInterval] (default five
	// minutes, 0 disables).
	WithSweepInterval = sqlstore.WithSweepInterval
	// WithSweepBatch is [sqlstore.WithSweepBatch].
	WithSweepBatch = sqlstore.WithSweepBatch
	// WithClock is [sqlstore.WithClock].
	WithClock = sqlstore.WithClock
	// WithLogger is [sqlstore.WithLogger].
	WithLogger = sqlstore.WithLogger
	// WithSetup is [sqlstore.WithSetup]: New runs Setup. Without it, call
	// Setup once, or run `sessionctl setup`; until then every operation
	// fails with an error wrapping [sqlstore.ErrNoTable].
	WithSetup = sqlstore.WithSetup
	// WithSetupTimeout is [sqlstore.WithSetupTimeout] (default one minute).
	WithSetupTimeout = sqlstore.WithSetupTimeout
)

// New returns a store keeping sessions in a MySQL or MariaDB table of db,
// the application's *sql.DB or *sqlx.DB opened with any MySQL driver
// (github.com/go-sql-driver/mysql is the one tested). Call Setup once to
// create the table. Options are those of package sqlstore; the common ones
// are re-exported here.
//
// The store needs no particular DSN options: it passes times as UTC
// strings and reads them back as UTC text, whatever parseTime and loc say
// (daylight saving time included). With
// clientFoundRows=true (which [DSN] sets) a Touch that writes the times a
// row already holds costs one statement instead of two.
func New[DB *sql.DB | *sqlx.DB](db DB, opts ...Option) (*Store, error) {
	return sqlstore.New(sqlstore.Handle(db, "mysql"), Dialect(), opts...)
}

// Dialect returns the MySQL and MariaDB dialect of the SQL engine.
func Dialect() sqlstore.Dialect { return dialect{} }

var registration sqlstore.Registration

// Register makes [session.OpenStore] open "mysql://" URLs with the
// database/sql driver registered as driverName, which the application
// imports ("mysql" for github.com/go-sql-driver/mysql):
//
//	import _ "github.com/go-sql-driver/mysql"
//
//	mysqlstore.Register("mysql")
//	store, err := session.OpenStore(ctx, "mysql://app:secret@db.internal:3306/app?table=sessions")
//
// The URL is turned into the driver's data source name by [DSN]. The
// store opened owns its *sql.DB and closes it on Close; OpenStore pings
// the database so that a wrong address fails at once. It does not create
// the table: call Setup.
//
// Register is meant to be called once, from main or an init function.
// Calling it again with the same driver name does nothing; with another
// name it panics, like registering a URL scheme twice.
func Register(driverName string) {
	registration.Register("mysqlstore", driverName, []string{"mysql"},
		func(ctx context.Context, driverName string, u *url.URL) (session.Store, error) {
			return Open(ctx, driverName, u)
		})
}

// Open opens a store from a "mysql://" URL with the database/sql driver
// registered as driverName, as [Register] does for [session.OpenStore].
func Open(ctx context.Context, driverName string, u *url.URL) (*Store, error) {
	return sqlstore.OpenURL(ctx, driverName, u, "mysql", Dialect(), DSN)
}
