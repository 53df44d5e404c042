// Command scale fills each store with N sessions and times every operation
// on it (Load, Save, Touch, the prunes, a sweep pass, Save after mass
// deletes, disk per record), printing a line per measured row and
// appending the rows to a CSV file for cmd/plot. Run it from bench/:
//
//	go run ./cmd/scale -stores memory,bolt -sizes 1000,100000 -out scale.csv
//
// The PostgreSQL, MySQL and Redis stores run on the servers
// SESSION2_POSTGRES_DSN, SESSION2_MYSQL_DSN and SESSION2_REDIS_URL name,
// each in a table or key prefix of the run's own, removed afterwards.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/session2/session2/bench/internal/cli"
	"github.com/session2/session2/bench/internal/csvfile"
	"github.com/session2/session2/bench/internal/scale"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("scale: ")
	sizes := flag.String("sizes", "1000,10000", "comma-separated store sizes")
	stores := flag.String("stores", strings.Join(scale.Stores, ","), "comma-separated stores to fill")
	ops := flag.Int("ops", 200, "operations timed per point (Load, Save, Touch)")
	out := flag.String("out", "", "CSV file to append the rows to, for cmd/plot")
	label := flag.String("label", "", "label written in the rows' first column (for example before or after)")
	dir := flag.String("dir", "", "directory for the file and bolt stores (default the system's temporary directory)")
	flag.Parse()
	if flag.NArg() > 0 {
		log.Fatalf("unexpected arguments %q", flag.Args())
	}
	ns, err := cli.Ints("sizes", *sizes, 100)
	if err != nil {
		log.Fatal(err)
	}
	names, err := cli.Names("stores", *stores, scale.Stores)
	if err != nil {
		log.Fatal(err)
	}
	if *ops < 1 {
		log.Fatalf("-ops %d: at least 1", *ops)
	}
	f, err := csvfile.Append(*out, scale.CSVHeader)
	if err != nil {
		log.Fatal(err)
	}
	cfg := scale.Config{Ops: *ops, Label: *label, Dir: *dir, Logf: log.Printf}
	failed := false
	for _, store := range names {
		for _, n := range ns {
			rows, err := scale.Run(store, n, cfg)
			for _, r := range rows {
				fmt.Println(r)
				if f != nil {
					fmt.Fprintln(f, r.CSV())
				}
			}
			if err != nil {
				log.Printf("%s at %d: %v", store, n, err)
				failed = true
			}
		}
	}
	if f != nil {
		if err := f.Close(); err != nil {
			log.Fatal(err)
		}
	}
	if failed {
		os.Exit(1)
	}
}
