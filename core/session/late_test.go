package session_test

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// Security review, defect 3: Destroy after the first byte deletes the
// session in the store at once.
func TestDestroyAfterFirstByteDeletes(t *testing.T) {
	rt := loginRoutes()
	rt["/late-logout"] = func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
		w.Write([]byte("bye"))
		s.Destroy()
	}
	_, h := newApp(t, rt)
	_, tok := do(h, "/login?u=ann", "")
	do(h, "/late-logout", tok)
	if rec, _ := do(h, "/user", tok); rec.Body.String() != "" {
		t.Errorf("Destroy after the first byte left the session alive: user %q", rec.Body.String())
	}
}

// syncBuffer is a bytes.Buffer safe for a logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// lateApp serves rt with a manager whose events and warnings the test
// reads.
func lateApp(t *testing.T, rt routes) (http.Handler, *evlog, *syncBuffer) {
	ev, logs := &evlog{}, &syncBuffer{}
	m, err := session.New[session.Map](sessiontest.NewStore(), session.WithEventHook(ev.hook),
		session.WithLogger(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	for p, f := range rt {
		mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) { f(w, r, m.Get(r)) })
	}
	return m.Handler(mux), ev, logs
}

// Security review, defect 3: a change to the data or the flashes after the
// commit is lost; it is reported with an event and a warning, once per
// request.
func TestLateChangeReported(t *testing.T) {
	rt := loginRoutes()
	rt["/late"] = func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
		w.Write([]byte("early"))
		s.Data().Set("late", 1)
		s.AddFlash("late")
		s.Data().Set("later", 2)
	}
	h, ev, logs := lateApp(t, rt)
	_, tok := do(h, "/login?u=ann", "")
	ev.reset()
	do(h, "/late", tok)
	if n := ev.count(session.EventLateChange); n != 1 || len(ev.kinds()) != 1 {
		t.Errorf("events after a late change = %v, want one %s", ev.kinds(), session.EventLateChange)
	}
	if n := strings.Count(logs.String(), "level=WARN"); n != 1 {
		t.Errorf("%d warnings logged for a late change, want 1: %q", n, logs.String())
	}
}

// A struct session changed through Data after the commit is reported too,
// and a request that only reads after the commit is not.
func TestLateDataChangeOfStruct(t *testing.T) {
	type prefs struct{ Theme string }
	ev := &evlog{}
	m2, err := session.New[prefs](sessiontest.NewStore(), session.WithEventHook(ev.hook), session.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	h := m2.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := m2.Get(r)
		w.Write([]byte(s.Data().Theme))
		if r.URL.Path == "/late" {
			s.Data().Theme = "dark"
		}
	}))
	do(h, "/read", "")
	if n := ev.count(session.EventLateChange); n != 0 {
		t.Errorf("a read after the first byte reported %d late changes", n)
	}
	do(h, "/late", "")
	if n := ev.count(session.EventLateChange); n != 1 {
		t.Errorf("a struct change after the first byte reported %d late changes, want 1", n)
	}
}

// A failed request (5xx) saves nothing on purpose: its changes, made before
// or after the status, are not reported as late.
func TestFailedRequestReportsNoLateChange(t *testing.T) {
	rt := loginRoutes()
	rt["/fail"] = func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
		s.Data().Set("before", 1)
		http.Error(w, "boom", http.StatusInternalServerError)
		s.Data().Set("after", 1)
	}
	h, ev, _ := lateApp(t, rt)
	_, tok := do(h, "/login?u=ann", "")
	ev.reset()
	do(h, "/fail", tok)
	if n := ev.count(session.EventLateChange); n != 0 {
		t.Errorf("a 500 response reported %d late changes, want 0", n)
	}
}

// Changes made after the first byte cannot be saved: SetUser says so with
// ErrCommitted, nothing is stored, and the manager reports it once.
func TestChangeAfterFirstByteReported(t *testing.T) {
	ev := &evlog{}
	st := newWrapped()
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
	if n := ev.count(session.EventLateChange); n != 1 || len(ev.kinds()) != 1 {
		t.Errorf("events %v, want one %s", ev.kinds(), session.EventLateChange)
	}
}
