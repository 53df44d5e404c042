package sqlstore

import (
	"fmt"
	"strings"

	"github.com/session2/session2/core/session"
)

// validIdent reports whether s is a name the engine accepts: 1 to
// MaxNameLen characters of [a-z0-9_], not starting with a digit.
func validIdent(s string) bool {
	if s == "" || len(s) > MaxNameLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c == '_':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// namesFor validates a table name and derives the names of the store's
// objects from it.
func namesFor(d Dialect, table string) (Names, error) {
	schema, base, qualified := strings.Cut(table, ".")
	if !qualified {
		schema, base = "", table
	}
	if !validIdent(base) || (qualified && !validIdent(schema)) {
		return Names{}, fmt.Errorf("%w: table name %q: want lowercase letters, digits and underscores, not starting with a digit, at most %d characters, optionally as schema.table",
			session.ErrInvalidConfig, table, MaxNameLen)
	}
	qual := func(name string) string {
		if schema == "" {
			return d.Quote(name)
		}
		return d.Quote(schema) + "." + d.Quote(name)
	}
	return Names{
		Raw:          table,
		Table:        qual(base),
		Versions:     qual(base + "_schema"),
		UserIndex:    d.Quote(base + "_user_idx"),
		ExpiresIndex: d.Quote(base + "_expires_idx"),
	}, nil
}
