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
	}
	for _, c := range cases {
		t.Run(c.test, func(t *testing.T) {
			t.Parallel()
			checkBrokenChild(t, c.test, c.wantFail, c.wantPass)
		})
	}
}
