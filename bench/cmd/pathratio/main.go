// Command pathratio prints, from the output of BenchmarkSQLPath (files
// named as arguments, or standard input), the median time and allocations
// of the raw SQL floor, session2 and scs per database and request, with
// session2's and scs's ratio to the floor:
//
//	go run ./cmd/pathratio sqlpath.txt
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/session2/session2/bench/internal/pathratio"
)

func main() {
	var in io.Reader = os.Stdin
	if len(os.Args) > 1 {
		var rs []io.Reader
		for _, name := range os.Args[1:] {
			f, err := os.Open(name)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
			defer f.Close()
			rs = append(rs, f)
		}
		in = io.MultiReader(rs...)
	}
	res, err := pathratio.Parse(in)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Print(res.Table())
}
