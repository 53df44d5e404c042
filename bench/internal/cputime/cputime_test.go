//go:build unix

package cputime

import "testing"

// TestProcessGrows checks that work done shows in the process's CPU time.
func TestProcessGrows(t *testing.T) {
	c0, ok := Process()
	if !ok {
		t.Fatal("no CPU time on a Unix system")
	}
	sum := 0
	for range 1000 {
		for i := range 1_000_000 {
			sum += i
		}
		if c1, _ := Process(); c1 > c0 {
			return
		}
	}
	t.Fatalf("CPU time still %v after a billion additions (%d)", c0, sum)
}
