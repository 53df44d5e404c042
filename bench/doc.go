// Package bench holds no library code: its benchmarks compare session2's
// net/http middleware with alexedwards/scs and gorilla/sessions on the same
// requests (in memory, on SQL, on Redis), and its tests check that
// concurrent requests on one session lose no update.
//
// Run the comparison and check the budgets with
//
//	go test -run '^$' -bench Request -benchmem -count 6 | tee results.txt
//	go run ./cmd/budget results.txt
//
// The tools beside the benchmarks are commands: cmd/scale fills each store
// with up to a million sessions and times every operation, cmd/tput drives
// session2 and scs over HTTP with a growing number of clients, cmd/plot
// draws their rows into charts. Their code lives in internal packages
// (loadgen, tput, scale, charts, budget), whose tests run short versions
// of each in CI.
//
// See README.md for what is measured and how to run it.
package bench
