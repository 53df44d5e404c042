package bench

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/session2/session2/bench/internal/cputime"
)

// The request kinds the benchmarks compare.
const (
	kindNone  = "none"  // no cookie, the handler touches no session
	kindRead  = "read"  // a session cookie, the handler reads one value
	kindWrite = "write" // a session cookie, the handler writes one value
)

var kinds = []string{kindNone, kindRead, kindWrite}

// bareCookie is the Cookie header of the bare handler's requests: the shape
// of a session2 cookie, read by nobody.
var bareCookie = cookieName + "=" + strings.Repeat("x", 43)

// BenchmarkRequest measures one request through each contender, served by
// ServeHTTP on an httptest recorder, for each kind. benchstat lines the
// contenders up with -col /lib.
//
// Besides ns/op, which is wall time, it reports cpu-ns/op: the CPU time of
// the whole process (every goroutine, the garbage collector included) per
// request. On a machine shared with other work, wall time counts the time
// spent waiting for a CPU; CPU time does not.
func BenchmarkRequest(b *testing.B) {
	for _, k := range kinds {
		b.Run("kind="+k, func(b *testing.B) {
			for _, l := range libs {
				b.Run("lib="+l.name, func(b *testing.B) { benchRequest(b, l, k) })
			}
		})
	}
}

// benchRequest measures requests of kind k through a fresh instance of l.
// The session is created by one request before the timer starts; writes
// are checked to have persisted after it stops.
func benchRequest(b *testing.B, l lib, k string) {
	h := app(b, l)
	cookie := ""
	if k != kindNone {
		cookie = prime(b, h)
		if cookie == "" {
			cookie = bareCookie
		}
	}
	path := "/" + k
	var w *httptest.ResponseRecorder
	b.ReportAllocs()
	cpu0, cpuOK := cputime.Process()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		if cookie != "" {
			r.Header.Set("Cookie", cookie)
		}
		w = httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("%s %s: status %d: %s", l.name, path, w.Code, w.Body)
		}
	}
	b.StopTimer()
	if cpu1, ok := cputime.Process(); ok && cpuOK {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
	if k == kindWrite && l.name != "bare" {
		// The response may carry the session (gorilla's cookie store).
		if c := responseCookie(w); c != "" {
			cookie = c
		}
		if got, want := get(b, h, cookie, "n"), itoa(1000+int64(b.N)); got != want {
			b.Fatalf("%s: after %d writes n = %q, want %q", l.name, b.N, got, want)
		}
	}
}

// prime creates a session holding name=alice with one request and returns
// the Cookie header that carries it, or "" when the contender sets none.
func prime(tb testing.TB, h http.Handler) string {
	tb.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/prime", nil))
	if w.Code != http.StatusOK {
		tb.Fatalf("/prime: status %d: %s", w.Code, w.Body)
	}
	return responseCookie(w)
}

// responseCookie returns the session cookie a response set, as a Cookie
// header, or "".
func responseCookie(w *httptest.ResponseRecorder) string {
	for _, c := range w.Result().Cookies() {
		if c.Name == cookieName && c.Value != "" {
			return c.Name + "=" + c.Value
		}
	}
	return ""
}

// get answers the value under key in the session the cookie carries.
func get(tb testing.TB, h http.Handler, cookie, key string) string {
	tb.Helper()
	r := httptest.NewRequest(http.MethodGet, "/get?key="+key, nil)
	r.Header.Set("Cookie", cookie)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		tb.Fatalf("/get?key=%s: status %d: %s", key, w.Code, w.Body)
	}
	return w.Body.String()
}
