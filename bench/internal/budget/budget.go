// Package budget checks the budgets of session2's net/http middleware
// against the bare handler and scs, on the output of BenchmarkRequest
// (go test -bench Request -benchmem in bench/), and renders the table of
// medians with the ratios to scs.
package budget

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The budgets for session2 against the bare handler and scs.
const (
	budgetNoneAllocs = 4   // (a) at most this many allocations above bare
	budgetNoneTime   = 1.3 // (a) ns/op at most this times bare's
	budgetReadShare  = 5   // (b) overhead at most 1/this of scs's overhead
	budgetWriteShare = 4   // (c) overhead at most 1/this of scs's overhead
)

// The request kinds of BenchmarkRequest, in the table's order.
const (
	kindNone  = "none"
	kindRead  = "read"
	kindWrite = "write"
)

var kinds = []string{kindNone, kindRead, kindWrite}

// stats are the samples of one benchmark.
type stats struct{ ns, cpu, bytes, allocs []float64 }

// Results are the samples of BenchmarkRequest, by kind then library, with
// the libraries in the order the output first names them.
type Results struct {
	samples map[string]map[string]*stats
	libs    []string
}

// benchLine matches a BenchmarkRequest result line; the name's trailing
// -N is GOMAXPROCS.
var benchLine = regexp.MustCompile(`^BenchmarkRequest/kind=([^/\s]+)/lib=(\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

// Parse reads the output of go test -bench with -benchmem, keeping the
// BenchmarkRequest lines.
func Parse(r io.Reader) (*Results, error) {
	res := &Results{samples: map[string]map[string]*stats{}}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		kind, name := m[1], m[2]
		if res.samples[kind] == nil {
			res.samples[kind] = map[string]*stats{}
		}
		if !slices.Contains(res.libs, name) {
			res.libs = append(res.libs, name)
		}
		st := res.samples[kind][name]
		if st == nil {
			st = &stats{}
			res.samples[kind][name] = st
		}
		fields := strings.Fields(m[3])
		for i := 0; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				return nil, fmt.Errorf("budget: parse %q: %w", sc.Text(), err)
			}
			switch fields[i+1] {
			case "ns/op":
				st.ns = append(st.ns, v)
			case "cpu-ns/op":
				st.cpu = append(st.cpu, v)
			case "B/op":
				st.bytes = append(st.bytes, v)
			case "allocs/op":
				st.allocs = append(st.allocs, v)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("budget: read results: %w", err)
	}
	if len(res.samples) == 0 {
		return nil, fmt.Errorf("budget: no BenchmarkRequest results")
	}
	return res, nil
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// med is the median ns/op, cpu-ns/op (0 when not reported), allocs/op and
// B/op of one benchmark.
type med struct {
	ns, cpu, allocs, bytes float64
	n                      int // samples
}

func (res *Results) med(kind, name string) (med, bool) {
	st := res.samples[kind][name]
	if st == nil || len(st.ns) == 0 {
		return med{}, false
	}
	return med{median(st.ns), median(st.cpu), median(st.allocs), median(st.bytes), len(st.ns)}, true
}

// Check returns a description of each budget session2 misses, or of
// each result the check needs and lacks. Time budgets are checked on wall
// time (ns/op) and, when the results have it, on CPU time (cpu-ns/op).
func (res *Results) Check() []string {
	var out []string
	get := func(kind, name string) med {
		m, ok := res.med(kind, name)
		if !ok {
			out = append(out, fmt.Sprintf("no results for kind=%s lib=%s", kind, name))
		}
		return m
	}
	type metric struct {
		unit string
		of   func(med) float64
	}
	times := []metric{{"ns/op", func(m med) float64 { return m.ns }}}
	if m, _ := res.med(kindNone, "bare"); m.cpu > 0 {
		times = append(times, metric{"cpu-ns/op", func(m med) float64 { return m.cpu }})
	}
	allocs := metric{"allocs/op", func(m med) float64 { return m.allocs }}

	bare, s2 := get(kindNone, "bare"), get(kindNone, "session2")
	if d := s2.allocs - bare.allocs; d > budgetNoneAllocs {
		out = append(out, fmt.Sprintf("kind=none: session2 makes %.0f allocations above bare, budget %d", d, budgetNoneAllocs))
	}
	for _, t := range times {
		if b, s := t.of(bare), t.of(s2); b > 0 && s > budgetNoneTime*b {
			out = append(out, fmt.Sprintf("kind=none: session2 takes %.2fx bare's %s, budget %.1fx", s/b, t.unit, budgetNoneTime))
		}
	}
	for _, c := range []struct {
		kind  string
		share float64
	}{{kindRead, budgetReadShare}, {kindWrite, budgetWriteShare}} {
		bare, s2, scs := get(c.kind, "bare"), get(c.kind, "session2"), get(c.kind, "scs")
		for _, t := range append(times, allocs) {
			over, limit := t.of(s2)-t.of(bare), (t.of(scs)-t.of(bare))/c.share
			if over > limit {
				out = append(out, fmt.Sprintf("kind=%s: session2's overhead %.0f %s exceeds 1/%.0f of scs's, %.1f", c.kind, over, t.unit, c.share, limit))
			}
		}
	}
	return out
}

// Table formats the medians of every kind and lib, with the overhead over
// the bare handler and the ratios to scs: of the whole request (ns÷scs) and
// of the overheads over bare (+ns÷scs), in wall time, CPU time and
// allocations.
func (res *Results) Table() string {
	var b strings.Builder
	for _, kind := range kinds {
		if res.samples[kind] == nil {
			continue
		}
		bare, _ := res.med(kind, "bare")
		scs, _ := res.med(kind, "scs")
		fmt.Fprintf(&b, "kind=%s (medians of %d runs)\n", kind, bare.n)
		fmt.Fprintf(&b, "%-15s %9s %9s %7s %7s | %7s %7s %7s %7s %7s\n",
			"lib", "ns/op", "cpu-ns/op", "B/op", "allocs", "ns", "+ns", "cpu", "+cpu", "+allocs")
		for _, l := range res.libs {
			m, ok := res.med(kind, l)
			if !ok {
				continue
			}
			fmt.Fprintf(&b, "%-15s %9.0f %9.0f %7.0f %7.0f | %7s %7s %7s %7s %7s\n",
				l, m.ns, m.cpu, m.bytes, m.allocs,
				ratio(m.ns, scs.ns), ratio(m.ns-bare.ns, scs.ns-bare.ns),
				ratio(m.cpu, scs.cpu), ratio(m.cpu-bare.cpu, scs.cpu-bare.cpu),
				ratio(m.allocs-bare.allocs, scs.allocs-bare.allocs))
		}
		b.WriteString("\n")
	}
	b.WriteString("right of |: ratios to scs, of the whole request and (+) of the overhead over bare\n")
	return b.String()
}

func ratio(a, b float64) string {
	if b == 0 || a == 0 {
		return "-"
	}
	return strconv.FormatFloat(a/b, 'f', 2, 64)
}
