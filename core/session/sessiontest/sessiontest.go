// Package sessiontest helps test handlers that use sessions, with the
// standard library alone: a manager over an in-memory store, a request
// that carries a session with the data and user a test gives it, and the
// session a response left behind.
//
//	m := sessiontest.NewManager[Data](t)
//	req := sessiontest.WithSession(t, m, httptest.NewRequest("GET", "/cart", nil), "ann",
//		func(s *session.Session[Data]) { s.Data().Items = 2 })
//	rec := httptest.NewRecorder()
//	router.ServeHTTP(rec, req) // the router under test, with the manager's middleware
//	got := sessiontest.SessionAfter(t, m, req, rec.Result())
//	if got.User != "ann" || got.Data.Items != 3 { ... }
//
// It works with any router: the session travels the way a browser or an
// API client carries it (the cookie, or the header of
// [session.WithHeaderToken]), and passes through the router's own session
// middleware, so the handler under test runs exactly as in production.
//
// It also holds the fakes that the tests of session2's modules share: a
// [Wrapper] around any store that counts, fails and hooks its calls (the
// counting, failing and hanging stores of a test), and a manual [Clock].
package sessiontest

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/session2/session2/core/session"
)

// TB is the part of testing.TB the kit uses: *testing.T and *testing.B
// satisfy it. A testable example, which has no *testing.T, can pass a
// value whose Fatalf panics.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// NewManager returns a manager of T over a new in-memory [Store], with
// opts. Its logger discards, unless opts set one. It fails the test when
// the options are invalid.
func NewManager[T any](t TB, opts ...session.Option) *session.Manager[T] {
	t.Helper()
	opts = append([]session.Option{session.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))}, opts...)
	m, err := session.New[T](NewStore(), opts...)
	if err != nil {
		t.Fatalf("sessiontest: %v", err)
	}
	return m
}

// WithSession stores a session of user (empty for an anonymous one) whose
// data set fills, and returns a copy of r that carries it, as a client
// would (the session cookie, or the token header). set may be nil, and may
// do anything a handler does to a session (add flashes, SetPersistent). A
// session left with nothing in it is not stored, and r is returned
// unchanged but for a context of its own.
//
//	req := sessiontest.WithSession(t, m, httptest.NewRequest("GET", "/", nil), "ann",
//		func(s *session.Session[session.Map]) { s.Data().Set("theme", "dark") })
func WithSession[T any](t TB, m *session.Manager[T], r *http.Request, user string, set func(s *session.Session[T])) *http.Request {
	t.Helper()
	var failed string
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		s := m.Get(req)
		if user != "" {
			if err := s.SetUser(user); err != nil {
				failed = err.Error()
			}
		}
		if set != nil {
			set(s)
		}
	}))
	setup := httptest.NewRequest(http.MethodGet, "/", nil)
	setup.RemoteAddr, setup.Host, setup.TLS = r.RemoteAddr, r.Host, r.TLS
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, setup)
	if failed != "" || rec.Code != http.StatusOK {
		t.Fatalf("sessiontest: storing the session failed: %d %s %s", rec.Code, failed, rec.Body)
	}
	out := r.Clone(r.Context())
	if tok, _ := m.ResponseToken(rec.Header()); tok != "" {
		m.SetRequestToken(out, tok)
	}
	return out
}

// State is the session a response left for the client, as the next
// request would load it.
type State[T any] struct {
	// Found: the client's token after the response names a live stored
	// session. The other fields but Revoked are zero when it does not.
	Found bool
	// Revoked: the response told the client to drop its token (a logout,
	// or a session that lost all its info).
	Revoked bool
	// Renewed: the response sent the client a new token (a new session,
	// SetUser, Renew).
	Renewed bool
	// Token is the token the client holds after the response, "" for none.
	// It is a secret: tests may pass it on (session.Manager's
	// SetRequestToken) but should not print it.
	Token string
	// ID is the session's ID (its store key).
	ID string
	// User is the session's user.
	User string
	// Data is the session's data.
	Data *T
	// Flashes are the queued flash messages, oldest first.
	Flashes []session.Flash
	// Persistent: the session's cookie outlives the browser session.
	Persistent bool
	// Lifetime is the session's absolute lifetime.
	Lifetime time.Duration
	// IdleTimeout is the session's idle timeout, 0 for none.
	IdleTimeout time.Duration
	// ExpiresAt is when the stored session expires unless used again.
	ExpiresAt time.Time
}

// SessionAfter returns the session that res, the response to r, left for
// the client: the one named by the token the response sent, else by the
// token r carried. It reads the session through the manager, as the next
// request would, and changes nothing in the store (not even its flashes).
//
//	rec := httptest.NewRecorder()
//	h.ServeHTTP(rec, req)
//	st := sessiontest.SessionAfter(t, m, req, rec.Result())
func SessionAfter[T any](t TB, m *session.Manager[T], r *http.Request, res *http.Response) State[T] {
	t.Helper()
	var st State[T]
	tok, sent := m.ResponseToken(res.Header)
	switch {
	case sent && tok == "":
		st.Revoked = true
		return st
	case sent:
		st.Renewed = tok != m.RequestToken(r)
	default:
		tok = m.RequestToken(r)
	}
	if tok == "" {
		return st
	}
	st.Token = tok
	probe := httptest.NewRequest(http.MethodGet, "/", nil)
	m.SetRequestToken(probe, tok)
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		s := m.Get(req)
		if !s.IsNew() {
			st.Found = true
			st.ID, st.User, st.Data = s.ID(), s.User(), s.Data()
			st.Flashes = s.TakeFlashes()
			st.Persistent, st.Lifetime, st.ExpiresAt = s.Persistent(), s.Lifetime(), s.ExpiresAt()
			st.IdleTimeout = s.IdleTimeout()
		}
		// A 5xx response saves nothing: the flashes taken stay queued.
		w.WriteHeader(http.StatusInternalServerError)
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, probe)
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("sessiontest: loading the session failed: %d %s", rec.Code, rec.Body)
	}
	return st
}
