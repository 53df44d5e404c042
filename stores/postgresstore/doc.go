// Package postgresstore keeps sessions in PostgreSQL: session2's
// PostgresSessionStore, which lets many application processes on many
// hosts share sessions. It is the PostgreSQL [sqlstore.Dialect] of the SQL
// engine in package sqlstore, which holds the store's code; tested with
// github.com/lib/pq, it imports no driver itself.
//
//	db, err := sql.Open("postgres", "postgres://app@db/app?sslmode=verify-full")
//	store, err := postgresstore.New(db)
//	err = store.Setup(ctx) // creates the table once; cheap when it exists
//
// or by URL, once [Register] named the driver:
//
//	postgresstore.Register("postgres")
//	store, err := session.OpenStore(ctx, "postgres://app@db/app?sslmode=verify-full&table=sessions")
//
// # Schema
//
// Setup creates, for the default table name:
//
//	CREATE TABLE IF NOT EXISTS "sessions" (
//	    session_key VARCHAR(64) COLLATE "C" NOT NULL PRIMARY KEY,
//	    user_name   TEXT COLLATE "C" NOT NULL,
//	    data        BYTEA NOT NULL,
//	    created     TIMESTAMPTZ NOT NULL,
//	    accessed    TIMESTAMPTZ NOT NULL,
//	    expires     TIMESTAMPTZ NOT NULL,
//	    version     BIGINT NOT NULL
//	);
//	CREATE INDEX IF NOT EXISTS "sessions_user_idx" ON "sessions" (user_name, session_key) WHERE user_name <> '';
//	CREATE INDEX IF NOT EXISTS "sessions_expires_idx" ON "sessions" (expires);
//
// and the schema-version table "sessions_schema" (see package sqlstore).
// The user index is partial: anonymous sessions, usually most of them, cost
// it nothing. Users are compared byte for byte ("C" collation) and must be
// valid UTF-8 without NUL bytes, as TEXT requires.
//
// # Statements
//
// Each operation is one prepared statement, so one round trip: lib/pq
// sends an unprepared statement with parameters as a parse and then an
// execute. A new record is inserted with ON CONFLICT (session_key) DO
// NOTHING, which the engine reads as a conflict when no row was inserted:
// never an update of the existing row, and no duplicate-key error in the
// server's log for every lost race. Prepared statements need a connection
// per session of the server: behind PgBouncer in transaction mode use
// version 1.21 or later with max_prepared_statements set.
package postgresstore
