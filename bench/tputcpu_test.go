package bench

import (
	"flag"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"testing"
)

var tputCPU = flag.Bool("tput.cpu", false, "run TestThroughputCPU")

// TestThroughputCPU drives the same points as TestThroughput (its
// -tput.clients, -tput.duration, -tput.stores and -tput.libs) and reports,
// beside requests per second and p99, the process's CPU time per request:
// client and server together, the database server's own work excluded;
// and the bytes it allocated per request, with the number of garbage
// collections in the run. On a machine shared with other work, requests per second and latency follow
// the CPU the process is given; CPU per request does much less. Library
// "none" is the same application with no session middleware at all: the
// cost of the HTTP exchange, below which no session library can go; it
// runs first unless -tput.libs names it (-tput.libs none runs it alone).
func TestThroughputCPU(t *testing.T) {
	if !*tputCPU {
		t.Skip("run with -tput.cpu")
	}
	clients := intsFlag(t, "tput.clients", *tputClients, 1, []int{32})[0]
	for _, store := range strings.Split(*tputStores, ",") {
		t.Run("store="+store, func(t *testing.T) {
			build := tputBuilders(t, store)
			build["none"] = func(*testing.T) http.Handler { return bareTput() }
			libs := strings.Split(*tputLibs, ",")
			if !slices.Contains(libs, "none") {
				libs = append([]string{"none"}, libs...)
			}
			for _, lib := range libs {
				if build[lib] == nil {
					t.Fatalf("-tput.libs: unknown library %q", lib)
				}
				t.Run("lib="+lib, func(t *testing.T) {
					if *tputSplit {
						c0, _ := cpuTime()
						r, srv := driveSplit(t, store, lib, clients, *tputDuration)
						c1, _ := cpuTime()
						n := r.rps * tputDuration.Seconds()
						t.Logf("%-8s %-8s clients %3d  %8.0f req/s  p50 %7.1f µs  p99 %8.1f µs  server cpu %6.1f µs/req  alloc %6.0f B/req  gc %d  client cpu %6.1f µs/req  (%s client%s)",
							store, lib, clients, r.rps, float64(r.p50)/1e3, float64(r.p99)/1e3, float64(srv.cpu)/1e3/n,
							float64(srv.alloc)/n, srv.gc, float64(c1-c0)/1e3/n, *tputClientKind, splitNote())
						return
					}
					h := build[lib](t)
					runtime.GC()
					var m0, m1 runtime.MemStats
					runtime.ReadMemStats(&m0)
					c0, ok := cpuTime()
					if !ok {
						t.Skip("no CPU time on this system")
					}
					r := drive(t, h, clients, *tputDuration)
					c1, _ := cpuTime()
					runtime.ReadMemStats(&m1)
					n := r.rps * tputDuration.Seconds()
					t.Logf("%-8s %-8s clients %3d  %8.0f req/s  p50 %7.1f µs  p99 %8.1f µs  cpu %6.1f µs/req  alloc %6.0f B/req  gc %d  (%s client)",
						store, lib, clients, r.rps, float64(r.p50)/1e3, float64(r.p99)/1e3, float64(c1-c0)/1e3/n,
						float64(m1.TotalAlloc-m0.TotalAlloc)/n, m1.NumGC-m0.NumGC, *tputClientKind)
				})
			}
		})
	}
}

// bareTput is the application of TestThroughput without sessions: it
// sends a cookie to prime and answers reads as if the session held it.
func bareTput() http.Handler {
	app := sqlApp(func(*http.Request, string) any { return "alice" }, func(*http.Request, string, any) {})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/prime" {
			http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "x"})
		}
		app.ServeHTTP(w, r)
	})
}
