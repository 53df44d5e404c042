package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/session2/session2/core/session"
)

// tableState is what checkTable found.
type tableState int

const (
	// tableOurs: the table has every column the store uses.
	tableOurs tableState = iota
	// tableMissing: the table does not exist, as the dialect's
	// [MissingTableDetector] recognised.
	tableMissing
	// tableUnread: reading the table failed and the dialect cannot tell a
	// missing table from another failure; Setup goes on as if it were
	// missing, but never drops it.
	tableUnread
	// tableForeign: the table exists without a column the store uses.
	tableForeign
)

// checkTable reports whether the session table is a session2 table. It
// returns an error wrapping [session.ErrInvalidConfig] that names the
// table, its columns and WithTable when the table exists with other
// columns (another library's table of the same name), and the driver's
// error when reading it failed otherwise. It reads the table through q as
// the store's statements name it, so the database resolves the name as it
// will for them.
func (s *Store) checkTable(ctx context.Context, q querier) (tableState, error) {
	rows, err := q.QueryContext(ctx, "SELECT * FROM "+s.names.Table+" WHERE 1 = 0")
	if err != nil {
		md, ok := s.d.(MissingTableDetector)
		switch {
		case !ok:
			return tableUnread, nil
		case md.IsMissingTable(err):
			return tableMissing, nil
		}
		return tableUnread, fmt.Errorf("read the columns of %s: %w", s.names.Raw, err)
	}
	cols, err := rows.Columns()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return tableUnread, fmt.Errorf("read the columns of %s: %w", s.names.Raw, err)
	}
	have := make(map[string]bool, len(cols))
	for _, c := range cols {
		have[strings.ToLower(c)] = true
	}
	for _, c := range strings.Split("session_key, "+columns, ", ") {
		if !have[c] {
			return tableForeign, s.foreignTable(cols)
		}
	}
	return tableOurs, nil
}

// missing reports whether err is the dialect's missing-table error.
func (s *Store) missing(err error) bool {
	md, ok := s.d.(MissingTableDetector)
	return ok && md.IsMissingTable(err)
}

// foreignTable is the error for a table of the store's name that is not a
// session2 table.
func (s *Store) foreignTable(cols []string) error {
	return fmt.Errorf("table %q exists and is not a session2 table (its columns: %s; a session2 table's: session_key, %s); "+
		"Setup created and changed nothing: pick another table with %s.WithTable(\"…\") (%w)",
		s.names.Raw, strings.Join(cols, ", "), columns, s.name, session.ErrInvalidConfig)
}
