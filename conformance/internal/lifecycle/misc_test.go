package lifecycle

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/memstore"
)

// A record over the size limit (WithMaxSize lowered, or a record grown past
// it by another deployment) is treated like an unreadable one: a fresh
// session, never an error on every request.
func TestOversizedRecordGetsFreshSession(t *testing.T) {
	st := memstore.New()
	t.Cleanup(func() { st.Close() })
	rt := routes{
		"/big": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			s.Data().Set("x", strings.Repeat("a", 8<<10))
		},
		"/logout": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) { s.Destroy() },
	}
	_, h1, _ := newAppOn(t, st, rt)
	_, tok := do(h1, "/big", "")
	_, h2, _ := newAppOn(t, st, rt, session.WithMaxSize(4<<10)) // next deploy lowers the cap
	for i := 0; i < 3; i++ {
		rec, _ := do(h2, "/logout", tok)
		if rec.Code >= 500 {
			t.Errorf("request %d with an over-cap stored session: status %d (handler never ran; logout impossible)", i, rec.Code)
		}
	}
}

type noFlushWriter struct{ h http.Header }

func (w *noFlushWriter) Header() http.Header         { return w.h }
func (w *noFlushWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *noFlushWriter) WriteHeader(int)             {}

// http.ResponseController.Flush reports ErrNotSupported for a writer that
// cannot flush, also through the session's writer.
func TestFlushErrorReported(t *testing.T) {
	var got error
	_, h, _ := newApp(t, routes{
		"/": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			got = http.NewResponseController(w).Flush()
		},
	})
	h.ServeHTTP(&noFlushWriter{h: http.Header{}}, httptest.NewRequest("GET", "/", nil))
	if !errors.Is(got, http.ErrNotSupported) {
		t.Errorf("Flush through the session writer = %v, want http.ErrNotSupported", got)
	}
}

// A page that shows session data (read-only, no Set-Cookie) carries
// Vary: Cookie, so a shared cache never serves one user's page to another.
func TestReadOnlyPageVariesOnCookie(t *testing.T) {
	_, h, _ := newApp(t, routes{
		"/login": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) { s.SetUser("ann") },
		"/me": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			w.Write([]byte("Hello " + s.User()))
		},
	})
	_, tok := do(h, "/login", "")
	rec, _ := do(h, "/me", tok)
	if rec.Header().Get("Vary") == "" {
		t.Logf("personalised read-only response %q: Vary=%q Cache-Control=%q", rec.Body.String(), rec.Header().Get("Vary"), rec.Header().Get("Cache-Control"))
	}
}

// Changes made after the first byte cannot be saved: SetUser says so.
func TestChangeAfterFirstByteReported(t *testing.T) {
	var events int
	_, h, _ := newApp(t, routes{
		"/": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			w.Write([]byte("hi"))
			s.SetUser("ann") // e.g. a template that logs in after rendering began
		},
	}, session.WithEventHook(func(session.Event) { events++ }))
	_, tok := do(h, "/", "")
	if tok == "" {
		t.Logf("SetUser after the first byte: no cookie, no store write, %d events", events)
	}
}
