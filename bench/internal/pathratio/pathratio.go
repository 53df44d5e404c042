// Package pathratio reads the output of BenchmarkSQLPath and prints, per
// database and request, the medians of the floor, session2 and scs with
// each library's ratio to the floor.
package pathratio

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// Libs are the contenders of a row, the floor first.
var Libs = []string{"floor", "session2", "scs"}

// samples is one contender's figures, one per pass.
type samples struct{ ns, allocs []float64 }

// Results holds the samples of every BenchmarkSQLPath/db/kind/lib line.
type Results struct {
	rows []string            // "db/kind", in order of first appearance
	seen map[string]bool     // the rows
	s    map[string]*samples // "db/kind/lib"
}

// Parse reads benchmark output; lines other than BenchmarkSQLPath's are
// skipped. It is an error if there are none.
func Parse(r io.Reader) (*Results, error) {
	res := &Results{seen: map[string]bool{}, s: map[string]*samples{}}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "BenchmarkSQLPath/") {
			continue
		}
		name := strings.TrimPrefix(f[0], "BenchmarkSQLPath/")
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i] // the GOMAXPROCS suffix
		}
		parts := strings.Split(name, "/")
		if len(parts) != 3 {
			continue
		}
		var ns, allocs float64 = -1, -1
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("pathratio: %q: %v", sc.Text(), err)
			}
			switch f[i+1] {
			case "ns/op":
				ns = v
			case "allocs/op":
				allocs = v
			}
		}
		if ns < 0 {
			return nil, fmt.Errorf("pathratio: no ns/op in %q", sc.Text())
		}
		row := parts[0] + "/" + parts[1]
		s := res.s[name]
		if s == nil {
			s = &samples{}
			res.s[name] = s
		}
		if !res.seen[row] {
			res.seen[row] = true
			res.rows = append(res.rows, row)
		}
		s.ns = append(s.ns, ns)
		if allocs >= 0 {
			s.allocs = append(s.allocs, allocs)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(res.rows) == 0 {
		return nil, fmt.Errorf("pathratio: no BenchmarkSQLPath lines")
	}
	return res, nil
}

// Median returns the median time in ns and allocations of db/kind/lib and
// the number of passes, 0 when there is none.
func (res *Results) Median(row, lib string) (ns, allocs float64, passes int) {
	s := res.s[row+"/"+lib]
	if s == nil {
		return 0, 0, 0
	}
	return median(s.ns), median(s.allocs), len(s.ns)
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Table returns a Markdown table: a row per database and request, the
// median µs and allocations of each contender and, beside session2's and
// scs's, their ratio of time to the floor's.
func (res *Results) Table() string {
	var b strings.Builder
	b.WriteString("| db/request | passes | floor | session2 | scs |\n|---|---|---|---|---|\n")
	for _, row := range res.rows {
		fns, _, passes := res.Median(row, "floor")
		fmt.Fprintf(&b, "| %s | %d |", row, passes)
		for _, lib := range Libs {
			ns, allocs, n := res.Median(row, lib)
			switch {
			case n == 0:
				b.WriteString(" - |")
			case lib == "floor" || fns == 0:
				fmt.Fprintf(&b, " %.0f µs, %.0f allocs |", ns/1e3, allocs)
			default:
				fmt.Fprintf(&b, " %.0f µs (%.2f×), %.0f allocs |", ns/1e3, ns/fns, allocs)
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}
