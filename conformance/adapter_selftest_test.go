package conformance_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/session2/session2/conformance"
	"github.com/session2/session2/core/session"
)

// serveRoutes puts the suite's routes on a ServeMux, reading the session
// with the manager's getter.
func serveRoutes(m *session.Manager[session.Map], routes conformance.Routes) *http.ServeMux {
	mux := http.NewServeMux()
	for _, rt := range routes {
		mux.HandleFunc(rt.Method+" "+rt.Path, func(w http.ResponseWriter, r *http.Request) {
			rt.Handle(w, r, m.Get(r))
		})
	}
	return mux
}

// TestBrokenAdapterSwallowsPanics: a recovery inside the session middleware
// that answers 200, so the panicking request's change is committed.
func TestBrokenAdapterSwallowsPanics(t *testing.T) {
	brokenOnly(t)
	conformance.TestAdapter(t, func(t *testing.T, m *session.Manager[session.Map], routes conformance.Routes) http.Handler {
		mux := serveRoutes(m, routes)
		return m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() { recover() }()
			mux.ServeHTTP(w, r)
		}))
	})
}

// TestBrokenAdapterBuffers: the whole response is buffered and sent when
// the handler returns, so streaming stalls.
func TestBrokenAdapterBuffers(t *testing.T) {
	brokenOnly(t)
	conformance.TestAdapter(t, func(t *testing.T, m *session.Manager[session.Map], routes conformance.Routes) http.Handler {
		h := m.Handler(serveRoutes(m, routes))
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes())
		})
	})
}

// TestBrokenAdapterIgnoresStatus: the session is committed after the
// handler whatever the response was, so a 500 saves its changes.
func TestBrokenAdapterIgnoresStatus(t *testing.T) {
	brokenOnly(t)
	conformance.TestAdapter(t, func(t *testing.T, m *session.Manager[session.Map], routes conformance.Routes) http.Handler {
		mux := serveRoutes(m, routes)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			x, r2, err := m.Begin(r)
			if err != nil {
				m.Error(w, r, err)
				return
			}
			buf := &headerless{ResponseWriter: w}
			mux.ServeHTTP(buf, r2)
			x.Commit(w.Header(), http.StatusOK)
			buf.flush()
		})
	})
}

// TestBrokenAdapterLeaksHeaders: a commit failure answered with the error
// handler on top of the handler's headers (its own copy of the core's
// commit step, without clearing them), as the gin adapter once did.
func TestBrokenAdapterLeaksHeaders(t *testing.T) {
	brokenOnly(t)
	conformance.TestAdapter(t, func(t *testing.T, m *session.Manager[session.Map], routes conformance.Routes) http.Handler {
		mux := serveRoutes(m, routes)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			x, r2, err := m.Begin(r)
			if err != nil {
				m.Error(w, r, err)
				return
			}
			lw := &leakyWriter{ResponseWriter: w, commit: func(status int) bool {
				if err := x.Commit(w.Header(), status); err != nil {
					m.Error(w, r, err)
					return false
				}
				return true
			}}
			defer func() {
				if recover() != nil {
					x.Abort()
				}
			}()
			mux.ServeHTTP(lw, r2)
			if !lw.started {
				lw.WriteHeader(http.StatusOK)
			}
		})
	})
}

// leakyWriter commits before the header goes out, and on failure lets the
// error handler write over the handler's headers.
type leakyWriter struct {
	http.ResponseWriter
	commit  func(status int) bool
	started bool
	discard bool
}

func (w *leakyWriter) WriteHeader(code int) {
	if w.started {
		return
	}
	w.started = true
	if !w.commit(code) {
		w.discard = true
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *leakyWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	if w.discard {
		return 0, session.ErrDiscarded
	}
	return w.ResponseWriter.Write(b)
}

func (w *leakyWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// headerless holds status and body until flush.
type headerless struct {
	http.ResponseWriter
	code int
	body bytes.Buffer
}

func (h *headerless) WriteHeader(code int)        { h.code = code }
func (h *headerless) Write(b []byte) (int, error) { return h.body.Write(b) }
func (h *headerless) flush() {
	if h.code == 0 {
		h.code = http.StatusOK
	}
	h.ResponseWriter.WriteHeader(h.code)
	h.ResponseWriter.Write(h.body.Bytes())
}

// TestAdapterSuiteCatchesBrokenAdapters runs each TestBrokenAdapter* test in
// a child process and checks that the suite fails it where it is broken.
func TestAdapterSuiteCatchesBrokenAdapters(t *testing.T) {
	if os.Getenv(brokenEnv) != "" {
		t.Skip("already in a child process")
	}
	cases := []struct {
		test     string
		wantFail []string
		wantPass []string
	}{
		{"TestBrokenAdapterSwallowsPanics", []string{"PanicSavesNothing"}, []string{"CookieAttributes", "StreamingGetsItsCookie"}},
		{"TestBrokenAdapterBuffers", []string{"StreamingGetsItsCookie"}, []string{"CookieAttributes", "PanicSavesNothing"}},
		{"TestBrokenAdapterIgnoresStatus", []string{"ServerErrorSavesNothing", "WriteBeforeTouch"}, []string{"CookieAttributes", "SetUserRenews"}},
		{"TestBrokenAdapterLeaksHeaders", []string{"FailedCommitDropsHandlerHeaders"}, []string{"CookieAttributes", "SetUserRenews", "DestroyDeletesAndRevokes"}},
	}
	for _, c := range cases {
		t.Run(c.test, func(t *testing.T) {
			t.Parallel()
			checkBrokenChild(t, c.test, c.wantFail, c.wantPass)
		})
	}
}
