package mysqlstore_test

import (
	"testing"
	"time"

	"github.com/session2/session2/stores/mysqlstore"
)

// ScanTime reads the DATE_FORMAT text of a time column as the text parser
// does, and refuses what it refuses.
func TestScanTimeText(t *testing.T) {
	d := mysqlstore.Dialect()
	for _, s := range []string{
		"2026-12-05 06:15:42.123456",
		"0001-01-01 00:00:00.000000",
		"9999-12-31 23:59:59.999999",
		"2024-02-29 12:00:00.000001",
		"2025-02-29 12:00:00.000000",
		"2025-13-01 00:00:00.000000",
		"2025-01-01 24:00:00.000000",
		"2025-01-01 00:00:00.00000x",
		"2025-01-01T00:00:00.000000",
		"2025-01-01 00:00:00",
		"",
	} {
		want, wantErr := time.ParseInLocation("2006-01-02 15:04:05.999999", s, time.UTC)
		got, err := d.ScanTime([]byte(s))
		if (err != nil) != (wantErr != nil) || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("ScanTime(%q) = %v, %v; want %v, %v", s, got, err, want, wantErr)
		}
	}
	var src any = []byte("2026-12-05 06:15:42.123456")
	if n := testing.AllocsPerRun(100, func() { d.ScanTime(src) }); n != 0 {
		t.Errorf("ScanTime of DATE_FORMAT text made %.0f allocations, want 0", n)
	}
}
