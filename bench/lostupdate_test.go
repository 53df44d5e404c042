package bench

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

const (
	lostUpdateRequests = 20 // concurrent requests per round, each setting its own key
	lostUpdateRounds   = 10
)

// TestLostUpdate sends rounds of concurrent requests, each setting a
// different key on one session, through a real HTTP server, and counts the
// keys that survive each round. session2 must keep every key; the peers,
// which save the whole session as the request saw it, are only reported.
// Run it with -v for the table.
func TestLostUpdate(t *testing.T) {
	results := make(map[string][]int)
	var order []string
	for _, l := range libs {
		if l.name == "bare" {
			continue
		}
		order = append(order, l.name)
		t.Run("lib="+l.name, func(t *testing.T) {
			survived := lostUpdates(t, l)
			results[l.name] = survived
			if l.name != "session2" {
				return
			}
			for round, n := range survived {
				if n != lostUpdateRequests {
					t.Errorf("round %d: %d of %d keys survived", round+1, n, lostUpdateRequests)
				}
			}
		})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "keys surviving %d concurrent writes, per round:\n", lostUpdateRequests)
	fmt.Fprintf(&b, "%-16s", "lib")
	for round := 1; round <= lostUpdateRounds; round++ {
		fmt.Fprintf(&b, "%4d", round)
	}
	fmt.Fprintf(&b, "  total\n")
	for _, name := range order {
		survived, ok := results[name]
		if !ok {
			continue
		}
		fmt.Fprintf(&b, "%-16s", name)
		total := 0
		for _, n := range survived {
			fmt.Fprintf(&b, "%4d", n)
			total += n
		}
		fmt.Fprintf(&b, "  %d/%d\n", total, lostUpdateRequests*len(survived))
	}
	t.Log("\n" + b.String())
}

// lostUpdates runs the rounds against a fresh instance of l served by a
// real loopback server and returns how many of each round's keys the
// session holds after the round.
func lostUpdates(t *testing.T, l lib) []int {
	srv := httptest.NewServer(app(t, l))
	t.Cleanup(srv.Close)
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := srv.Client()
	client.Jar = jar

	if body, status := fetch(t, client, srv.URL+"/prime"); status != http.StatusOK {
		t.Fatalf("/prime: status %d: %s", status, body)
	}
	var survived []int
	for round := 1; round <= lostUpdateRounds; round++ {
		start := make(chan struct{})
		var wg sync.WaitGroup
		failed := make(chan string, lostUpdateRequests)
		for i := 1; i <= lostUpdateRequests; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				url := fmt.Sprintf("%s/set?key=r%d-%d", srv.URL, round, i)
				if body, status := fetch(t, client, url); status != http.StatusOK {
					failed <- fmt.Sprintf("status %d: %s", status, strings.TrimSpace(body))
				}
			}()
		}
		close(start)
		wg.Wait()
		close(failed)
		for msg := range failed {
			t.Logf("round %d: a request failed: %s", round, msg)
		}

		body, status := fetch(t, client, srv.URL+"/keys")
		if status != http.StatusOK {
			t.Fatalf("/keys: status %d: %s", status, body)
		}
		n := 0
		prefix := fmt.Sprintf("r%d-", round)
		for _, k := range strings.Fields(body) {
			if strings.HasPrefix(k, prefix) {
				n++
			}
		}
		survived = append(survived, n)
	}
	return survived
}

// fetch GETs url and returns the body and status; a transport error fails
// the test.
func fetch(t *testing.T, c *http.Client, url string) (string, int) {
	resp, err := c.Get(url)
	if err != nil {
		t.Errorf("GET %s: %v", url, err)
		return "", 0
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Errorf("GET %s: read body: %v", url, err)
	}
	return string(b), resp.StatusCode
}
