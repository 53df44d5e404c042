package mysqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/session2/session2/stores/sqlstore"
)

// dialect is MySQL's [sqlstore.Dialect]. It is stateless.
type dialect struct{}

func (dialect) Name() string { return "mysqlstore" }

func (dialect) BindType() int { return sqlx.QUESTION }

func (dialect) Quote(ident string) string { return "`" + ident + "`" }

// Migrations returns the schema's steps; see the package documentation for
// the DDL they run. The indexes are part of CREATE TABLE, which makes the
// step one idempotent statement (MySQL has no CREATE INDEX IF NOT EXISTS).
func (dialect) Migrations(n sqlstore.Names) []sqlstore.Migration {
	return []sqlstore.Migration{{
		Version:     1,
		Description: "create the session table and its indexes",
		Statements: []string{
			"CREATE TABLE IF NOT EXISTS " + n.Table + ` (
    session_key CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    user_name   VARBINARY(1024) NOT NULL,
    data        LONGBLOB NOT NULL,
    created     DATETIME(6) NOT NULL,
    accessed    DATETIME(6) NOT NULL,
    expires     DATETIME(6) NOT NULL,
    version     BIGINT NOT NULL,
    PRIMARY KEY (session_key),
    KEY ` + n.UserIndex + ` (user_name, session_key),
    KEY ` + n.ExpiresIndex + ` (expires)
) ENGINE=InnoDB`,
		},
	}}
}

func (dialect) TransactionalDDL() bool { return false }

// Lock takes a named lock (GET_LOCK) whose name is a hash of the table
// name, waiting in steps of five seconds while ctx lives.
func (dialect) Lock(ctx context.Context, conn *sql.Conn, n sqlstore.Names) (func(context.Context) error, error) {
	h := fnv.New64a()
	h.Write([]byte(n.Raw))
	name := fmt.Sprintf("session2:%016x", h.Sum64())
	for {
		var got sql.NullInt64
		if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 5)", name).Scan(&got); err != nil {
			return nil, err
		}
		if !got.Valid {
			return nil, errors.New("GET_LOCK failed")
		}
		if got.Int64 == 1 {
			break
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	return sqlstore.Unlocker(conn, "SELECT RELEASE_LOCK(?)", name), nil
}

// InsertSQL is the plain INSERT: a duplicate key fails with error 1062.
func (dialect) InsertSQL(insert string) string { return insert }

// DeleteBatchSQL is a DELETE with a LIMIT. A condition on expires without
// one on the user orders it by expires, so that the expires index drives
// it and a batch reads only expired rows, whatever the statistics say; a
// user's rows come through the user index.
func (dialect) DeleteBatchSQL(n sqlstore.Names, where string, limit int) string {
	return "DELETE FROM " + n.Table + " WHERE " + where + sqlstore.BatchOrder(where) + " LIMIT " + strconv.Itoa(limit)
}

// MySQL's server error numbers: ER_DUP_ENTRY and ER_NO_SUCH_TABLE.
const (
	erDupEntry    = 1062
	erNoSuchTable = 1146
)

// IsDuplicate recognises error 1062 (ER_DUP_ENTRY) without importing a
// driver (see errorNumber).
func (dialect) IsDuplicate(err error) bool { return errorNumber(err, erDupEntry) }

// IsMissingTable recognises error 1146 (ER_NO_SUCH_TABLE), for the
// engine's hint to run Setup.
func (dialect) IsMissingTable(err error) bool { return errorNumber(err, erNoSuchTable) }

