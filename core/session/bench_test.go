package session

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// The core's own view of its per-request cost, over the minimal test store.
// bench/ compares the whole stack with the peers.
func BenchmarkMiddleware(b *testing.B) {
	st := newTestStore()
	m, _ := New[Map](st)
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/read":
			v, _ := m.Get(r).Data().GetString("k")
			io.WriteString(w, v)
		case "/write":
			m.Get(r).Data().Set("k", r.URL.RawQuery)
		}
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/write?x", nil))
	cookie := rec.Result().Cookies()[0]
	for _, kind := range []string{"none", "read", "write"} {
		b.Run(kind, func(b *testing.B) {
			req := httptest.NewRequest("GET", "/"+kind, nil)
			if kind != "none" {
				req.AddCookie(cookie)
			}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if kind == "write" {
					req.URL.RawQuery = string(rune('a' + i%26))
				}
				h.ServeHTTP(discardWriter{}, req)
			}
		})
	}
}

type discardWriter struct{}

func (discardWriter) Header() http.Header         { return http.Header{} }
func (discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (discardWriter) WriteHeader(int)             {}
