package bench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The budgets of issue 2 for session2 against the bare handler and scs.
const (
	budgetNoneAllocs = 4   // (a) at most this many allocations above bare
	budgetNoneTime   = 1.3 // (a) ns/op at most this times bare's
	budgetReadShare  = 5   // (b) overhead at most 1/this of scs's overhead
	budgetWriteShare = 4   // (c) overhead at most 1/this of scs's overhead
)

// TestBudgets checks the budgets against the output of a benchmark run,
// read from the file named by SESSION2_BENCH_RESULTS, and logs the table
// of medians with the ratios to scs:
//
//	go test -run '^$' -bench . -benchmem -count 6 | tee results.txt
//	SESSION2_BENCH_RESULTS=results.txt go test -run TestBudgets -v
func TestBudgets(t *testing.T) {
	path := os.Getenv("SESSION2_BENCH_RESULTS")
	if path == "" {
		t.Skip("SESSION2_BENCH_RESULTS is not set: name a file of `go test -bench . -benchmem` output to check the budgets")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := parseResults(f)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + res.table())
	for _, v := range res.checkBudgets() {
		t.Error(v)
	}
}

// stats are the samples of one benchmark.
type stats struct{ ns, cpu, bytes, allocs []float64 }

// results maps kind, then lib, to the samples of BenchmarkRequest.
type results map[string]map[string]*stats

