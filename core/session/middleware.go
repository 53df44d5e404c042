package session

import (
	"bufio"
	"io"
	"net"
	"net/http"
)

// Handler is the net/http middleware: it loads the request's session,
// runs next, and commits the session before the first byte of the response
// without buffering it. Use it directly or as a router's middleware:
// r.Use(mgr.Handler).
func (m *Manager[T]) Handler(next http.Handler) http.Handler {
	if next == nil {
		panic("session: Handler of a nil http.Handler")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x, r2, err := m.Begin(r)
		if err != nil {
			m.Error(w, r, err)
			return
		}
		w = x.Wrap(w)
		ok := false
		defer func() {
			if !ok {
				x.Abort() // the handler panicked: save nothing
			}
		}()
		next.ServeHTTP(w, r2)
		ok = true
		x.Finish()
	})
}

// Wrap returns a writer that commits the session just before the header
// of the response goes out through w (on WriteHeader, Write, Flush or
// Hijack), with the status being sent. When the commit fails, the manager's
// error handler answers instead, and what the handler writes afterwards is
// discarded. The writer keeps http.Flusher, http.Hijacker and
// http.ResponseController working. Call Wrap once per exchange.
func (x *Exchange[T]) Wrap(w http.ResponseWriter) http.ResponseWriter {
	x.rw = responseWriter[T]{ResponseWriter: w, x: x}
	return &x.rw
}

// responseWriter commits the session when the response's header is about to
// be sent.
type responseWriter[T any] struct {
	http.ResponseWriter
	x           *Exchange[T]
	wroteHeader bool
	discard     bool
}

// commit commits the session; on failure it answers with the error handler
// and discards what the handler writes next.
func (w *responseWriter[T]) commit(status int) bool {
	w.wroteHeader = true
	if w.x.Respond(w.ResponseWriter, status) != nil {
		w.discard = true
		return false
	}
	return true
}

func (w *responseWriter[T]) WriteHeader(code int) {
	if w.discard {
		return
	}
	if !w.wroteHeader && (code >= 200 || code == http.StatusSwitchingProtocols) {
		if !w.commit(code) {
			return
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter[T]) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.discard {
		return 0, ErrDiscarded
	}
	return w.ResponseWriter.Write(b)
}

// WriteString writes s like Write, without converting it to a byte slice
// when the wrapped writer is an io.StringWriter.
func (w *responseWriter[T]) WriteString(s string) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.discard {
		return 0, ErrDiscarded
	}
	return io.WriteString(w.ResponseWriter, s)
}

// ReadFrom commits the session, then copies from src, through the wrapped
// writer's own ReadFrom where it has one (sendfile for files served by
// net/http).
func (w *responseWriter[T]) ReadFrom(src io.Reader) (int64, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.discard {
		return 0, ErrDiscarded
	}
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(src)
	}
	return io.Copy(writerOnly{w.ResponseWriter}, src)
}

// writerOnly hides every method but Write, so that io.Copy does not call
// ReadFrom again.
type writerOnly struct{ io.Writer }

// Flush commits the session if the header was not sent yet, then flushes.
func (w *responseWriter[T]) Flush() { _ = w.FlushError() }

// FlushError is Flush reporting the wrapped writer's error, as
// http.ResponseController expects.
func (w *responseWriter[T]) FlushError() error {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.discard {
		return ErrDiscarded
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack commits the session, then hands over the connection. The session
// is saved, but net/http never sends the header map of a hijacked response:
// a cookie set by this commit (a new or renewed session) does not reach the
// client unless the handler writes it into its own upgrade response.
func (w *responseWriter[T]) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if !w.wroteHeader && !w.commit(http.StatusSwitchingProtocols) {
		return nil, nil, ErrDiscarded
	}
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *responseWriter[T]) Unwrap() http.ResponseWriter { return w.ResponseWriter }
