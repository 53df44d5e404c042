package session_test

// The request lifecycle's tests over a small application: routes served
// through the manager's middleware, a client that carries the cookie, and
// the shared fakes of sessiontest (the in-memory store, the Wrapper that
// counts, fails and hooks its calls, the manual clock).

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

type routes map[string]func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map])

// newWrapped returns a sessiontest.Wrapper around a fresh in-memory store.
func newWrapped() *sessiontest.Wrapper { return sessiontest.Wrap(sessiontest.NewStore()) }

func newApp(t *testing.T, rt routes, opts ...session.Option) (*session.Manager[session.Map], http.Handler) {
	t.Helper()
	return newAppOn(t, sessiontest.NewStore(), rt, opts...)
}

func newAppOn(t *testing.T, st session.Store, rt routes, opts ...session.Option) (*session.Manager[session.Map], http.Handler) {
	t.Helper()
	m := newMgr(t, st, nil, opts...)
	mux := http.NewServeMux()
	for p, h := range rt {
		mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) { h(w, r, m.Get(r)) })
	}
	return m, m.Handler(mux)
}

// do sends a GET with the given token and returns the response and the
// token it sets ("" when none, "-" when revoked).
func do(h http.Handler, path, tok string) (*httptest.ResponseRecorder, string) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, reqWith(path, tok))
	return rec, cookieOf(rec.Result().Header)
}

// reqWith returns a GET of path carrying the session cookie tok, if any.
func reqWith(path, tok string) *http.Request {
	r := httptest.NewRequest("GET", path, nil)
	if tok != "" {
		r.Header.Set("Cookie", session.DefaultCookieName+"="+tok)
	}
	return r
}

// cookieOf returns the session token a response sets ("" when none, "-"
// when revoked).
func cookieOf(h http.Header) string {
	newTok := ""
	prefix := session.DefaultCookieName + "="
	for _, sc := range h.Values("Set-Cookie") {
		if !strings.HasPrefix(sc, prefix) {
			continue
		}
		v, _, _ := strings.Cut(strings.TrimPrefix(sc, prefix), ";")
		if v == "" {
			newTok = "-"
		} else {
			newTok = v
		}
	}
	return newTok
}

// loginRoutes is a small application: log in, renew, log out, show the
// user, set and get a key.
func loginRoutes() routes {
	return routes{
		"/login": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			s.SetUser(r.URL.Query().Get("u"))
		},
		"/renew":  func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) { s.Renew() },
		"/logout": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) { s.Destroy() },
		"/user": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			w.Write([]byte(s.User()))
		},
		"/set": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			s.Data().Set(r.URL.Query().Get("k"), r.URL.Query().Get("v"))
		},
		"/get": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			v, _ := s.Data().GetString(r.URL.Query().Get("k"))
			w.Write([]byte(v))
		},
	}
}

// keyOf is the store key of a token: its SHA-256 in lowercase hex.
func keyOf(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// isTombstone matches the save that retires a renewed record: an update
// to empty Data.
func isTombstone(_ string, rec session.Record) bool {
	return rec.Version > 0 && (len(rec.Data) == 0 || rec.Data[0] == 0)
}

// liveOf counts the live session records of user (tombstones aside).
func liveOf(t *testing.T, st session.Store, user string) int {
	t.Helper()
	n := 0
	for e, err := range st.List(context.Background(), session.Filter{User: user}) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Record.Expires.After(time.Now()) && len(e.Record.Data) > 0 {
			n++
		}
	}
	return n
}

// evlog records the kinds of the events of a manager.
type evlog struct {
	mu sync.Mutex
	ks []session.EventKind
}

func (e *evlog) hook(ev session.Event) {
	e.mu.Lock()
	e.ks = append(e.ks, ev.Kind)
	e.mu.Unlock()
}

func (e *evlog) reset() {
	e.mu.Lock()
	e.ks = nil
	e.mu.Unlock()
}

func (e *evlog) count(kind session.EventKind) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, k := range e.ks {
		if k == kind {
			n++
		}
	}
	return n
}

func (e *evlog) kinds() []session.EventKind {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]session.EventKind(nil), e.ks...)
}

// newMgr returns a manager of session.Map over st whose logger discards,
// reporting its events to ev unless ev is nil.
func newMgr(t *testing.T, st session.Store, ev *evlog, opts ...session.Option) *session.Manager[session.Map] {
	t.Helper()
	opts = append([]session.Option{session.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))}, opts...)
	if ev != nil {
		opts = append(opts, session.WithEventHook(ev.hook))
	}
	m, err := session.New[session.Map](st, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// run serves one request with fn as handler; returns status and cookie
// token ("" none, "-" revoked).
func run(m *session.Manager[session.Map], tok string, fn func(s *session.Session[session.Map])) (int, string) {
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fn(m.Get(r)) }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, reqWith("/", tok))
	return rec.Code, cookieOf(rec.Result().Header)
}
