package faults

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Clients is how many clients the load runs at once.
const Clients = 16

// Load is the suite's load: Clients clients, each with its own session
// holding a counter, sending a mix of writes (POST /inc), reads (GET
// /read) and requests without a cookie (GET /ping), one at a time, to the
// server at a base URL that may change between phases (a restarted
// process). It remembers the highest counter each client's writes were
// acknowledged with, to tell afterwards whether one was lost.
type Load struct {
	// Base returns the server's base URL, such as http://127.0.0.1:8080.
	Base func() string
	// Grow is how many bytes each write adds to its session's padding.
	Grow int
	// MaxRequests bounds the requests of one phase.
	MaxRequests int
	// Bound is how long a request may take before it counts as hung
	// (default [Bound]).
	Bound time.Duration
	// FreshEvery, when positive, makes one write in FreshEvery start a
	// new session (the old one is kept for Verify), so that the store
	// keeps needing room for new records.
	FreshEvery int

	client  *http.Client
	clients [Clients]clientState
}

type clientState struct {
	cookie  string    // the session cookie, name=value, "" before the first write
	acked   int       // the highest counter a 2xx write answered
	writes  int       // acknowledged writes
	retired []retired // sessions left for a fresh one
}

// retired is a session a client left, with its acknowledged counter.
type retired struct {
	cookie string
	acked  int
}

// NewLoad returns a load on the server base returns.
func NewLoad(base func() string) *Load {
	tr := &http.Transport{MaxIdleConnsPerHost: 2 * Clients, DisableCompression: true}
	return &Load{
		Base:        base,
		MaxRequests: 50000,
		Bound:       Bound,
		client:      &http.Client{Transport: tr, Timeout: 30 * time.Second},
	}
}

// Close closes the load's idle connections.
func (l *Load) Close() { l.client.CloseIdleConnections() }

// Stats counts one phase's requests.
type Stats struct {
	mu sync.Mutex
	// Sent counts the requests sent; OK those answered 2xx; Failed those
	// answered otherwise (5xx) or not at all (a refused or broken
	// connection); Hung those that took longer than [Bound], answered or
	// not.
	Sent, OK, Failed, Hung int
	// CookielessFailed counts requests without a cookie not answered 200.
	CookielessFailed int
	// Writes counts the 2xx answers to writes, WritesFailed the other
	// writes; ReadsOK and ReadsFailed count the reads.
	Writes, WritesFailed, ReadsOK, ReadsFailed int
	// LastFailure is when the last failed request of the phase ended.
	LastFailure time.Time
	// Errors holds a few failures' descriptions.
	Errors []string
	// Latency holds every answered request's latency.
	Latency []time.Duration
}

func (s *Stats) add(o *Stats) {
	s.Sent += o.Sent
	s.OK += o.OK
	s.Failed += o.Failed
	s.Hung += o.Hung
	s.CookielessFailed += o.CookielessFailed
	s.Writes += o.Writes
	s.WritesFailed += o.WritesFailed
	s.ReadsOK += o.ReadsOK
	s.ReadsFailed += o.ReadsFailed
	if o.LastFailure.After(s.LastFailure) {
		s.LastFailure = o.LastFailure
	}
	for _, e := range o.Errors {
		if len(s.Errors) < 5 {
			s.Errors = append(s.Errors, e)
		}
	}
	s.Latency = append(s.Latency, o.Latency...)
}

// Percentile returns the p-th percentile (0 to 100) of the latencies.
func (s *Stats) Percentile(p float64) time.Duration {
	if len(s.Latency) == 0 {
		return 0
	}
	l := slices.Clone(s.Latency)
	slices.Sort(l)
	i := int(float64(len(l)-1) * p / 100)
	return l[i]
}

