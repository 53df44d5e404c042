package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkPages serves two pages of a logged-in session straight through
// the demo's handler on every framework and store: /check reads the
// session (no store write), /counter changes it (one load, one save).
//
//	go test -run '^$' -bench Pages -benchmem ./examples/demo
func BenchmarkPages(b *testing.B) {
	for _, f := range frameworks() {
		for _, st := range testStores {
			b.Run(f+"/"+st.name, func(b *testing.B) {
				h, cookie := benchDemo(b, f, st.url(b))
				for _, path := range []string{"/check", "/counter"} {
					b.Run(strings.TrimPrefix(path, "/"), func(b *testing.B) {
						req := httptest.NewRequest(http.MethodGet, path, nil)
						req.AddCookie(cookie)
						b.ReportAllocs()
						for range b.N {
							w := httptest.NewRecorder()
							h.ServeHTTP(w, req)
							if w.Code != http.StatusOK {
								b.Fatalf("%s: status %d", path, w.Code)
							}
						}
					})
				}
			})
		}
	}
}

// benchDemo builds the demo's handler and logs a user in, returning the
// handler and the session cookie.
func benchDemo(b *testing.B, framework, storeURL string) (http.Handler, *http.Cookie) {
	b.Helper()
	a, h := newTestApp(b, framework, storeURL)
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader("name=bench"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	for _, c := range w.Result().Cookies() {
		if c.Name == a.mgr.CookieName() {
			return h, c
		}
	}
	b.Fatalf("login set no cookie: %d %s", w.Code, w.Body)
	return nil, nil
}
