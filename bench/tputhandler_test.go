package bench

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/session2/session2/bench/internal/cputime"
	"github.com/session2/session2/bench/internal/tput"
	"github.com/session2/session2/stores/memstore"
)

// BenchmarkTputHandler is cmd/tput's session2 point on the memory
// store without the network: the same application, the same mix of 90%
// reads and 10% writes over one session, served by ServeHTTP on a writer
// that only keeps the header. It isolates session2's own per-request cost
// (time, CPU time with the garbage collector's, allocations) from the
// HTTP exchange's, for profiling.
func BenchmarkTputHandler(b *testing.B) {
	s := memstore.New()
	defer s.Close()
	h, err := tput.Session2(s)
	if err != nil {
		b.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/prime", nil))
	var cookie string
	for _, c := range rec.Result().Cookies() {
		if c.Name == cookieName {
			cookie = cookieName + "=" + c.Value
		}
	}
	if cookie == "" {
		b.Fatal("prime set no cookie")
	}
	read := httptest.NewRequest(http.MethodGet, "/read", nil)
	read.Header.Set("Cookie", cookie)
	write := httptest.NewRequest(http.MethodGet, "/write", nil)
	write.Header.Set("Cookie", cookie)
	w := &headerWriter{}
	b.ReportAllocs()
	cpu0, cpuOK := cputime.Process()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := read
		if i%10 == 0 {
			r = write
		}
		w.reset()
		h.ServeHTTP(w, r)
		if w.status != http.StatusOK {
			b.Fatalf("%s: status %d", r.URL.Path, w.status)
		}
	}
	b.StopTimer()
	if cpu1, ok := cputime.Process(); ok && cpuOK {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
}

// headerWriter is a ResponseWriter that keeps the header and the status
// and discards the body.
type headerWriter struct {
	h      http.Header
	status int
}

func (w *headerWriter) reset() {
	if w.h == nil {
		w.h = http.Header{}
	}
	clear(w.h)
	w.status = 0
}

func (w *headerWriter) Header() http.Header { return w.h }
func (w *headerWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
func (w *headerWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return len(b), nil
}
