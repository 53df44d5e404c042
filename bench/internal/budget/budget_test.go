package budget

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

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
			res, err := Parse(strings.NewReader(c.input))
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Check(); len(got) != c.fails {
				t.Errorf("%d budgets missed, want %d: %q", len(got), c.fails, got)
			}
		})
	}
	wallOnly := regexp.MustCompile(`\t \d+ cpu-ns/op`).ReplaceAllString(build(1400, 14, 5000, 50, 8000, 70), "")
	if got := mustParse(t, wallOnly).Check(); len(got) != 1 {
		t.Errorf("results without cpu-ns/op: %q, want the none budget alone missed", got)
	}
	cpuOf["read/session2"] = 5100
	if got := mustParse(t, build(1200, 14, 5000, 50, 8000, 70)).Check(); len(got) != 1 || !strings.Contains(got[0], "cpu-ns/op") {
		t.Errorf("session2's CPU time over budget: %q", got)
	}
	delete(cpuOf, "read/session2")
	if m, _ := mustParse(t, build(1200, 14, 5000, 50, 8000, 70)).med(kindRead, "gorilla-fs"); m.ns != 41000 || m.cpu != 41000 || m.n != 3 {
		t.Errorf("gorilla-fs parsed as %+v", m)
	}
	if _, err := Parse(strings.NewReader("PASS\n")); err == nil {
		t.Error("no results: no error")
	}
	if got := mustParse(t, line(kindNone, "bare", 1, 1)).Check(); len(got) == 0 {
		t.Error("missing results: no complaint")
	}
}

func mustParse(t *testing.T, s string) *Results {
	t.Helper()
	res, err := Parse(strings.NewReader(s))
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

// TestTable checks the table: a block per kind in the benchmark's order,
// the libraries in the order the output names them, the ratios to scs.
func TestTable(t *testing.T) {
	in := ""
	for _, l := range []string{
		"BenchmarkRequest/kind=read/lib=bare-2 100 1000 ns/op 1000 cpu-ns/op 100 B/op 10 allocs/op",
		"BenchmarkRequest/kind=read/lib=session2-2 100 5000 ns/op 5000 cpu-ns/op 200 B/op 50 allocs/op",
		"BenchmarkRequest/kind=read/lib=scs-2 100 21000 ns/op 21000 cpu-ns/op 900 B/op 210 allocs/op",
		"BenchmarkRequest/kind=none/lib=bare-2 100 1000 ns/op 1000 cpu-ns/op 100 B/op 10 allocs/op",
	} {
		in += l + "\n"
	}
	got := mustParse(t, in).Table()
	none, read := strings.Index(got, "kind=none"), strings.Index(got, "kind=read")
	if none < 0 || read < none {
		t.Errorf("kinds out of order:\n%s", got)
	}
	want := "session2             5000      5000     200      50 |    0.24    0.20    0.24    0.20    0.20"
	if !strings.Contains(got, want) {
		t.Errorf("no line %q in\n%s", want, got)
	}
	if b, s := strings.Index(got[read:], "bare"), strings.Index(got[read:], "session2"); b > s {
		t.Errorf("libraries out of order:\n%s", got)
	}
}