// Run runs the load until ctx ends or for d, whichever is first, adding
// to st. Each client starts with a write when it has no session yet.
func (l *Load) Run(ctx context.Context, d time.Duration, st *Stats) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var wg sync.WaitGroup
	var mu sync.Mutex
	budget := l.MaxRequests
	for i := range l.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &l.clients[i]
			rng := rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))
			var mine Stats
			defer func() {
				mu.Lock()
				st.mu.Lock()
				st.add(&mine)
				st.mu.Unlock()
				mu.Unlock()
			}()
			for ctx.Err() == nil {
				mu.Lock()
				if budget == 0 {
					mu.Unlock()
					return
				}
				budget--
				mu.Unlock()
				if l.FreshEvery > 0 && c.cookie != "" && rng.IntN(l.FreshEvery) == 0 {
					c.retired = append(c.retired, retired{c.cookie, c.acked})
					c.cookie, c.acked = "", 0
				}
				switch x := rng.IntN(8); {
				case c.cookie == "" || x < 4:
					l.write(c, &mine)
				case x < 7:
					l.read(c, &mine)
				default:
					l.ping(&mine)
				}
				time.Sleep(2 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
}

// answer is what one request got.
type answer struct {
	code   int    // the status, 0 for no answer
	body   string // the body's first 4 KiB
	cookie string // the session cookie it set, name=value
}

func (a answer) ok() bool { return a.code/100 == 2 }

// do sends one request and counts it in st. It runs to its end even when
// the phase is over, so that every answer is a real one.
func (l *Load) do(method, path, cookie string, st *Stats) answer {
	req, err := http.NewRequest(method, l.Base()+path, nil)
	if err != nil {
		panic(err) // a bad base URL is the suite's own mistake
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	start := time.Now()
	resp, err := l.client.Do(req)
	took := time.Since(start)
	st.Sent++
	if took > l.Bound {
		st.Hung++
		st.note(fmt.Sprintf("%s %s took %v", method, path, took.Round(time.Millisecond)))
	}
	if err != nil {
		st.Failed++
		st.LastFailure = time.Now()
		st.note(fmt.Sprintf("%s %s: %v", method, path, err))
		return answer{}
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	st.Latency = append(st.Latency, took)
	a := answer{code: resp.StatusCode, body: strings.TrimSpace(string(body)), cookie: sessionCookie(resp)}
	if !a.ok() {
		st.Failed++
		st.LastFailure = time.Now()
		st.note(fmt.Sprintf("%s %s: %d %s", method, path, a.code, a.body))
		return a
	}
	st.OK++
	return a
}

func (s *Stats) note(e string) {
	if len(s.Errors) < 5 {
		s.Errors = append(s.Errors, e)
	}
}

func sessionCookie(resp *http.Response) string {
	for _, c := range resp.Cookies() {
		if c.Name == "session" && c.Value != "" && c.MaxAge >= 0 {
			return c.Name + "=" + c.Value
		}
	}
	return ""
}

func (l *Load) write(c *clientState, st *Stats) {
	path := "/inc"
	if l.Grow > 0 {
		path += "?grow=" + strconv.Itoa(l.Grow)
	}
	a := l.do(http.MethodPost, path, c.cookie, st)
	if !a.ok() {
		st.WritesFailed++
		return
	}
	n, err := strconv.Atoi(a.body)
	if err != nil {
		st.note("POST /inc answered " + a.body)
		return
	}
	if a.cookie != "" {
		c.cookie = a.cookie
	}
	if c.cookie == "" {
		return // a session without a cookie was not stored
	}
	st.Writes++
	c.writes++
	if n > c.acked {
		c.acked = n
	}
}

func (l *Load) read(c *clientState, st *Stats) {
	if l.do(http.MethodGet, "/read", c.cookie, st).ok() {
		st.ReadsOK++
	} else {
		st.ReadsFailed++
	}
}

func (l *Load) ping(st *Stats) {
	if a := l.do(http.MethodGet, "/ping", "", st); a.code != http.StatusOK {
		st.CookielessFailed++
	}
}

// Verify reads every client's counter back through the server, retrying
// each for up to d, and returns how many acknowledged writes are missing
// (the acknowledged counter minus the one read, summed over the sessions
// that went back) and a description of the first few.
func (l *Load) Verify(d time.Duration) (lost int, problems []string) {
	for i := range l.clients {
		c := &l.clients[i]
		sessions := append(c.retired[:len(c.retired):len(c.retired)], retired{c.cookie, c.acked})
		for _, s := range sessions {
			if s.cookie == "" {
				continue
			}
			n, p := l.verify(i, s, d)
			lost += n
			if p != "" {
				problems = append(problems, p)
			}
		}
	}
	return lost, problems
}

// verify reads one session's counter back.
func (l *Load) verify(i int, s retired, d time.Duration) (lost int, problem string) {
	deadline := time.Now().Add(d)
	for {
		var st Stats
		a := l.do(http.MethodGet, "/read", s.cookie, &st)
		if a.ok() {
			n, err := strconv.Atoi(a.body)
			switch {
			case err != nil:
				return 0, fmt.Sprintf("client %d: /read answered %q", i, a.body)
			case n < s.acked:
				return s.acked - n, fmt.Sprintf("client %d: counter %d acknowledged, %d stored", i, s.acked, n)
			}
			return 0, ""
		}
		if time.Now().After(deadline) {
			return 0, fmt.Sprintf("client %d: /read still fails after %v: %d %s %v", i, d, a.code, a.body, st.Errors)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Acked returns the acknowledged writes of every client together.
func (l *Load) Acked() int {
	n := 0
	for i := range l.clients {
		n += l.clients[i].writes
	}
	return n
}
