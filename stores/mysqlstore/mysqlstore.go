package mysqlstore

import "github.com/session2/session2/stores/sqlstore"

// Store is the SQL engine's store; see [sqlstore.Store] for its methods.
type Store = sqlstore.Store

// New returns a store keeping sessions in a MySQL or MariaDB table of db,
// the application's *sql.DB or *sqlx.DB opened with any MySQL driver
// (github.com/go-sql-driver/mysql is the one tested). Call Setup once to
// create the table, or pass [sqlstore.WithSetup]. The options are package
// sqlstore's, such as [sqlstore.WithTable] ("sessions" by default, or
// "db.sessions" for a table of another MySQL database).
//
// The store needs no particular DSN options: it passes times as UTC
// strings and reads them back as UTC text, whatever parseTime and loc say
// (daylight saving time included). With
// clientFoundRows=true (which [DSN] sets) a Touch that writes the times a
// row already holds costs one statement instead of two.
func New[H sqlstore.DB](db H, opts ...sqlstore.Option) (*Store, error) {
	return sqlstore.New(db, Dialect(), opts...)
}

// Dialect returns the MySQL and MariaDB dialect of the SQL engine.
func Dialect() sqlstore.Dialect { return dialect{} }

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
func Register(driverName string) { sqlstore.Register(Dialect(), driverName, "mysql") }
