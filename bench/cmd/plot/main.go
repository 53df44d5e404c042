// Command plot draws the charts of bench/README.md from the CSV rows of
// cmd/scale and cmd/tput, and prints the scale rows as a Markdown table
// (before → after where both labels exist). Run it from bench/:
//
//	go run ./cmd/plot -scale testdata/scale-before.csv,testdata/scale-after.csv \
//	  -tput testdata/throughput.csv -dir charts
package main

import (
	"flag"
	"fmt"
	"log"
	"strings"

	"github.com/session2/session2/bench/internal/charts"
	"github.com/session2/session2/bench/internal/scale"
	"github.com/session2/session2/bench/internal/tput"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("plot: ")
	scaleFiles := flag.String("scale", "", "comma-separated CSV files of cmd/scale rows to draw")
	tputFile := flag.String("tput", "", "CSV file of cmd/tput rows to draw")
	dir := flag.String("dir", "charts", "directory the PNG files are written to")
	flag.Parse()
	if flag.NArg() > 0 {
		log.Fatalf("unexpected arguments %q", flag.Args())
	}
	if *scaleFiles == "" && *tputFile == "" {
		log.Fatal("nothing to draw: name -scale or -tput files")
	}
	var written []string
	if *scaleFiles != "" {
		var rows []scale.Row
		for _, f := range strings.Split(*scaleFiles, ",") {
			r, err := scale.ReadCSV(f)
			if err != nil {
				log.Fatal(err)
			}
			rows = append(rows, r...)
		}
		w, err := charts.Scale(rows, *dir)
		if err != nil {
			log.Fatal(err)
		}
		written = append(written, w...)
		fmt.Print(charts.ScaleTable(rows))
	}
	if *tputFile != "" {
		rows, err := tput.ReadCSV(*tputFile)
		if err != nil {
			log.Fatal(err)
		}
		w, err := charts.Tput(rows, *dir)
		if err != nil {
			log.Fatal(err)
		}
		written = append(written, w...)
	}
	for _, w := range written {
		log.Printf("wrote %s", w)
	}
}
