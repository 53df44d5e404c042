package postgresstore

import "github.com/session2/session2/stores/sqlstore"

// Store is the SQL engine's store; see [sqlstore.Store] for its methods.
type Store = sqlstore.Store

// New returns a store keeping sessions in a PostgreSQL table of db, the
// application's *sql.DB or *sqlx.DB opened with any PostgreSQL driver
// (github.com/lib/pq is the one tested). Call Setup once to create the
// table, or pass [sqlstore.WithSetup]. The options are package sqlstore's,
// such as [sqlstore.WithTable] ("sessions" by default, or
// "schema.sessions" for a PostgreSQL schema).
func New[H sqlstore.DB](db H, opts ...sqlstore.Option) (*Store, error) {
	return sqlstore.New(db, Dialect(), opts...)
}

// Dialect returns the PostgreSQL dialect of the SQL engine.
func Dialect() sqlstore.Dialect { return dialect{} }

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
func Register(driverName string) { sqlstore.Register(Dialect(), driverName, "postgres", "postgresql") }
