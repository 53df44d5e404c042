package session_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
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

// Every way of starting a response through the session's writer commits
// the session first, over a real connection: io.Copy from a plain reader
// (the server's ReadFrom), Flush, a write after http.ResponseController's deadline (which
// reaches the server's writer through Unwrap), and Hijack.
func TestWriterCommitsOnEveryPath(t *testing.T) {
	st := newWrapped()
	m := newMgr(t, st, nil)
	mux := http.NewServeMux()
	mux.HandleFunc("/copy", func(w http.ResponseWriter, r *http.Request) {
		m.Get(r).Data().Set("via", "copy")
		if _, err := io.Copy(w, struct{ io.Reader }{strings.NewReader("copied")}); err != nil {
			t.Error(err)
		}
	})
	mux.HandleFunc("/flush", func(w http.ResponseWriter, r *http.Request) {
		m.Get(r).Data().Set("via", "flush")
		w.(http.Flusher).Flush()
		io.WriteString(w, "flushed")
	})
	mux.HandleFunc("/deadline", func(w http.ResponseWriter, r *http.Request) {
		m.Get(r).Data().Set("via", "deadline")
		if err := http.NewResponseController(w).SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
			t.Errorf("SetWriteDeadline through the session's writer: %v", err)
		}
		io.WriteString(w, "deadline")
	})
	mux.HandleFunc("/hijack", func(w http.ResponseWriter, r *http.Request) {
		m.Get(r).Data().Set("via", "hijack")
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked")
		buf.Flush()
	})
	srv := httptest.NewServer(m.Handler(mux))
	t.Cleanup(srv.Close)
	for _, path := range []string{"/copy", "/flush", "/deadline", "/hijack"} {
		want := map[string]string{"/copy": "copied", "/flush": "flushed", "/deadline": "deadline", "/hijack": "hijacked"}[path]
		saves := st.Calls(sessiontest.Save)
		res, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if string(body) != want {
			t.Errorf("%s: body %q, want %q", path, body, want)
		}
		if n := st.Calls(sessiontest.Save) - saves; n != 1 {
			t.Errorf("%s: %d saves, want the session committed once", path, n)
		}
		if path != "/hijack" && cookieOf(res.Header) == "" {
			t.Errorf("%s: no session cookie in the response", path)
		}
	}
}

// When the commit fails, the error handler answers and every later way of
// writing through the session's writer reports ErrDiscarded, including
// Hijack, so the handler's output never follows the error page.
func TestWriterDiscardsAfterFailedCommit(t *testing.T) {
	st := newWrapped()
	m := newMgr(t, st, nil)
	errs := map[string]error{}
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.Get(r).Data().Set("k", "v")
		w.WriteHeader(http.StatusOK) // the commit fails here
		_, errs["Write"] = w.Write([]byte("page"))
		_, errs["WriteString"] = io.WriteString(w, "page")
		_, errs["ReadFrom"] = w.(io.ReaderFrom).ReadFrom(strings.NewReader("page"))
		errs["Flush"] = http.NewResponseController(w).Flush()
		w.WriteHeader(http.StatusTeapot) // ignored
	}))
	st.Fail(sessiontest.Save, sessiontest.ErrInjected)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, reqWith("/", ""))
	if rec.Code < 500 || strings.Contains(rec.Body.String(), "page") {
		t.Errorf("status %d, body %q: want the error handler's answer alone", rec.Code, rec.Body)
	}
	for name, err := range errs {
		if !errors.Is(err, session.ErrDiscarded) {
			t.Errorf("%s after a failed commit: %v, want ErrDiscarded", name, err)
		}
	}

	var hijackErr error
	h = m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.Get(r).Data().Set("k", "v")
		_, _, hijackErr = w.(http.Hijacker).Hijack()
	}))
	h.ServeHTTP(httptest.NewRecorder(), reqWith("/", ""))
	if !errors.Is(hijackErr, session.ErrDiscarded) {
		t.Errorf("Hijack whose commit failed: %v, want ErrDiscarded", hijackErr)
	}
}

// Without a session change, io.Copy through a writer that has no ReadFrom
// of its own still copies the body.
func TestWriterReadFromPlainWriter(t *testing.T) {
	_, h := newApp(t, routes{"/": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
		w.(io.ReaderFrom).ReadFrom(strings.NewReader("plain"))
	}})
	rec := httptest.NewRecorder() // no ReadFrom
	h.ServeHTTP(rec, reqWith("/", ""))
	if rec.Body.String() != "plain" {
		t.Errorf("body %q, want plain", rec.Body)
	}
}
