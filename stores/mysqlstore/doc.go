// Package mysqlstore keeps sessions in MySQL or MariaDB: session2's
// MySQLSessionStore, which lets many application processes on many hosts
// share sessions. It is the MySQL [sqlstore.Dialect] of the SQL engine in
// package sqlstore, which holds the store's code; tested with
// github.com/go-sql-driver/mysql, it imports no driver itself.
//
//	db, err := sql.Open("mysql", "app:secret@tcp(db:3306)/app?parseTime=true&clientFoundRows=true")
//	store, err := mysqlstore.New(db)
//	err = store.Setup(ctx) // creates the table once; cheap when it exists
//
// or by URL, once [Register] named the driver:
//
//	mysqlstore.Register("mysql")
//	store, err := session.OpenStore(ctx, "mysql://app:secret@db:3306/app?table=sessions")
//
// # Schema
//
// Setup creates, for the default table name:
//
//	CREATE TABLE IF NOT EXISTS `sessions` (
//	    session_key CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
//	    user_name   VARBINARY(1024) NOT NULL,
//	    data        LONGBLOB NOT NULL,
//	    created     DATETIME(6) NOT NULL,
//	    accessed    DATETIME(6) NOT NULL,
//	    expires     DATETIME(6) NOT NULL,
//	    version     BIGINT NOT NULL,
//	    PRIMARY KEY (session_key),
//	    KEY `sessions_user_idx` (user_name, session_key),
//	    KEY `sessions_expires_idx` (expires)
//	) ENGINE=InnoDB;
//
// and the schema-version table `sessions_schema` (see package sqlstore).
// The user is VARBINARY so that it is compared byte for byte: MySQL's
// _bin collations pad trailing spaces ('a' = 'a '). Times are DATETIME(6),
// which no time_zone setting shifts, always in UTC.
//
// # DSN options
//
// The store needs none. It passes times as UTC strings and reads them back
// as UTC text, whatever parseTime and loc say, daylight saving time
// included. Every Save bumps the version, so its
// affected-row count means "matched" without clientFoundRows; a Touch that
// rewrites the times a row already holds affects no row without it, which
// costs a second statement to tell apart from a missing row.
// [DSN] sets parseTime=true, loc=UTC and clientFoundRows=true. Strict mode
// (the default since MySQL 5.7 and MariaDB 10.2.4) is assumed: the store
// checks what it writes, but strict mode keeps anyone else from truncating.
package mysqlstore