// errorNumber reports whether err is the server error number n, without
// importing a driver: an error in the chain that is a pointer to a struct
// with a uint16 field Number (go-sql-driver/mysql's *MySQLError), or
// failing that the driver's message form "Error <n>".
func errorNumber(err error, n uint16) bool {
	for e := err; e != nil; {
		v := reflect.ValueOf(e)
		if v.Kind() == reflect.Pointer && !v.IsNil() && v.Elem().Kind() == reflect.Struct {
			if f := v.Elem().FieldByName("Number"); f.IsValid() && f.Kind() == reflect.Uint16 {
				return f.Uint() == uint64(n)
			}
		}
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			e = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, inner := range u.Unwrap() {
				if errorNumber(inner, n) {
					return true
				}
			}
			e = nil
		default:
			e = nil
		}
	}
	return strings.Contains(err.Error(), "Error "+strconv.Itoa(int(n)))
}

// CountsMatchedRows is false: without clientFoundRows, MySQL counts only the
// rows an UPDATE changed.
func (dialect) CountsMatchedRows() bool { return false }

// timeLayout is how DATETIME(6) values travel, in UTC.
const timeLayout = "2006-01-02 15:04:05.000000"

// TimeValue passes times as UTC strings, so the connection's loc and
// time_zone settings cannot shift them: DATETIME holds no zone, and MySQL
// stores the string's wall clock as it is.
func (dialect) TimeValue(t time.Time) any { return t.UTC().Format(timeLayout) }

// SelectTime reads a DATETIME(6) column as text (DATE_FORMAT), which the
// driver returns as bytes whatever parseTime says. With parseTime the
// driver would build a time.Time in the DSN's loc from the column's wall
// clock, and a wall clock in the spring gap of a loc with daylight saving
// time (02:30 on a spring-forward day in America/New_York) comes out an
// hour off: the instant is lost before the store sees it.
func (dialect) SelectTime(column string) string {
	return "DATE_FORMAT(" + column + ", '%Y-%m-%d %H:%i:%s.%f')"
}

// ScanTime reads the UTC text of [dialect.SelectTime]. A time.Time (from
// a SELECT of the bare column with parseTime) is taken by its wall clock,
// which is right for every loc without daylight saving time.
func (dialect) ScanTime(src any) (time.Time, error) {
	var s string
	switch v := src.(type) {
	case time.Time:
		return time.Date(v.Year(), v.Month(), v.Day(), v.Hour(), v.Minute(), v.Second(), v.Nanosecond(), time.UTC), nil
	case []byte:
		if t, ok := parseUTC(v); ok {
			return t, nil
		}
		s = string(v)
	case string:
		s = v
	case nil:
		return time.Time{}, errors.New("NULL time")
	default:
		return time.Time{}, fmt.Errorf("time column scanned as %T", src)
	}
	t, err := time.ParseInLocation("2006-01-02 15:04:05.999999", s, time.UTC)
	if err != nil {
		return time.Time{}, fmt.Errorf("time column: %w", err)
	}
	return t, nil
}

// CheckUser accepts every user: the column is VARBINARY, compared byte for
// byte.
func (dialect) CheckUser(string) error { return nil }

// parseUTC reads the 26 bytes "2006-01-02 15:04:05.000000" of
// [dialect.SelectTime] as a UTC time without copying them to a string;
// ok is false for any other shape, which ScanTime then parses as text.
func parseUTC(b []byte) (t time.Time, ok bool) {
	if len(b) != len(timeLayout) || b[4] != '-' || b[7] != '-' || b[10] != ' ' ||
		b[13] != ':' || b[16] != ':' || b[19] != '.' {
		return time.Time{}, false
	}
	num := func(i, j int) int {
		n := 0
		for _, c := range b[i:j] {
			if c < '0' || c > '9' {
				ok = false
				return 0
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	ok = true
	year, month, day := num(0, 4), num(5, 7), num(8, 10)
	hour, minute, sec, micro := num(11, 13), num(14, 16), num(17, 19), num(20, 26)
	if !ok || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	t = time.Date(year, time.Month(month), day, hour, minute, sec, micro*1000, time.UTC)
	if t.Day() != day { // February 30th and the like: let the text parser refuse it
		return time.Time{}, false
	}
	return t, true
}
