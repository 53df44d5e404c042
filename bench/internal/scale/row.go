package scale

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/session2/session2/bench/internal/csvfile"
)

// Row is one measured point: an operation on a store of N records.
type Row struct {
	Label, Store string
	N            int
	Op           string
	P50, P99     time.Duration // per operation; for a one-shot op both are its total
	Count        int           // records the op deleted, or operations timed
	Bytes        float64       // bytes per record, for op "disk"
}

// CSVHeader is the first line of a file of rows.
const CSVHeader = "label,store,n,op,p50_us,p99_us,count,bytes_per_record"

// CSV returns the row as a line of a CSV file, without the newline.
func (r Row) CSV() string {
	return fmt.Sprintf("%s,%s,%d,%s,%.1f,%.1f,%d,%.0f", r.Label, r.Store, r.N, r.Op,
		float64(r.P50)/1e3, float64(r.P99)/1e3, r.Count, r.Bytes)
}

// String returns the row as a line of a log.
func (r Row) String() string {
	return fmt.Sprintf("%-8s %8d %-18s p50 %10.1f µs  p99 %10.1f µs  count %7d  %s", r.Store, r.N, r.Op,
		float64(r.P50)/1e3, float64(r.P99)/1e3, r.Count, r.note())
}

// note is the figure per record of a disk or prune row.
func (r Row) note() string {
	switch {
	case r.Op == "disk":
		return fmt.Sprintf("%.0f bytes/record", r.Bytes)
	case strings.HasPrefix(r.Op, "prune") && r.Count > 0:
		return fmt.Sprintf("%.1f µs/record", float64(r.P50)/1e3/float64(r.Count))
	}
	return ""
}

// ReadCSV reads the rows of a file that cmd/scale wrote.
func ReadCSV(path string) ([]Row, error) {
	var rows []Row
	err := csvfile.Read(path, CSVHeader, func(fs []string) error {
		n, err1 := strconv.Atoi(fs[2])
		p50, err2 := strconv.ParseFloat(fs[4], 64)
		p99, err3 := strconv.ParseFloat(fs[5], 64)
		c, err4 := strconv.Atoi(fs[6])
		x, err5 := strconv.ParseFloat(fs[7], 64)
		if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
			return err
		}
		rows = append(rows, Row{Label: fs[0], Store: fs[1], N: n, Op: fs[3],
			P50: time.Duration(p50 * 1e3), P99: time.Duration(p99 * 1e3), Count: c, Bytes: x})
		return nil
	})
	return rows, err
}
