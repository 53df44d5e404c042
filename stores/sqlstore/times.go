package sqlstore

import (
	"database/sql"
	"fmt"
	"time"
)

// The range of times a record may hold: what both PostgreSQL's TIMESTAMPTZ
// and MySQL's DATETIME(6) keep, years 1 to 9999.
var (
	minTime = time.Date(1, time.January, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(9999, time.December, 31, 23, 59, 59, 999999000, time.UTC)
)

// floorMicro returns t in UTC, truncated to the microsecond.
func floorMicro(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}

// ceilMicro returns t in UTC, rounded up to the microsecond.
func ceilMicro(t time.Time) time.Time {
	f := floorMicro(t)
	if f.Before(t) {
		f = f.Add(time.Microsecond)
	}
	return f
}

// recordTime converts a time of a record to a parameter, or reports it out
// of range.
func (s *Store) recordTime(field string, t time.Time) (any, error) {
	t = floorMicro(t)
	if t.Before(minTime) || t.After(maxTime) {
		return nil, fmt.Errorf("%s %s is outside the years 1 to 9999", field, t.Format(time.RFC3339))
	}
	return s.d.TimeValue(t), nil
}

// nowArg returns the store clock's current time as a parameter for
// "expires > ?": a row is live when it expires after this instant.
func (s *Store) nowArg() any {
	return s.d.TimeValue(clamp(floorMicro(s.cfg.now())))
}

func clamp(t time.Time) time.Time {
	if t.Before(minTime) {
		return minTime
	}
	if t.After(maxTime) {
		return maxTime
	}
	return t
}

// timeScanner scans a time column through the dialect.
type timeScanner struct {
	d Dialect
	t *time.Time
}

// Scan implements sql.Scanner.
func (ts *timeScanner) Scan(src any) error {
	t, err := ts.d.ScanTime(src)
	if err != nil {
		return err
	}
	*ts.t = t.UTC()
	return nil
}

var _ sql.Scanner = (*timeScanner)(nil)
