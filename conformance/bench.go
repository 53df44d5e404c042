package conformance

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/memstore"
)

// NewBenchFunc builds the router [BenchmarkAdapter] measures: the
// adapter's session middleware for m, or none when m is nil, and every
// route of routes, whose Handle gets the session the adapter's Lookup
// returns (nil without the middleware).
type NewBenchFunc func(m *session.Manager[session.Map], routes Routes) http.Handler

// BenchmarkAdapter measures one request through the router newHandler
// builds, served in-process on a memstore, with one sub-benchmark per
// case: "bare", the router without the session middleware; then with it
// "anonymous", a request without a cookie; "read", a read-only request
// with one; and "write", a request that changes the session.
//
// The routes, answering 200 text/plain with the session's counter "n":
//
//	GET /read   reads n
//	GET /write  reads n and adds one to it
func BenchmarkAdapter(b *testing.B, newHandler NewBenchFunc) {
	ms := memstore.New(memstore.WithSweepInterval(0))
	defer ms.Close()
	mgr, err := session.New[session.Map](ms, session.WithLogger(discardLogger()))
	if err != nil {
		b.Fatal(err)
	}
	routes := Routes{
		{"GET", "/read", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			v := 0
			if s != nil {
				v, _ = s.Data().GetInt("n")
			}
			w.Write(strconv.AppendInt(nil, int64(v), 10))
		}},
		{"GET", "/write", func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			d := s.Data()
			v, _ := d.GetInt("n")
			d.Set("n", v+1)
			w.Write(strconv.AppendInt(nil, int64(v), 10))
		}},
	}
	bare, h := newHandler(nil, routes), newHandler(mgr, routes)

	// A session to read and write.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/write", nil))
	cookie, _, _ := strings.Cut(rec.Header().Get("Set-Cookie"), ";")
	if cookie == "" {
		b.Fatal("no session cookie")
	}
	for _, tc := range []struct {
		name, path string
		h          http.Handler
		cookie     string
	}{
		{"bare", "/read", bare, ""},
		{"anonymous", "/read", h, ""},
		{"read", "/read", h, cookie},
		{"write", "/write", h, cookie},
	} {
		b.Run(tc.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", tc.path, nil)
			if tc.cookie != "" {
				req.Header.Set("Cookie", tc.cookie)
			}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				rec := httptest.NewRecorder()
				tc.h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}
