// Command budget checks session2's budgets against the bare handler and
// scs on a file of BenchmarkRequest output, and prints the table of
// medians with the ratios to scs. It exits 1 when a budget is missed. Run
// it from bench/:
//
//	go test -run '^$' -bench Request -benchmem -count 6 | tee results.txt
//	go run ./cmd/budget results.txt
package main

import (
	"fmt"
	"log"
	"os"

	"github.com/session2/session2/bench/internal/budget"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("budget: ")
	if len(os.Args) != 2 || os.Args[1] == "-h" || os.Args[1] == "-help" {
		fmt.Fprintln(os.Stderr, "usage: budget FILE (the output of go test -bench Request -benchmem in bench/; - for standard input)")
		os.Exit(2)
	}
	in := os.Stdin
	if os.Args[1] != "-" {
		f, err := os.Open(os.Args[1])
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		in = f
	}
	res, err := budget.Parse(in)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(res.Table())
	missed := res.Check()
	for _, m := range missed {
		log.Printf("missed: %s", m)
	}
	if len(missed) > 0 {
		os.Exit(1)
	}
	fmt.Println("every budget met")
}
