package echosession_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/session2/session2/adapters/echo/echosession"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/memstore"
)

// BenchmarkRequest measures one request through an echo server, served
// in-process on a memstore: without the session middleware, then with it
// for an anonymous request, a read-only request with a cookie, and a
// request that changes the session.
func BenchmarkRequest(b *testing.B) {
	ms := memstore.New(memstore.WithSweepInterval(0))
	defer ms.Close()
	mgr, err := session.New[session.Map](ms, session.WithLogger(discardLogger()))
	if err != nil {
		b.Fatal(err)
	}
	read := func(c echo.Context) error {
		v, _ := echosession.Get[session.Map](c).Data().GetInt("n")
		return c.String(http.StatusOK, strconv.Itoa(v))
	}
	write := func(c echo.Context) error {
		d := echosession.Get[session.Map](c).Data()
		v, _ := d.GetInt("n")
		d.Set("n", v+1)
		return c.String(http.StatusOK, strconv.Itoa(v))
	}
	bare := newEcho()
	bare.GET("/read", func(c echo.Context) error { return c.String(http.StatusOK, strconv.Itoa(0)) })
	r := newEcho()
	r.Use(echosession.Middleware(mgr))
	r.GET("/read", read)
	r.GET("/write", write)

	// A session to read and write.
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("GET", "/write", nil))
	cookie, _, _ := strings.Cut(rec.Header().Get("Set-Cookie"), ";")
	if cookie == "" {
		b.Fatal("no session cookie")
	}
	cases := []struct {
		name, path string
		h          http.Handler
		cookie     string
	}{
		{"bare", "/read", bare, ""},
		{"anonymous", "/read", r, ""},
		{"read", "/read", r, cookie},
		{"write", "/write", r, cookie},
	}
	for _, tc := range cases {
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
