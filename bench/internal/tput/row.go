package tput

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/session2/session2/bench/internal/csvfile"
)

// Row is one measured point: a library on a store at a number of clients.
type Row struct {
	Store, Lib string
	Clients    int
	RPS        float64       // requests per second
	P50, P99   time.Duration // latency percentiles
}

// CSVHeader is the first line of a file of rows.
const CSVHeader = "store,lib,clients,req_per_s,p50_us,p99_us"

// CSV returns the row as a line of a CSV file, without the newline.
func (r Row) CSV() string {
	return fmt.Sprintf("%s,%s,%d,%.0f,%.1f,%.1f", r.Store, r.Lib, r.Clients, r.RPS, float64(r.P50)/1e3, float64(r.P99)/1e3)
}

// ReadCSV reads the rows of a file that cmd/tput wrote.
func ReadCSV(path string) ([]Row, error) {
	var rows []Row
	err := csvfile.Read(path, CSVHeader, func(fs []string) error {
		c, err1 := strconv.Atoi(fs[2])
		rps, err2 := strconv.ParseFloat(fs[3], 64)
		p50, err3 := strconv.ParseFloat(fs[4], 64)
		p99, err4 := strconv.ParseFloat(fs[5], 64)
		if err := errors.Join(err1, err2, err3, err4); err != nil {
			return err
		}
		rows = append(rows, Row{Store: fs[0], Lib: fs[1], Clients: c, RPS: rps,
			P50: time.Duration(p50 * 1e3), P99: time.Duration(p99 * 1e3)})
		return nil
	})
	return rows, err
}
