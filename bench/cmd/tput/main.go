// Command tput measures requests per second and latency of session2 and
// scs serving the same application over real HTTP on loopback, on the
// memory stores and on PostgreSQL (SESSION2_POSTGRES_DSN), for a growing
// number of concurrent clients, each with its own session: 90% of requests
// read the session, 10% write it. Every point runs the libraries one after
// the other on fresh stores. Run it from bench/:
//
//	go run ./cmd/tput -clients 1,4,16,64 -duration 1500ms -split -out tput.csv
//
// With -split each point is served by a child process (this command, with
// -serve) pinned to CPU 0 while the load generator runs pinned to CPU 1;
// with -cpu it also reports CPU time and bytes allocated per request, and
// runs library "none" (the application without sessions) first.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/session2/session2/bench/internal/cli"
	"github.com/session2/session2/bench/internal/cputime"
	"github.com/session2/session2/bench/internal/csvfile"
	"github.com/session2/session2/bench/internal/loadgen"
	"github.com/session2/session2/bench/internal/tput"
)

// options are the command's flags, parsed.
type options struct {
	clients     []int
	stores      []string
	libs        []string
	cfg         loadgen.Config // without Clients
	split, cpu  bool
	description string // the load generator and mode, for the log lines
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("tput: ")
	clients := flag.String("clients", "1,8", "comma-separated numbers of concurrent clients")
	duration := flag.Duration("duration", 300*time.Millisecond, "how long each point is driven")
	stores := flag.String("stores", "memory,postgres", "comma-separated stores: memory, postgres")
	libs := flag.String("libs", "session2,scs", "comma-separated libraries: session2, scs, none (no sessions)")
	client := flag.String("client", loadgen.Raw, "load generator: raw (one keep-alive connection per client, responses read by hand: little CPU taken from the server) or nethttp (net/http's client)")
	split := flag.Bool("split", false, "serve each point from a child process pinned to CPU 0, the load generator pinned to CPU 1 (Linux, taskset, at least 2 CPUs)")
	cpu := flag.Bool("cpu", false, "report CPU time and bytes allocated per request, and run library none first")
	out := flag.String("out", "", "CSV file to append the rows to, for cmd/plot")
	serve := flag.String("serve", "", "`store/lib`: serve it as the child of -split (used by the command itself)")
	flag.Parse()
	if flag.NArg() > 0 {
		log.Fatalf("unexpected arguments %q", flag.Args())
	}
	if *serve != "" {
		if err := serveChild(*serve); err != nil {
			log.Fatalf("-serve %s: %v", *serve, err)
		}
		return
	}
	o := options{split: *split, cpu: *cpu, cfg: loadgen.Config{Client: *client, Duration: *duration}}
	var err error
	if o.clients, err = cli.Ints("clients", *clients, 1); err != nil {
		log.Fatal(err)
	}
	if o.stores, err = cli.Names("stores", *stores, tput.Stores); err != nil {
		log.Fatal(err)
	}
	if o.libs, err = cli.Names("libs", *libs, tput.Libs); err != nil {
		log.Fatal(err)
	}
	if o.cpu && !slices.Contains(o.libs, "none") {
		o.libs = append([]string{"none"}, o.libs...)
	}
	if *client != loadgen.Raw && *client != loadgen.NetHTTP {
		log.Fatalf("-client: unknown %q (known: raw, nethttp)", *client)
	}
	if *duration <= 0 {
		log.Fatalf("-duration %v: must be positive", *duration)
	}
	o.description = *client + " client"
	if o.split {
		o.description += ", split"
	}
	f, err := csvfile.Append(*out, tput.CSVHeader)
	if err != nil {
		log.Fatal(err)
	}
	for _, store := range o.stores {
		for _, c := range o.clients {
			for _, lib := range o.libs {
				r, err := o.point(store, lib, c)
				if err != nil {
					log.Fatalf("%s %s at %d clients: %v", store, lib, c, err)
				}
				if f != nil {
					fmt.Fprintln(f, r.CSV())
				}
			}
		}
	}
	if f != nil {
		if err := f.Close(); err != nil {
			log.Fatal(err)
		}
	}
}

// point measures lib on store at c clients and prints its line.
func (o options) point(store, lib string, c int) (tput.Row, error) {
	cfg := o.cfg
	cfg.Clients = c
	line := func(r tput.Row, extra string) {
		fmt.Printf("%-8s %-8s clients %3d  %8.0f req/s  p50 %7.1f µs  p99 %8.1f µs%s  (%s)\n",
			store, lib, c, r.RPS, float64(r.P50)/1e3, float64(r.P99)/1e3, extra, o.description)
	}
	if o.split {
		self, err := os.Executable()
		if err != nil {
			return tput.Row{}, err
		}
		c0, _ := cputime.Process()
		r, srv, err := tput.MeasureSplit([]string{self, "-serve", store + "/" + lib}, nil, store, lib, cfg)
		if err != nil {
			return r, err
		}
		c1, _ := cputime.Process()
		extra := ""
		if o.cpu {
			n := r.RPS * cfg.Duration.Seconds()
			extra = fmt.Sprintf("  server cpu %6.1f µs/req  alloc %6.0f B/req  gc %d  client cpu %6.1f µs/req",
				float64(srv.CPU)/1e3/n, float64(srv.Alloc)/n, srv.GC, float64(c1-c0)/1e3/n)
		}
		line(r, extra)
		return r, nil
	}
	if !o.cpu {
		r, err := tput.Measure(store, lib, cfg)
		if err == nil {
			line(r, "")
		}
		return r, err
	}
	// The shared mode's CPU figures are the whole process's: client and
	// server together, the database server's own work excluded.
	h, cleanup, err := tput.Build(store, lib)
	if err != nil {
		return tput.Row{}, err
	}
	defer cleanup()
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	c0, ok := cputime.Process()
	if !ok {
		return tput.Row{}, fmt.Errorf("-cpu: no CPU time on this system")
	}
	res, err := tput.Drive(h, cfg)
	if err != nil {
		return tput.Row{}, err
	}
	c1, _ := cputime.Process()
	runtime.ReadMemStats(&m1)
	r := tput.Row{Store: store, Lib: lib, Clients: c, RPS: res.RPS, P50: res.P50, P99: res.P99}
	n := float64(res.Requests)
	line(r, fmt.Sprintf("  cpu %6.1f µs/req  alloc %6.0f B/req  gc %d",
		float64(c1-c0)/1e3/n, float64(m1.TotalAlloc-m0.TotalAlloc)/n, m1.NumGC-m0.NumGC))
	return r, nil
}

// serveChild is the -split child: it serves spec ("store/lib") until its
// standard input ends.
func serveChild(spec string) error {
	store, lib, _ := strings.Cut(spec, "/")
	h, cleanup, err := tput.Build(store, lib)
	if err != nil {
		return err
	}
	defer cleanup()
	return tput.ServeChild(h, os.Stdin, os.Stdout)
}
