package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// startRun serves the demo through run with args on a free port and
// returns its URL; the server stops when the test ends.
func startRun(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"-host", "127.0.0.1", "-port", "0"}, args...), pw)
		pw.Close()
	}()
	base := waitListening(t, pr)
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("run did not return after the context ended")
		}
	})
	return base
}

// sample returns the sum of the values of the samples of a metric whose
// labels include every one of labels, in Prometheus text format.
func sample(t *testing.T, text, metric string, labels ...string) float64 {
	t.Helper()
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(metric) + `\{([^}]*)\} (\S+)$`)
	sum := 0.0
	found := false
	for _, m := range re.FindAllStringSubmatch(text, -1) {
		ok := true
		for _, l := range labels {
			if !strings.Contains(m[1], l) {
				ok = false
			}
		}
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			t.Fatalf("%s{%s}: value %q", metric, m[1], m[2])
		}
		sum += v
		found = true
	}
	if !found {
		t.Fatalf("no sample %s with %q in:\n%s", metric, labels, text)
	}
	return sum
}

// TestMetrics: with -metrics, /metrics serves the session2 metrics in
// Prometheus text format, and they move with the requests; the sessions
// page shows the live counts.
func TestMetrics(t *testing.T) {
	base := startRun(t, "-metrics", "-admin-local", "-store", "memory:")
	c := newClient(t, base)
	c.post("/login", url.Values{"name": {"mia"}}).expect(t, http.StatusOK, "Welcome! mia")
	c.get("/counter").expect(t, http.StatusOK, "Counter: 1")

	scrape := func() string {
		t.Helper()
		r := newClient(t, base).get("/metrics").expect(t, http.StatusOK, "# TYPE session2_events_total counter")
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("/metrics Content-Type %q, want Prometheus text", ct)
		}
		return r.body
	}
	first := scrape()
	created := sample(t, first, "session2_events_total", `session2_event_kind="created"`)
	loads := sample(t, first, "session2_store_duration_seconds_count", `session2_store_operation="load"`, `session2_store_outcome="hit"`, `session2_store_kind="memstore"`)
	if created < 1 || loads < 1 {
		t.Errorf("after a login and a count: created %v, load hits %v; want both counted", created, loads)
	}
	for _, want := range []string{"# TYPE session2_store_duration_seconds histogram", "# HELP session2_store_duration_seconds Duration of session store calls."} {
		if !strings.Contains(first, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	c.get("/counter").expect(t, http.StatusOK, "Counter: 2")
	newClient(t, base).post("/login", url.Values{"name": {"max"}}).expect(t, http.StatusOK, "Welcome! max")
	second := scrape()
	if n := sample(t, second, "session2_events_total", `session2_event_kind="created"`); n != created+1 {
		t.Errorf("created events %v after another login, want %v", n, created+1)
	}
	if n := sample(t, second, "session2_store_duration_seconds_count", `session2_store_operation="load"`, `session2_store_outcome="hit"`); n <= loads {
		t.Errorf("load hits %v after another request, want more than %v", n, loads)
	}
	for _, secret := range []string{c.cookie(), "mia", "max"} {
		if strings.Contains(second, secret) {
			t.Errorf("/metrics holds %q", secret)
		}
	}

	c.get("/sessions").expect(t, http.StatusOK, `<aside id="counts"`, "Live counts", "event created", "store load hit", "<table>")
}

// TestNoMetrics: without -metrics there is no /metrics page, and the
// sessions page has no counts.
func TestNoMetrics(t *testing.T) {
	base := startRun(t, "-admin-local", "-store", "memory:")
	c := newClient(t, base)
	c.get("/metrics").expect(t, http.StatusNotFound)
	c.post("/login", url.Values{"name": {"mia"}}).expect(t, http.StatusOK)
	c.get("/sessions").expect(t, http.StatusOK, "<table>").lacks(t, "Live counts")
}
