// Package bench holds no library code: its tests compare session2's net/http
// middleware with alexedwards/scs and gorilla/sessions on the same requests,
// and check that concurrent requests on one session lose no update.
//
// Run the comparison with
//
//	go test -run '^$' -bench . -benchmem -count 6 | tee results.txt
//	SESSION2_BENCH_RESULTS=results.txt go test -run TestBudgets -v
//
// and the lost-update check with
//
//	go test -run TestLostUpdate -v
//
// TestScale fills each store with up to a million sessions and times every
// operation, TestThroughput drives session2 and scs over HTTP with a
// growing number of clients, and TestPlot draws both into charts; by
// default the first two run only small sizes, for CI.
//
// See README.md for the figures measured.
package bench
