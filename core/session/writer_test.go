package session_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/session2/session2/core/session"
)

// noFlushWriter is a ResponseWriter that cannot flush.
type noFlushWriter struct{ h http.Header }

func (w *noFlushWriter) Header() http.Header         { return w.h }
func (w *noFlushWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *noFlushWriter) WriteHeader(int)             {}

// http.ResponseController.Flush reports ErrNotSupported for a writer that
// cannot flush, also through the session's writer.
func TestFlushErrorReported(t *testing.T) {
	var got error
	_, h := newApp(t, routes{
		"/": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			got = http.NewResponseController(w).Flush()
		},
	})
	h.ServeHTTP(&noFlushWriter{h: http.Header{}}, httptest.NewRequest("GET", "/", nil))
	if !errors.Is(got, http.ErrNotSupported) {
		t.Errorf("Flush through the session writer = %v, want http.ErrNotSupported", got)
	}
}
