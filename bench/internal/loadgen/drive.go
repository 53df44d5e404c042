package loadgen

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Config is what Drive runs.
type Config struct {
	Client     string        // the load generator: Raw or NetHTTP
	Clients    int           // concurrent clients, each with its own session
	Duration   time.Duration // how long the clients send requests
	CookieName string        // the session cookie the clients keep
}

// Result is what Drive measured.
type Result struct {
	Requests int           // requests completed
	RPS      float64       // requests per second
	P50, P99 time.Duration // latency percentiles
}

// Serve serves h with a plain http.Server on a loopback port and returns
// its URL and a function that stops it. Not httptest.Server: that tracks
// every connection's state changes under one mutex, twice per request, a
// cost no production server pays, which at dozens of clients weighs on
// every contender alike and narrows their differences.
func Serve(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	// No timeouts, as httptest's server has none: a deadline set on the
	// connection for every request would add to every contender's cost.
	srv := &http.Server{Handler: h}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln)
	}()
	return "http://" + ln.Addr().String(), func() {
		srv.Close()
		<-done
	}, nil
}

// Drive runs the throughput application's load against the server at url:
// cfg.Clients clients each create a session with GET /prime, then send
// GET /read (90%) and GET /write (10%) one after the other until
// cfg.Duration has passed. Any failed request fails the run.
func Drive(url string, cfg Config) (Result, error) {
	if cfg.Clients < 1 || cfg.Duration <= 0 {
		return Result{}, fmt.Errorf("loadgen: %d clients for %v: nothing to drive", cfg.Clients, cfg.Duration)
	}
	cs, closeAll, err := Open(cfg.Client, url, cfg.CookieName, cfg.Clients)
	if err != nil {
		return Result{}, err
	}
	defer closeAll()
	for _, c := range cs {
		if err := c.Get("/prime"); err != nil {
			return Result{}, fmt.Errorf("loadgen: prime: %w", err)
		}
		if c.Session() == "" {
			return Result{}, fmt.Errorf("loadgen: /prime set no %s cookie", cfg.CookieName)
		}
	}
	lats := make([][]time.Duration, len(cs))
	errs := make([]error, len(cs))
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lats[i], errs[i] = run(c, uint64(i), deadline)
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return Result{}, fmt.Errorf("loadgen: %w", err)
	}
	all := slices.Concat(lats...)
	if len(all) == 0 {
		return Result{}, errors.New("loadgen: no request completed")
	}
	slices.Sort(all)
	return Result{
		Requests: len(all), RPS: float64(len(all)) / elapsed.Seconds(),
		P50: all[len(all)/2], P99: all[len(all)*99/100],
	}, nil
}

// run is one client's loop: requests until deadline, their latencies.
func run(c Client, seed uint64, deadline time.Time) ([]time.Duration, error) {
	rng := rand.New(rand.NewPCG(seed, 7))
	lat := make([]time.Duration, 0, 1024)
	for {
		t0 := time.Now()
		if !t0.Before(deadline) {
			return lat, nil
		}
		path := "/read"
		if rng.IntN(10) == 0 {
			path = "/write"
		}
		if err := c.Get(path); err != nil {
			return lat, err
		}
		lat = append(lat, time.Since(t0))
	}
}
