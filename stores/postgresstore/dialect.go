package postgresstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/session2/session2/stores/sqlstore"
)

// dialect is PostgreSQL's [sqlstore.Dialect]. It is stateless.
type dialect struct{}

func (dialect) Name() string { return "postgresstore" }

func (dialect) BindType() int { return sqlx.DOLLAR }

func (dialect) Quote(ident string) string { return `"` + ident + `"` }

// Migrations returns the schema's steps; see the package documentation for
// the DDL they run.
func (dialect) Migrations(n sqlstore.Names) []sqlstore.Migration {
	return []sqlstore.Migration{{
		Version:     1,
		Description: "create the session table and its indexes",
		Statements: []string{
			"CREATE TABLE IF NOT EXISTS " + n.Table + ` (
    session_key VARCHAR(64) COLLATE "C" NOT NULL PRIMARY KEY,
    user_name   TEXT COLLATE "C" NOT NULL,
    data        BYTEA NOT NULL,
    created     TIMESTAMPTZ NOT NULL,
    accessed    TIMESTAMPTZ NOT NULL,
    expires     TIMESTAMPTZ NOT NULL,
    version     BIGINT NOT NULL
)`,
			"CREATE INDEX IF NOT EXISTS " + n.UserIndex + " ON " + n.Table + " (user_name, session_key) WHERE user_name <> ''",
			"CREATE INDEX IF NOT EXISTS " + n.ExpiresIndex + " ON " + n.Table + " (expires)",
		},
	}}
}

func (dialect) TransactionalDDL() bool { return true }

// Lock takes a session-level advisory lock whose key is a hash of the table
// name.
func (dialect) Lock(ctx context.Context, conn *sql.Conn, n sqlstore.Names) (func(context.Context) error, error) {
	h := fnv.New64a()
	h.Write([]byte("session2:" + n.Raw))
	key := int64(h.Sum64())
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		return nil, err
	}
	return sqlstore.Unlocker(conn, "SELECT pg_advisory_unlock($1)", key), nil
}

// InsertSQL is the plain INSERT doing nothing on a duplicate key: the
// engine reads "no row inserted" as a conflict. PostgreSQL then neither
// logs a duplicate-key error for every lost race nor aborts a surrounding
// transaction. It never updates the existing row.
func (dialect) InsertSQL(insert string) string {
	return insert + " ON CONFLICT (session_key) DO NOTHING"
}

// DeleteBatchSQL deletes the keys a limited subquery selects, as
// PostgreSQL's DELETE has no LIMIT. The keys go through an array, so the
// rows are found by primary key lookups whatever the planner thinks of the
// table's size (an IN subquery may become a hash join over the whole
// table). The condition is repeated on the deleted rows: the subquery sees
// the statement's snapshot, and a row updated since (a session used again)
// is re-checked only against the outer condition.
//
// A condition on expires without one on the user orders the subquery by
// expires: the expires index then answers it, reading only the expired
// rows. Without the ORDER BY, a plan made from statistics taken while many
// rows had expired (a Seq Scan that expects to stop early) reads the whole
// table on every sweep pass once nothing has.
func (dialect) DeleteBatchSQL(n sqlstore.Names, where string, limit int) string {
	return "DELETE FROM " + n.Table + " WHERE session_key = ANY(ARRAY(SELECT session_key FROM " + n.Table + " WHERE " + where + sqlstore.BatchOrder(where) + " LIMIT " + strconv.Itoa(limit) + ")) AND (" + where + ")"
}

// IsDuplicate recognises SQLSTATE 23505 (unique_violation) from any driver
// whose errors report their SQLSTATE (lib/pq, pgx).
func (dialect) IsDuplicate(err error) bool {
	var st interface{ SQLState() string }
	if errors.As(err, &st) {
		return st.SQLState() == "23505"
	}
	return strings.Contains(err.Error(), "23505")
}

// IsMissingTable recognises SQLSTATE 42P01 (undefined_table), for the
// engine's hint to run Setup.
func (dialect) IsMissingTable(err error) bool {
	var st interface{ SQLState() string }
	if errors.As(err, &st) {
		return st.SQLState() == "42P01"
	}
	return strings.Contains(err.Error(), "42P01")
}

func (dialect) CountsMatchedRows() bool { return true }

func (dialect) TimeValue(t time.Time) any { return t }

func (dialect) ScanTime(src any) (time.Time, error) {
	switch v := src.(type) {
	case time.Time:
		return v, nil
	case nil:
		return time.Time{}, errors.New("NULL time")
	}
	return time.Time{}, fmt.Errorf("time column scanned as %T, want time.Time", src)
}

// CheckUser refuses what a TEXT column of a UTF-8 database cannot hold.
func (dialect) CheckUser(user string) error {
	if !utf8.ValidString(user) {
		return errors.New("user is not valid UTF-8")
	}
	if strings.IndexByte(user, 0) >= 0 {
		return errors.New("user holds a NUL byte")
	}
	return nil
}
