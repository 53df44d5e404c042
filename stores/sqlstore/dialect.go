package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
)

// A Dialect is what differs between SQL databases. The engine writes every
// statement it can in portable SQL with "?" placeholders, rebinds them to
// the dialect's [Dialect.BindType], and asks the dialect for the rest: the
// schema, the conditional insert, batched deletes, the duplicate-key error,
// time values and the Setup lock. The packages postgresstore and mysqlstore
// hold the dialects of this repository; a third party may add one and test
// it with the package sqlstoretest.
//
// The session table has these columns, which every statement of the engine
// names and every dialect's first migration must create:
//
//	session_key  the store key, 64 lowercase hex characters, primary key
//	user_name    the user, "" when anonymous; indexed with session_key
//	data         the encoded session, bytes
//	created      when the session was created (UTC, microseconds)
//	accessed     when it was last used (UTC, microseconds)
//	expires      when it expires (UTC, microseconds); indexed
//	version      the compare-and-set version, a 64-bit integer
//
// A Dialect's methods are called by any goroutine and must be safe for
// concurrent use; the dialects of this repository are stateless values.
type Dialect interface {
	// Name is the prefix of the store's error messages, such as
	// "postgresstore".
	Name() string

	// BindType is the placeholder style of the driver, one of sqlx's
	// bind types (sqlx.DOLLAR for PostgreSQL, sqlx.QUESTION for MySQL).
	BindType() int

	// Quote returns ident quoted as an SQL identifier. The engine validates
	// every identifier as lowercase letters, digits and underscores before
	// it gets here, so quoting guards only against reserved words.
	Quote(ident string) string

	// Migrations returns the steps that build and then change the schema
	// of the tables named by n, oldest first, numbered 1, 2, 3 and so on.
	// A published step never changes: a change of the schema is a new step.
	// Statements must be idempotent (IF NOT EXISTS) when
	// [Dialect.TransactionalDDL] is false, since a step may be cut short.
	Migrations(n Names) []Migration

	// TransactionalDDL reports whether DDL statements run inside a
	// transaction, so that Setup's pending steps, the rows recording them
	// and the schema-version table commit together (PostgreSQL), or not
	// (MySQL, whose DDL commits implicitly; a failed Setup then drops the
	// tables it created).
	TransactionalDDL() bool

	// Lock takes a lock held by conn that serialises Setup for the tables
	// named by n across processes and hosts, waiting while another holds
	// it. unlock releases it (see [Unlocker]); the engine calls it with a
	// context that is not cancelled, and discards conn if it fails.
	Lock(ctx context.Context, conn *sql.Conn, n Names) (unlock func(context.Context) error, err error)

	// InsertSQL returns the statement that creates a row: insert, the
	// engine's plain INSERT of session_key, user_name, data, created,
	// accessed and expires (in that order, as parameters) storing version
	// 1, or a form of it. When the key exists, the statement must leave
	// that row alone and either fail with an error that
	// [Dialect.IsDuplicate] recognises or affect no row. It is never an
	// upsert.
	InsertSQL(insert string) string

	// DeleteBatchSQL returns a statement that deletes at most limit rows of
	// n.Table matching where, a condition with "?" placeholders that the
	// engine passes arguments for. The statement must not delete a row
	// that stops matching while it runs (a concurrent Touch moving its
	// access time, say): where may appear several times for that, and the
	// engine passes its arguments once per occurrence.
	DeleteBatchSQL(n Names, where string, limit int) string

	// IsDuplicate reports whether err is the database's duplicate primary
	// key error, which a create that lost a race gets.
	IsDuplicate(err error) bool

	// CountsMatchedRows reports whether an UPDATE's affected-row count
	// counts the rows its WHERE clause matched even when it left them
	// unchanged (PostgreSQL), rather than only the rows it changed (MySQL
	// without the client-found-rows flag). When false, a Touch that
	// affected no row costs a second statement to tell a missing record
	// from an unchanged one.
	CountsMatchedRows() bool

	// TimeValue converts t, in UTC and truncated to the microsecond, to a
	// statement parameter for a time column.
	TimeValue(t time.Time) any

	// ScanTime converts what the driver scanned from a time column back to
	// the instant it holds.
	ScanTime(src any) (time.Time, error)

	// CheckUser reports an error for a user the database cannot store as
	// given (such as a NUL byte in a text column). The engine has already
	// checked that the user is at most [MaxUserLen] bytes.
	CheckUser(user string) error
}

// A TimeSelector is a [Dialect] that reads time columns through an
// expression rather than as they are, because its drivers may turn the
// column's value into a time in a way that loses the instant. MySQL's
// go-sql-driver, with parseTime and a loc that has daylight saving time,
// builds a time.Time from the wall clock in that loc, which the spring
// gap shifts by an hour; the MySQL dialect reads the columns as UTC text
// instead, which no driver parses.
type TimeSelector interface {
	// SelectTime returns the expression that reads the time column named
	// column (unquoted, one of created, accessed, expires) in a SELECT
	// list, for [Dialect.ScanTime] to convert.
	SelectTime(column string) string
}

// A Migration is one step of a dialect's schema: the statements that bring
// the schema from Version-1 to Version.
type Migration struct {
	// Version is the schema version the step leads to, from 1.
	Version int
	// Description says what the step does; Setup records it.
	Description string
	// Statements run in order.
	Statements []string
}

// Names are the names of a store's database objects, as the engine derives
// them from the table name (see [WithTable]). Every name is validated and
// quoted with the dialect's [Dialect.Quote]; a table name of the form
// "schema.table" comes back qualified.
type Names struct {
	// Raw is the table name as configured, unquoted: "sessions" or
	// "app.sessions".
	Raw string
	// Table is the session table, quoted and qualified.
	Table string
	// Versions is the schema-version table (the table's name followed by
	// "_schema"), quoted and qualified.
	Versions string
	// UserIndex and ExpiresIndex are the index names (the table's name
	// followed by "_user_idx" and "_expires_idx"), quoted, unqualified.
	UserIndex    string
	ExpiresIndex string
}

// BatchOrder returns the ORDER BY clause that a dialect's
// [Dialect.DeleteBatchSQL] adds to a batch deleting by the condition where:
// " ORDER BY expires" when where bounds expires and names no user, so that
// the expires index drives an expiry prune and a batch reads only expired
// rows whatever the table's statistics say; "" otherwise, as a user's rows
// come through the user index, which a sort by expires would defeat.
func BatchOrder(where string) string {
	if strings.Contains(where, "expires <=") && !strings.Contains(where, "user_name =") {
		return " ORDER BY expires"
	}
	return ""
}

// Unlocker returns the unlock function of a [Dialect.Lock] that holds a
// lock of conn released by one statement, query with args, answering true
// (or 1) when it released the lock, and false (or 0, or NULL) when conn did
// not hold it.
func Unlocker(conn *sql.Conn, query string, args ...any) func(context.Context) error {
	return func(ctx context.Context) error {
		var released sql.NullBool
		if err := conn.QueryRowContext(ctx, query, args...).Scan(&released); err != nil {
			return err
		}
		if !released.Bool {
			return errors.New("the lock was not held")
		}
		return nil
	}
}
