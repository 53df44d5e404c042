package scsimport

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
)

// sqlSource reads scs's table sessions(token, data, expiry).
type sqlSource struct {
	db                   *sql.DB
	findQ, deleteQ, allQ string
}

// Postgres returns an importer of the sessions scs's postgresstore kept in
// db (opened by the application with its driver, lib/pq or pgx), in the
// table "sessions" unless [WithTable].
func Postgres(db *sql.DB, opts ...Option) (*Importer, error) {
	return newSQL("postgres", db, opts,
		"SELECT data FROM %s WHERE token = $1 AND current_timestamp < expiry",
		"DELETE FROM %s WHERE token = $1",
		"SELECT token, data FROM %s WHERE current_timestamp < expiry")
}

// MySQL returns an importer of the sessions scs's mysqlstore kept in db
// (opened with github.com/go-sql-driver/mysql), in the table "sessions"
// unless [WithTable].
func MySQL(db *sql.DB, opts ...Option) (*Importer, error) {
	return newSQL("mysql", db, opts,
		"SELECT data FROM %s WHERE token = ? AND UTC_TIMESTAMP(6) < expiry",
		"DELETE FROM %s WHERE token = ?",
		"SELECT token, data FROM %s WHERE UTC_TIMESTAMP(6) < expiry")
}

// tableName is what a table option may hold: a name, optionally
// qualified by its schema.
var tableName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$`)

func newSQL(kind string, db *sql.DB, opts []Option, find, del, all string) (*Importer, error) {
	if db == nil {
		return nil, fmt.Errorf("scsimport: %s: db is nil", kind)
	}
	i, err := newImporter(opts)
	if err != nil {
		return nil, err
	}
	if i.prefixSet {
		return nil, fmt.Errorf("scsimport: %s: WithPrefix is for Redis; the SQL stores take WithTable", kind)
	}
	if !i.tableSet {
		i.table = "sessions"
	}
	if !tableName.MatchString(i.table) {
		return nil, fmt.Errorf("scsimport: %s: table name %q (WithTable) is not a plain SQL name", kind, i.table)
	}
	i.src = &sqlSource{db: db,
		findQ: fmt.Sprintf(find, i.table), deleteQ: fmt.Sprintf(del, i.table), allQ: fmt.Sprintf(all, i.table)}
	return i, nil
}

func (s *sqlSource) find(ctx context.Context, key string) ([]byte, bool, error) {
	var b []byte
	err := s.db.QueryRowContext(ctx, s.findQ, key).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("scsimport: find: %w", err)
	}
	return b, true, nil
}

func (s *sqlSource) delete(ctx context.Context, key string) error {
	if _, err := s.db.ExecContext(ctx, s.deleteQ, key); err != nil {
		return fmt.Errorf("scsimport: delete: %w", err)
	}
	return nil
}

func (s *sqlSource) all(ctx context.Context, yield func(key string, data []byte) error) error {
	rows, err := s.db.QueryContext(ctx, s.allQ)
	if err != nil {
		return fmt.Errorf("scsimport: list: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		var data []byte
		if err := rows.Scan(&key, &data); err != nil {
			return fmt.Errorf("scsimport: list: %w", err)
		}
		if err := yield(key, data); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("scsimport: list: %w", err)
	}
	return nil
}
