package pathratio

import (
	"strings"
	"testing"
)

const out = `goos: linux
BenchmarkSQLPath/postgres/read/floor-2      200  60000 ns/op  1.000 stmts/op  7862 B/op  54 allocs/op
BenchmarkSQLPath/postgres/read/session2-2   200  90000 ns/op  1.000 stmts/op  10966 B/op  78 allocs/op
BenchmarkSQLPath/postgres/read/scs-2        200 150000 ns/op  2.000 stmts/op  19928 B/op  292 allocs/op
BenchmarkSQLPath/postgres/read/floor-2      200  80000 ns/op  1.000 stmts/op  7862 B/op  54 allocs/op
BenchmarkSQLPath/postgres/read/session2-2   200  96000 ns/op  1.000 stmts/op  10966 B/op  78 allocs/op
BenchmarkSQLPath/postgres/read/floor-2      200  70000 ns/op  1.000 stmts/op  7862 B/op  54 allocs/op
BenchmarkSQLPath/postgres/read/session2-2   200  84000 ns/op  1.000 stmts/op  10966 B/op  80 allocs/op
BenchmarkSQL/db=postgres/kind=read/lib=scs-2 200 1 ns/op
PASS
`

func TestTable(t *testing.T) {
	res, err := Parse(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	ns, allocs, n := res.Median("postgres/read", "session2")
	if ns != 90000 || allocs != 78 || n != 3 {
		t.Fatalf("session2 median = %v ns, %v allocs, %d passes; want 90000, 78, 3", ns, allocs, n)
	}
	got := res.Table()
	for _, want := range []string{
		"| postgres/read | 3 | 70 µs, 54 allocs | 90 µs (1.29×), 78 allocs | 150 µs (2.14×), 292 allocs |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
}

func TestParseNothing(t *testing.T) {
	if _, err := Parse(strings.NewReader("PASS\n")); err == nil {
		t.Fatal("Parse of output without BenchmarkSQLPath lines: no error")
	}
}
