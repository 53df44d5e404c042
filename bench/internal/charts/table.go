package charts

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/session2/session2/bench/internal/scale"
)

// ScaleTable renders the scale rows as a Markdown table: a row per store and
// operation, a column per size, "before → after" where both exist.
func ScaleTable(rows []scale.Row) string {
	type key struct{ store, op string }
	type cell struct{ before, after string }
	cells := map[key]map[int]*cell{}
	var sizes []int
	var keys []key
	for _, r := range rows {
		k := key{r.Store, r.Op}
		if cells[k] == nil {
			cells[k] = map[int]*cell{}
			keys = append(keys, k)
		}
		if !slices.Contains(sizes, r.N) {
			sizes = append(sizes, r.N)
		}
		c := cells[k][r.N]
		if c == nil {
			c = &cell{}
			cells[k][r.N] = c
		}
		v := formatCell(r)
		if r.Label == "before" {
			c.before = v
		} else {
			c.after = v
		}
	}
	slices.Sort(sizes)
	var b strings.Builder
	b.WriteString("| store | operation |")
	for _, n := range sizes {
		fmt.Fprintf(&b, " %s |", humanN(n))
	}
	b.WriteString("\n|---|---|")
	for range sizes {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "| %s | %s |", k.store, k.op)
		for _, n := range sizes {
			c := cells[k][n]
			switch {
			case c == nil:
				b.WriteString(" |")
			case c.before != "" && c.after != "":
				fmt.Fprintf(&b, " %s → %s |", c.before, c.after)
			case c.after != "":
				fmt.Fprintf(&b, " %s |", c.after)
			default:
				fmt.Fprintf(&b, " %s (before) |", c.before)
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

func formatCell(r scale.Row) string {
	switch {
	case r.Op == "disk":
		return fmt.Sprintf("%.0f B", r.Bytes)
	case strings.HasPrefix(r.Op, "prune"):
		return fmt.Sprintf("%s (%.1f µs/rec)", fmtDur(r.P50), float64(r.P50)/1e3/float64(max(r.Count, 1)))
	case strings.HasPrefix(r.Op, "sweep-idle"):
		return fmtDur(r.P50)
	}
	return fmtDur(r.P50) + " / " + fmtDur(r.P99)
}

func fmtDur(d time.Duration) string {
	switch {
	case d < time.Microsecond:
		return fmt.Sprintf("%.2f µs", float64(d)/1e3)
	case d < time.Millisecond:
		return fmt.Sprintf("%.0f µs", float64(d)/1e3)
	case d < time.Second:
		return fmt.Sprintf("%.1f ms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

func humanN(n int) string {
	switch {
	case n >= 1000000 && n%1000000 == 0:
		return strconv.Itoa(n/1000000) + "M"
	case n >= 1000 && n%1000 == 0:
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}
