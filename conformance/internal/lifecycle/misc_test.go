package lifecycle

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/session2/session2/core/session"
)

// A record over the size limit (WithMaxSize lowered, or a record grown past
// it by another deployment) is treated like an unreadable one: a fresh
// session, never an error on every request.
func TestOversizedRecordGetsFreshSession(t *testing.T) {
	st := newMem(t)
	rt := routes{
		"/big": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			s.Data().Set("x", strings.Repeat("a", 8<<10))
		},
		"/logout": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) { s.Destroy() },
	}
	_, h1 := newAppOn(t, st, rt)
	_, tok := do(h1, "/big", "")
	_, h2 := newAppOn(t, st, rt, session.WithMaxSize(4<<10)) // next deploy lowers the cap
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

// A page that shows session data (read-only, no Set-Cookie) carries
// Vary: Cookie, so a shared cache never serves one user's page to another.
func TestReadOnlyPageVariesOnCookie(t *testing.T) {
	_, h := newApp(t, routes{
		"/login": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) { s.SetUser("ann") },
		"/me": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			w.Write([]byte("Hello " + s.User()))
		},
	})
	_, tok := do(h, "/login", "")
	rec, newTok := do(h, "/me", tok)
	if rec.Body.String() != "Hello ann" || newTok != "" {
		t.Fatalf("read-only page: body %q, cookie %q; want Hello ann and no cookie", rec.Body.String(), newTok)
	}
	if !varies(rec.Header()) {
		t.Errorf("personalised read-only response: Vary %q, want Cookie", rec.Header().Values("Vary"))
	}
}

// Changes made after the first byte cannot be saved: SetUser says so with
// ErrCommitted, nothing is stored, and the manager reports it once.
func TestChangeAfterFirstByteReported(t *testing.T) {
	ev := &evlog{}
	st := newStore(t)
	var setErr error
	_, h := newAppOn(t, st, routes{
		"/": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			w.Write([]byte("hi"))
			setErr = s.SetUser("ann") // e.g. a template that logs in after rendering began
		},
	}, session.WithEventHook(ev.hook))
	_, tok := do(h, "/", "")
	if !errors.Is(setErr, session.ErrCommitted) {
		t.Errorf("SetUser after the first byte: %v, want ErrCommitted", setErr)
	}
	if tok != "" {
		t.Errorf("SetUser after the first byte set a cookie %q", tok)
	}
	if n := st.Writes(); n != 0 {
		t.Errorf("SetUser after the first byte made %d store writes", n)
	}
	if n := ev.count(session.EventLateChange); n != 1 || len(ev.ks) != 1 {
		t.Errorf("events %v, want one %s", ev.ks, session.EventLateChange)
	}
}
