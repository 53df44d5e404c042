// Package lifecycle holds regression tests of the core's request lifecycle
// under races and failures, run over memstore.
package lifecycle

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/memstore"
)

type routes map[string]func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map])

func newApp(t *testing.T, rt routes, opts ...session.Option) (*session.Manager[session.Map], http.Handler, *memstore.Store) {
	t.Helper()
	st := memstore.New()
	t.Cleanup(func() { st.Close() })
	return newAppOn(t, st, rt, opts...)
}

func newAppOn(t *testing.T, st session.Store, rt routes, opts ...session.Option) (*session.Manager[session.Map], http.Handler, *memstore.Store) {
	t.Helper()
	opts = append([]session.Option{session.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))}, opts...)
	m, err := session.New[session.Map](st, opts...)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	for p, h := range rt {
		mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) { h(w, r, m.Get(r)) })
	}
	ms, _ := st.(*memstore.Store)
	return m, m.Handler(mux), ms
}

// do sends a GET with the given token and returns the response and the
// token it sets ("" when none, "-" when revoked).
func do(h http.Handler, path, tok string) (*httptest.ResponseRecorder, string) {
	req := httptest.NewRequest("GET", path, nil)
	if tok != "" {
		req.Header.Set("Cookie", "session="+tok)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	newTok := ""
	for _, sc := range rec.Result().Header.Values("Set-Cookie") {
		v, _, _ := strings.Cut(strings.TrimPrefix(sc, "session="), ";")
		if v == "" {
			newTok = "-"
		} else {
			newTok = v
		}
	}
	return rec, newTok
}
