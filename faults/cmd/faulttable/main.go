// Command faulttable runs the fault suite of session2 (package
// github.com/session2/session2/faults) and prints its table: per store and
// fault, the requests sent, answered 2xx, answered 5xx or refused, hung
// (over the bound), acknowledged writes lost, the time to recover and the
// latencies.
//
//	SESSION2_POSTGRES_DSN=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	SESSION2_MYSQL_DSN='root@tcp(127.0.0.1:3306)/test' \
//	go run ./faults/cmd/faulttable
//
// Scenarios that cannot run here (a variable unset, no server binaries, no
// root to mount a tmpfs) are listed as skipped. It exits with status 1
// when a scenario found a problem.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/session2/session2/faults"
)

func main() {
	only := flag.String("only", "", "run only the scenarios whose \"store / fault\" contains this text")
	verbose := flag.Bool("v", false, "report progress on standard error")
	flag.Parse()
	dir, err := os.MkdirTemp("", "session2-faults-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "faulttable:", err)
		os.Exit(1)
	}
	defer os.RemoveAll(dir)
	e := faults.EnvFromEnvironment(dir)
	if *verbose {
		e.Logf = func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
	}
	var scenarios []faults.Scenario
	for _, sc := range faults.Scenarios() {
		if strings.Contains(sc.Store+" / "+sc.Fault, *only) {
			scenarios = append(scenarios, sc)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	start := time.Now()
	rows, problems, skipped := faults.RunAll(ctx, e, scenarios)
	faults.WriteTable(os.Stdout, rows)
	fmt.Printf("\n%d scenarios in %v; a request is hung after %v (load timeout %v + 1s); recover: how long after the fault ended requests still failed.\n",
		len(scenarios), time.Since(start).Round(time.Second), faults.Bound, faults.LoadTimeout)
	for _, s := range skipped {
		fmt.Println("skipped:", s)
	}
	for _, p := range problems {
		fmt.Println("PROBLEM:", p)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
}
