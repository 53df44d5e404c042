package faults

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Scenario is one fault run against one store.
type Scenario struct {
	Fault, Store string
	Run          func(context.Context, Env, string) (*Outcome, error)
}

// Scenarios returns every scenario of the suite, in the table's order.
func Scenarios() []Scenario {
	var all []Scenario
	add := func(fault string, run func(context.Context, Env, string) (*Outcome, error), stores ...string) {
		for _, s := range stores {
			all = append(all, Scenario{Fault: fault, Store: s, Run: run})
		}
	}
	add("hung database", Hung, Postgres, MariaDB)
	add("database restart", Restart, Postgres, MariaDB)
	add("app crash", Crash, "file", "bolt", Postgres, MariaDB)
	add("full disk", FullDisk, "file", "bolt")
	add("slow store", Slow, Postgres, MariaDB)
	return all
}

// WriteTable writes rows as a Markdown table.
func WriteTable(w io.Writer, rows []Row) {
	fmt.Fprintln(w, "| store | fault | sent | 2xx | 5xx/refused | hung | lost | recover | p50 | p99 |")
	fmt.Fprintln(w, "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|")
	for _, r := range rows {
		rec := "-"
		if r.Recover >= 0 {
			rec = fmtDur(r.Recover)
		}
		fmt.Fprintf(w, "| %s | %s | %d | %d | %d | %d | %d | %s | %s | %s |\n",
			r.Store, r.Fault, r.Sent, r.OK, r.Failed, r.Hung, r.Lost, rec, fmtDur(r.P50), fmtDur(r.P99))
	}
}

func fmtDur(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

// RunAll runs the scenarios one after the other and returns their rows,
// the problems found, and the scenarios skipped with their reasons.
func RunAll(ctx context.Context, e Env, scenarios []Scenario) (rows []Row, problems, skipped []string) {
	for _, sc := range scenarios {
		name := sc.Store + " / " + sc.Fault
		e.logf("running %s", name)
		o, err := sc.Run(ctx, e, sc.Store)
		switch {
		case errors.Is(err, ErrSkip):
			skipped = append(skipped, name+": "+err.Error())
			continue
		case err != nil:
			problems = append(problems, name+": "+err.Error())
			continue
		}
		rows = append(rows, o.Rows...)
		for _, p := range o.Problems {
			problems = append(problems, name+": "+strings.TrimSpace(p))
		}
	}
	return rows, problems, skipped
}
