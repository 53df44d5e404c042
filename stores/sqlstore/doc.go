// Package sqlstore is the SQL engine behind session2's PostgreSQL and
// MySQL stores: one [session.Store] over github.com/jmoiron/sqlx, written
// once, with a [Dialect] for what differs between databases. Applications
// use it through the packages postgresstore and mysqlstore; a third party
// can add a database by writing a Dialect and running the package
// sqlstoretest against a real server.
//
// # Statements
//
// Every request-time operation is one statement, prepared on first use and
// kept by database/sql per connection, so that it costs one round trip:
//
//   - Load: SELECT ... WHERE session_key = ? AND expires > ?, the current
//     time passed from the store's clock (never the database's now()).
//   - Save of a new record: INSERT, a conflict when the key exists.
//   - Save of a loaded record: UPDATE ... SET ..., version = version + 1
//     WHERE session_key = ? AND version = ?, a conflict when no row
//     matches. Never an upsert: a deleted record is never recreated.
//   - Touch: UPDATE of accessed and expires only, on a live row.
//   - Delete: DELETE ... WHERE session_key = ?.
//
// List reads keyset pages (ORDER BY session_key, resuming after the last
// key) in bounded memory, through the user index when filtering by user.
// Prune and the sweeper delete in batches of bounded size.
//
// # Bounded calls
//
// Every call is bounded by its context, even against a server that stopped
// answering. How depends on the handle's driver: on a [DeadlineDriver]'s
// handle (postgresstore.Open, mysqlstore.Open) the request-time statements
// run on the caller's goroutine with the context's deadline set on the
// connection's socket (deadline.go); with a driver that ends a blocked call
// itself when the context ends (go-sql-driver/mysql's own handle) they run
// on the caller's goroutine with the context (call.go); otherwise (lib/pq's
// own handle) on a pooled goroutine that the caller waits for, or for the
// context (await.go).
//
// # Schema
//
// [Store.Setup] creates the table, its indexes and a schema-version table
// if absent, and applies the dialect's pending [Migration] steps under a
// lock. It never drops anything. See each dialect's package for its DDL.
//
// # Keys and users
//
// Keys are 64 lowercase hex characters ([session.IsKey]); any other key is
// rejected with [session.ErrInvalidKey] before the database is reached.
// Users are at most [MaxUserLen] bytes and are compared byte for byte.
package sqlstore