// benchLine matches a BenchmarkRequest result line; the name's trailing
// -N is GOMAXPROCS.
var benchLine = regexp.MustCompile(`^BenchmarkRequest/kind=([^/\s]+)/lib=(\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

// parseResults reads the output of go test -bench with -benchmem.
func parseResults(r io.Reader) (results, error) {
	res := results{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		kind, name := m[1], m[2]
		if res[kind] == nil {
			res[kind] = map[string]*stats{}
		}
		st := res[kind][name]
		if st == nil {
			st = &stats{}
			res[kind][name] = st
		}
		fields := strings.Fields(m[3])
		for i := 0; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				return nil, fmt.Errorf("bench: parse %q: %w", sc.Text(), err)
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
		return nil, fmt.Errorf("bench: read results: %w", err)
	}
	if len(res) == 0 {
		return nil, fmt.Errorf("bench: no BenchmarkRequest results")
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

func (res results) med(kind, name string) (med, bool) {
	st := res[kind][name]
	if st == nil || len(st.ns) == 0 {
		return med{}, false
	}
	return med{median(st.ns), median(st.cpu), median(st.allocs), median(st.bytes), len(st.ns)}, true
}

// checkBudgets returns a description of each budget session2 misses, or of
// each result the check needs and lacks. Time budgets are checked on wall
// time (ns/op) and, when the results have it, on CPU time (cpu-ns/op).
func (res results) checkBudgets() []string {
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

// table formats the medians of every kind and lib, with the overhead over
// the bare handler and the ratios to scs: of the whole request (ns÷scs) and
// of the overheads over bare (+ns÷scs), in wall time, CPU time and
// allocations.
func (res results) table() string {
	var b strings.Builder
	for _, kind := range kinds {
		if res[kind] == nil {
			continue
		}
		bare, _ := res.med(kind, "bare")
		scs, _ := res.med(kind, "scs")
		fmt.Fprintf(&b, "kind=%s (medians of %d runs)\n", kind, bare.n)
		fmt.Fprintf(&b, "%-15s %9s %9s %7s %7s | %7s %7s %7s %7s %7s\n",
			"lib", "ns/op", "cpu-ns/op", "B/op", "allocs", "ns", "+ns", "cpu", "+cpu", "+allocs")
		for _, l := range libs {
			m, ok := res.med(kind, l.name)
			if !ok {
				continue
			}
			fmt.Fprintf(&b, "%-15s %9.0f %9.0f %7.0f %7.0f | %7s %7s %7s %7s %7s\n",
				l.name, m.ns, m.cpu, m.bytes, m.allocs,
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

// TestBudgetCheck checks the parser and the budget check themselves on
// made-up results: one set within the budgets, one outside each.
func TestBudgetCheck(t *testing.T) {
	cpuOf := map[string]int{} // lib's CPU time in ns/op where not equal to its wall time
	line := func(kind, name string, ns, allocs int) string {
		cpu, ok := cpuOf[kind+"/"+name]
		if !ok {
			cpu = ns
		}
		return fmt.Sprintf("BenchmarkRequest/kind=%s/lib=%s-2   \t  100000\t %d ns/op\t %d cpu-ns/op\t 6000 B/op\t %d allocs/op\n", kind, name, ns, cpu, allocs)
	}
	build := func(noneNs, noneAllocs, readNs, readAllocs, writeNs, writeAllocs int) string {
		var b strings.Builder
		b.WriteString("goos: linux\nPASS\n")
		for range 3 {
			b.WriteString(line(kindNone, "bare", 1000, 10))
			b.WriteString(line(kindNone, "session2", noneNs, noneAllocs))
			b.WriteString(line(kindNone, "scs", 1800, 20))
			b.WriteString(line(kindRead, "bare", 1000, 10))
			b.WriteString(line(kindRead, "session2", readNs, readAllocs))
			b.WriteString(line(kindRead, "scs", 21000, 210))
			b.WriteString(line(kindRead, "gorilla-fs", 41000, 250))
			b.WriteString(line(kindWrite, "bare", 1000, 10))
			b.WriteString(line(kindWrite, "session2", writeNs, writeAllocs))
			b.WriteString(line(kindWrite, "scs", 29000, 250))
		}
		return b.String()
	}
	// Lines carry cpu-ns/op equal to ns/op unless cpuOf says otherwise, so
	// a time budget missed counts twice: in wall and in CPU time.
	cases := []struct {
		name  string
		input string
		fails int
	}{
		{"within", build(1200, 14, 5000, 50, 8000, 70), 0},
		{"none allocs", build(1200, 15, 5000, 50, 8000, 70), 1},
		{"none time", build(1400, 14, 5000, 50, 8000, 70), 2},
		{"read time", build(1200, 14, 5100, 50, 8000, 70), 2},
		{"read allocs", build(1200, 14, 5000, 51, 8000, 70), 1},
		{"write time", build(1200, 14, 5000, 50, 8100, 70), 2},
		{"write allocs", build(1200, 14, 5000, 50, 8000, 71), 1},
		{"all", build(2000, 30, 9000, 90, 9000, 90), 9},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := parseResults(strings.NewReader(c.input))
			if err != nil {
				t.Fatal(err)
			}
			if got := res.checkBudgets(); len(got) != c.fails {
				t.Errorf("%d budgets missed, want %d: %q", len(got), c.fails, got)
			}
		})
	}
	wallOnly := regexp.MustCompile(`\t \d+ cpu-ns/op`).ReplaceAllString(build(1400, 14, 5000, 50, 8000, 70), "")
	if got := mustParse(t, wallOnly).checkBudgets(); len(got) != 1 {
		t.Errorf("results without cpu-ns/op: %q, want the none budget alone missed", got)
	}
	cpuOf["read/session2"] = 5100
	if got := mustParse(t, build(1200, 14, 5000, 50, 8000, 70)).checkBudgets(); len(got) != 1 || !strings.Contains(got[0], "cpu-ns/op") {
		t.Errorf("session2's CPU time over budget: %q", got)
	}
	delete(cpuOf, "read/session2")
	if m, _ := mustParse(t, build(1200, 14, 5000, 50, 8000, 70)).med(kindRead, "gorilla-fs"); m.ns != 41000 || m.cpu != 41000 || m.n != 3 {
		t.Errorf("gorilla-fs parsed as %+v", m)
	}
	if _, err := parseResults(strings.NewReader("PASS\n")); err == nil {
		t.Error("no results: no error")
	}
	if got := mustParse(t, line(kindNone, "bare", 1, 1)).checkBudgets(); len(got) == 0 {
		t.Error("missing results: no complaint")
	}
}

func mustParse(t *testing.T, s string) results {
	t.Helper()
	res, err := parseResults(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}
